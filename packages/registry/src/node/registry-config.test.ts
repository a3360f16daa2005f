import { nodeConfigSchema } from '@raftkit/server'
import { describe, expect, test } from 'vitest'
import { storeConfigOf } from './registry-node.js'

const base = {
  id: 'n1',
  dataDir: '/tmp/raftkit-config-test/n1',
  listenClient: 'http://127.0.0.1:7001',
  listenPeer: '127.0.0.1:7101',
  initialCluster: { n1: '127.0.0.1:7101' },
}

describe('the registry part of the node configuration', () => {
  test('SQLite in the data directory by default; MySQL by URL', () => {
    const config = nodeConfigSchema.parse(base)
    expect(storeConfigOf(config)).toEqual({
      kind: 'sqlite',
      path: '/tmp/raftkit-config-test/n1/state.sqlite',
    })
    expect(config.cache).toEqual({ capacity: 10_000, evictionRatio: 0.1 })
    const mysql = nodeConfigSchema.parse({
      ...base,
      store: { kind: 'mysql', url: 'mysql://root@127.0.0.1:3306/raftkit_n1' },
    })
    expect(storeConfigOf(mysql)).toEqual({
      kind: 'mysql',
      url: 'mysql://root@127.0.0.1:3306/raftkit_n1',
    })
  })

  test.each([
    [{ store: { kind: 'mysql' } }, /url/],
    [{ store: { kind: 'mysql', url: 'postgres://x' } }, /mysql:\/\//],
    [{ store: { kind: 'mongo' } }, /kind|store/],
    [{ cache: { capacity: -1 } }, /capacity/],
    [{ cache: { capacity: 10, evictionRatio: 2 } }, /evictionRatio/],
    [{ redis: { url: 'http://x' } }, /redis:\/\//],
    [{ apiKeySecret: 'short' }, /32 characters/],
  ])('refuses %j with a message that names the field', (extra, message) => {
    const result = nodeConfigSchema.safeParse({ ...base, ...extra })
    expect(result.success).toBe(false)
    const text = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    expect(text).toMatch(message)
  })

  test('beyond loopback: a cluster secret and API keys (plain or a signing secret), or --insecure', () => {
    const exposed = { ...base, listenClient: 'http://0.0.0.0:7001', listenPeer: '0.0.0.0:7101' }
    expect(nodeConfigSchema.safeParse(exposed).success).toBe(false)
    expect(
      nodeConfigSchema.safeParse({ ...exposed, clusterSecret: 'a-cluster-secret-of-16+' }).success,
    ).toBe(false)
    expect(
      nodeConfigSchema.safeParse({
        ...exposed,
        clusterSecret: 'a-cluster-secret-of-16+',
        apiKeySecret: 'x'.repeat(32),
      }).success,
    ).toBe(true)
    expect(nodeConfigSchema.safeParse({ ...exposed, insecure: true }).success).toBe(true)
  })
})
