import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { startLocalCluster, type LocalCluster } from './testing/local-cluster.js'

let cluster: LocalCluster
beforeAll(async () => {
  cluster = await startLocalCluster(3)
  await cluster.allReady()
})
afterAll(async () => {
  await cluster?.stop()
})

/** Collects a stream's frames until `done` says enough (or the deadline passes). */
async function collect(
  url: string,
  done: (frames: Record<string, any>[]) => boolean,
  during: () => Promise<void> = async () => {},
): Promise<Record<string, any>[]> {
  const socket = new WebSocket(url)
  const frames: Record<string, any>[] = []
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, any>))
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  await during()
  const deadline = Date.now() + 10_000
  while (!done(frames) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  socket.close()
  return frames
}

const wsUrl = (http: string, query = '') =>
  `${http.replace('http://', 'ws://')}/v1/cluster/events${query}`

describe('GET /v1/cluster/events', () => {
  test('streams the status at once and core events (commits, applies) as writes happen', async () => {
    const leaderUrl = await cluster.leaderUrl()
    const follower = [...cluster.urls.values()].find((u) => u !== leaderUrl)!
    const frames = await collect(
      wsUrl(follower),
      (f) => f.some((x) => x.type === 'raft-event' && x.event.type === 'applied'),
      async () => {
        const put = await fetch(`${leaderUrl}/v1/kv/streamed`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: '{"value":"yes"}',
        })
        expect(put.status).toBe(200)
      },
    )
    const status = frames[0]!
    expect(status).toMatchObject({ type: 'status', node: expect.any(String) })
    expect(status.status).toMatchObject({
      role: 'follower',
      term: expect.any(Number),
      commitIndex: expect.any(Number),
      members: expect.any(Array),
    })
    const events = frames.filter((f) => f.type === 'raft-event')
    expect(events.some((e) => e.event.type === 'committed')).toBe(true)
    for (const e of events)
      expect(e).toMatchObject({
        node: status.node,
        seq: expect.any(Number),
        time: expect.any(Number),
      })
    // No message events unless asked for.
    expect(events.filter((e) => e.event.type.startsWith('message-'))).toEqual([])
    const seqs = events.map((e) => e.seq as number)
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
  })

  test('?messages=1 adds sampled message events, with byte payloads as sizes', async () => {
    const leaderUrl = await cluster.leaderUrl()
    const frames = await collect(
      wsUrl(leaderUrl, '?messages=1&messageRate=50'),
      (f) =>
        f.filter((x) => x.type === 'raft-event' && x.event.type === 'message-sent').length >= 5,
    )
    const message = frames.find((f) => f.type === 'raft-event' && f.event.type === 'message-sent')!
    expect(message.event.message).toMatchObject({
      from: message.node,
      describe: expect.any(String),
    })
  })

  test('other upgrades are refused; a plain GET is told to upgrade', async () => {
    const url = [...cluster.urls.values()][0]!
    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(url.replace('http://', 'ws://') + '/v1/kv/x')
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
      socket.on('error', () => {})
    })
    expect(refused).toBe(404)
    const badRate = await new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl(url, '?messageRate=-3'))
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
      socket.on('error', () => {})
    })
    expect(badRate).toBe(400)
    const plain = await fetch(url + '/v1/cluster/events')
    expect(plain.status).toBe(426)
    expect(await plain.json()).toMatchObject({ error: { code: 'upgrade_required' } })
  })
})
