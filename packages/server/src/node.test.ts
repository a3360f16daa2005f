import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startLocalCluster, type LocalCluster } from './testing/local-cluster.js'

let cluster: LocalCluster
beforeAll(async () => {
  cluster = await startLocalCluster(3, { debugFaults: true })
  await cluster.allReady()
})
afterAll(async () => {
  await cluster?.stop()
})

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const response = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  return {
    status: response.status,
    json: text.length > 0 && text.startsWith('{') ? JSON.parse(text) : text,
  }
}

/** Sends only the headers of a request announcing `bytes` of body, and reads the status line. */
async function statusOfOversizeRequest(url: string, path: string, bytes: number): Promise<number> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  socket.write(
    `PUT ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n`,
  )
  const head = await new Promise<string>((resolve, reject) => {
    socket.once('data', (chunk) => resolve(chunk.toString('latin1')))
    socket.once('error', reject)
  })
  socket.destroy()
  return Number(head.split(' ')[1])
}

/** Sends a chunked body of `bytes` (64 KiB chunks) until the server answers; returns the status. */
async function statusOfChunkedRequest(url: string, path: string, bytes: number): Promise<number> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  socket.on('error', () => {})
  socket.write(
    `PUT ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
  )
  const chunk = 'x'.repeat(64 << 10)
  let answered = false
  const head = new Promise<string>((resolve) => {
    socket.once('data', (data) => {
      answered = true
      resolve(data.toString('latin1'))
    })
  })
  for (let sent = 0; sent < bytes && !answered; sent += chunk.length) {
    socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
    await new Promise((resolve) => setImmediate(resolve))
  }
  if (!answered) socket.write('0\r\n\r\n')
  const status = Number((await head).split(' ')[1])
  socket.destroy()
  return status
}

describe('a three-node cluster over real sockets', () => {
  test('writes on any node (followers forward), linearizable reads on every node', async () => {
    const urls = [...cluster.urls.values()]
    const put = await call(urls[0]!, 'PUT', '/v1/kv/color', { value: 'blue' })
    expect(put.status).toBe(200)
    expect(put.json).toMatchObject({ key: 'color', value: 'blue' })
    const put2 = await call(urls[1]!, 'PUT', '/v1/kv/color', { value: 'green' })
    expect(put2.json.revision).toBeGreaterThan(put.json.revision)
    for (const url of urls) {
      const got = await call(url, 'GET', '/v1/kv/color')
      expect(got).toMatchObject({
        status: 200,
        json: { key: 'color', value: 'green', revision: put2.json.revision },
      })
    }
  })

  test('compare-and-set, delete, list by prefix, 404', async () => {
    const url = cluster.urls.get('n2')!
    expect(
      (await call(url, 'POST', '/v1/kv/lock/cas', { expected: null, value: 'a' })).json,
    ).toMatchObject({ swapped: true })
    const lost = await call(url, 'POST', '/v1/kv/lock/cas', { expected: null, value: 'b' })
    expect(lost.status).toBe(409)
    expect(lost.json).toMatchObject({ swapped: false, current: { value: 'a' } })
    await call(url, 'PUT', '/v1/kv/app%2Fone', { value: '1' })
    await call(url, 'PUT', '/v1/kv/app%2Ftwo', { value: '2' })
    const list = await call(url, 'GET', '/v1/kv?prefix=app%2F')
    expect(list.json.items.map((i: { key: string }) => i.key)).toEqual(['app/one', 'app/two'])
    expect((await call(url, 'DELETE', '/v1/kv/lock')).status).toBe(200)
    expect((await call(url, 'DELETE', '/v1/kv/lock')).status).toBe(404)
    expect((await call(url, 'GET', '/v1/kv/lock')).json).toMatchObject({
      error: { code: 'not_found' },
    })
  })

  test('bad input gets a clear error and changes nothing', async () => {
    const url = cluster.urls.get('n3')!
    // (The commit index may move meanwhile: the leader records the founders' addresses.)
    const before = await call(url, 'GET', '/v1/kv?limit=1000')
    expect((await call(url, 'PUT', '/v1/kv/x', '{not json')).json).toMatchObject({
      error: { code: 'bad_request' },
    })
    expect((await call(url, 'PUT', '/v1/kv/x', { value: 5 })).status).toBe(400)
    expect((await call(url, 'PUT', '/v1/kv/x', { value: 'v', extra: 1 })).status).toBe(400)
    // An oversize body is refused from its Content-Length, before the server reads it.
    expect(await statusOfOversizeRequest(url, '/v1/kv/x', 2 << 20)).toBe(413)
    // A chunked body (no Content-Length) is counted as it arrives and refused past the limit.
    expect(await statusOfChunkedRequest(url, '/v1/kv/x', 2 << 20)).toBe(413)
    expect((await call(url, 'PUT', '/v1/kv/' + 'k'.repeat(1100), { value: 'v' })).status).toBe(400)
    expect((await call(url, 'GET', '/v1/kv/x?consistency=maybe')).status).toBe(400)
    expect((await call(url, 'GET', '/v1/nope')).status).toBe(404)
    const wrongMethod = await call(url, 'PATCH', '/v1/kv/x', { value: 'v' })
    expect(wrongMethod).toMatchObject({
      status: 405,
      json: { error: { code: 'method_not_allowed' } },
    })
    expect(
      (
        await call(
          url,
          'PUT',
          '/v1/kv/x',
          { value: 'v' },
          { 'x-raftkit-client-id': 'c', 'x-raftkit-seq': '0' },
        )
      ).status,
    ).toBe(400)
    expect(
      (await call(url, 'PUT', '/v1/kv/x', { value: 'v' }, { 'x-raftkit-client-id': 'c' })).status,
    ).toBe(400)
    expect((await call(url, 'PUT', '/v1/kv/x', { value: 'v', ttlMs: -1 })).status).toBe(400)
    expect((await call(url, 'POST', '/v1/kv/x/cas', { expected: 1, value: 'v' })).status).toBe(400)
    expect((await call(url, 'GET', '/v1/kv?limit=5000')).status).toBe(400)
    expect((await call(url, 'POST', '/v1/debug/network', { block: 'n2' })).status).toBe(400)
    const after = await call(url, 'GET', '/v1/kv?limit=1000')
    expect(after.json).toEqual(before.json)
    expect((await call(url, 'GET', '/v1/kv/x')).status).toBe(404)
    expect((await call(url, 'GET', '/v1/kv?prefix=x')).json.items).toEqual([])
  })

  test('a retried write with the same client id and seq is applied once', async () => {
    const url = cluster.urls.get('n1')!
    const headers = { 'x-raftkit-client-id': 'tester', 'x-raftkit-seq': '1' }
    const first = await call(url, 'PUT', '/v1/kv/once', { value: 'a' }, headers)
    const retry = await call(url, 'PUT', '/v1/kv/once', { value: 'a' }, headers)
    expect(retry.json.revision).toBe(first.json.revision)
  })

  test('TTL keys expire through the log on every node', async () => {
    const url = cluster.urls.get('n1')!
    const put = await call(url, 'PUT', '/v1/kv/ephemeral', { value: 'x', ttlMs: 200 })
    expect(put.json.expiresAt).toBeDefined()
    expect((await call(url, 'GET', '/v1/kv/ephemeral')).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 600))
    for (const u of cluster.urls.values())
      expect((await call(u, 'GET', '/v1/kv/ephemeral?consistency=stale')).status).toBe(404)
  })

  test('cluster view, leader, health, readiness and metrics', async () => {
    const url = cluster.urls.get('n2')!
    const view = await call(url, 'GET', '/v1/cluster')
    expect(view.json.members.map((m: { id: string }) => m.id)).toEqual(['n1', 'n2', 'n3'])
    expect(view.json.leaderId).toBeDefined()
    const leader = await call(url, 'GET', '/v1/cluster/leader')
    expect(leader.json.clientUrl).toBe(cluster.urls.get(leader.json.id))
    expect((await call(url, 'GET', '/healthz')).status).toBe(200)
    expect((await call(url, 'GET', '/readyz')).status).toBe(200)
    const metrics = await fetch(url + '/metrics').then((r) => r.text())
    expect(metrics).toContain('raftkit_commit_index')
    expect(metrics).toContain('raftkit_http_request_duration_seconds')
  })

  test('debug faults: a blocked leader loses leadership; healing brings it back as follower', async () => {
    const leaderUrl = await cluster.leaderUrl()
    const leaderId = [...cluster.urls].find(([, u]) => u === leaderUrl)![0]
    const others = [...cluster.urls.keys()].filter((id) => id !== leaderId)
    expect((await call(leaderUrl, 'POST', '/v1/debug/network', { block: others })).status).toBe(200)
    const deadline = Date.now() + 5000
    let newLeader: string | undefined
    while (Date.now() < deadline && newLeader === undefined) {
      const n = cluster.nodes.find(
        (node) => node.id !== leaderId && node.replica.status().role === 'leader',
      )
      newLeader = n?.id
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(newLeader).toBeDefined()
    expect(
      (await call(cluster.urls.get(newLeader!)!, 'PUT', '/v1/kv/after-split', { value: 'ok' }))
        .status,
    ).toBe(200)
    await call(leaderUrl, 'DELETE', '/v1/debug/network')
    const healed = Date.now() + 5000
    while (
      Date.now() < healed &&
      (await call(leaderUrl, 'GET', '/v1/kv/after-split?consistency=stale')).status !== 200
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect((await call(leaderUrl, 'GET', '/v1/kv/after-split')).json).toMatchObject({ value: 'ok' })
  })
})
