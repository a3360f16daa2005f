import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLocalCluster, type LocalCluster } from './testing/local-cluster.js'

const key = 'k'.repeat(24)
let cluster: LocalCluster
let url: string
beforeAll(async () => {
  cluster = await startLocalCluster(2, { apiKeys: [key], debugFaults: true })
  await cluster.allReady()
  url = [...cluster.urls.values()][1]!
})
afterAll(async () => {
  await cluster?.stop()
})

async function put(headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/v1/kv/guarded`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"value":"v"}',
  })
}

describe('API keys', () => {
  test('writes and administration need a key; reads, health and metrics do not', async () => {
    const missing = await put({})
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toContain('Bearer')
    expect(await missing.json()).toMatchObject({ error: { code: 'unauthorized' } })
    expect((await put({ authorization: 'Bearer not-the-key-at-all' })).status).toBe(401)
    expect((await fetch(`${url}/v1/kv/guarded`)).status).toBe(404)
    // Through either node (a follower forwards the header to the leader, which checks it again).
    for (const node of cluster.urls.values()) {
      const ok = await fetch(`${node}/v1/kv/guarded`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: '{"value":"v"}',
      })
      expect(ok.status).toBe(200)
    }
    expect((await put({ authorization: `Bearer ${key}` })).status).toBe(200)
    expect((await fetch(`${url}/v1/kv/guarded`)).status).toBe(200)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    expect((await fetch(`${url}/metrics`)).status).toBe(200)
    const admin = await fetch(`${url}/v1/debug/network`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"block":[]}',
    })
    expect(admin.status).toBe(401)
    const transfer = await fetch(`${url}/v1/cluster/leader/transfer`, { method: 'POST' })
    expect(transfer.status).toBe(401)
  })
})
