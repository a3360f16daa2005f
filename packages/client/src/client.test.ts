import { createServer, type Server } from 'node:net'
import { startRegistryCluster, type RegistryTestCluster } from '@raftkit/registry/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { RaftkitClient } from './client.js'
import { RaftkitError, RaftkitUnavailableError } from './errors.js'

let cluster: RegistryTestCluster
let silent: Server
let silentUrl: string

beforeAll(async () => {
  cluster = await startRegistryCluster(3)
  // A server that accepts connections and never answers: a hung node.
  silent = createServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`
})
afterAll(async () => {
  await cluster?.stop()
  silent?.close()
})

describe('RaftkitClient', () => {
  test('discovers the members from one seed and sends writes to the leader', async () => {
    const client = new RaftkitClient({ endpoints: [cluster.urls[2]!] })
    await client.kv.put('discovered', 'yes')
    expect([...client.endpoints].sort()).toEqual([...cluster.urls].sort())
    expect(client.leaderUrl).toBe(await cluster.leaderUrl())
    client.close()
  })

  test('concurrent writes from one client each get their own exactly-once lane', async () => {
    const client = new RaftkitClient({ endpoints: cluster.urls })
    const added = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.versions.add({ platform: 'lanes', versionNo: `1.0.${i}` }),
      ),
    )
    expect(new Set(added.map((v) => v.id)).size).toBe(20)
    expect((await client.versions.list({ platform: 'lanes', limit: 100 })).items).toHaveLength(20)
    client.close()
  })

  test('answers: undefined for absent, false for a failed cas, errors with code and status', async () => {
    const client = new RaftkitClient({ endpoints: cluster.urls })
    expect(await client.kv.get('absent')).toBeUndefined()
    expect(await client.versions.get('absent')).toBeUndefined()
    expect(await client.versions.latest('nothing')).toBeUndefined()
    await client.kv.put('cas', 'a')
    expect(await client.kv.cas('cas', 'b', 'c')).toMatchObject({
      swapped: false,
      current: { value: 'a' },
    })
    const created = await client.versions.add({ platform: 'sdk', versionNo: '1.0.0' })
    await client.versions.update(
      created.id,
      { versionNo: '1.0.1' },
      { ifRevision: created.revision },
    )
    const conflict = await client.versions
      .update(created.id, { versionNo: '1.0.2' }, { ifRevision: created.revision })
      .catch((error: unknown) => error)
    expect(conflict).toBeInstanceOf(RaftkitError)
    expect(conflict).toMatchObject({
      status: 409,
      code: 'conflict',
      details: { reason: 'revision_mismatch' },
    })
    const bad = await client.versions
      .add({ platform: 'sdk', versionNo: 'nope' })
      .catch((e: unknown) => e)
    expect(bad).toMatchObject({ status: 400, code: 'bad_request' })
    client.close()
  })

  test('a hung seed is skipped after its timeout; the next one answers', async () => {
    const client = new RaftkitClient({
      endpoints: [silentUrl, cluster.urls[0]!],
      requestTimeoutMs: 300,
      deadlineMs: 10_000,
    })
    await client.kv.put('past-the-hung-one', 'ok')
    expect((await client.kv.get('past-the-hung-one'))?.value).toBe('ok')
    client.close()
  })

  test('with no node answering, a call gives up at its deadline', async () => {
    const client = new RaftkitClient({
      endpoints: [silentUrl],
      requestTimeoutMs: 200,
      deadlineMs: 1000,
    })
    const started = Date.now()
    const error = await client.kv.get('x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RaftkitUnavailableError)
    expect(Date.now() - started).toBeLessThan(10_000)
    client.close()
  })
})
