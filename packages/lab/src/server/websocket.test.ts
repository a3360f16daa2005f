import { afterEach, describe, expect, it } from 'vitest'
import { LabClient, waitFor } from '../testing/lab-client.js'
import { startLabServer, type LabServer, type LabServerOptions } from './serve.js'

const servers: LabServer[] = []
async function start(
  options: LabServerOptions['sessions'] = {},
): Promise<{ server: LabServer; lab: LabClient }> {
  const server = await startLabServer({ port: 0, staticDir: '/nonexistent', sessions: options })
  servers.push(server)
  return { server, lab: new LabClient(server.url) }
}
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

describe('the session WebSocket', () => {
  it('says hello, streams events in order and the state, and takes commands', async () => {
    const { lab } = await start()
    const session = await lab.createSession({ nodes: 3, seed: 3, speed: 5, playing: false })
    const socket = lab.socket(session.wsPath)
    await socket.opened
    const hello = await socket.next((f) => f.type === 'hello')
    expect(hello.protocol).toBe(1)
    expect(hello.state.id).toBe(session.id)
    expect(await socket.command('go', { type: 'play' })).toMatchObject({ ok: true })
    await socket.next(
      (f) =>
        f.type === 'events' &&
        f.events.some((e: any) => e.type === 'raft.role-changed' && e.data.to === 'leader'),
    )
    await socket.next((f) => f.type === 'state' && f.state.time > 0)
    const reply = await socket.command('c1', { type: 'crash', node: 'n1' })
    expect(reply).toEqual({ type: 'reply', commandId: 'c1', ok: true })
    await socket.next(
      (f) => f.type === 'events' && f.events.some((e: any) => e.type === 'command.crash'),
    )
    await socket.next((f) => f.type === 'state' && f.state.nodes[0].up === false)
    // Events arrive in order, without gaps, from the first one after the hello.
    const seqs = socket.frames
      .filter((f) => f.type === 'events')
      .flatMap((f) => f.events.map((e: any) => e.seq))
    expect(seqs[0]).toBe(hello.state.eventSeq + 1)
    seqs.forEach((seq, i) => expect(seq).toBe(seqs[0] + i))
    socket.close()
  })

  it('answers a bad frame or command with an error reply and changes nothing', async () => {
    const { lab } = await start()
    const session = await lab.createSession({ nodes: 3, seed: 4, playing: false })
    const socket = lab.socket(session.wsPath)
    await socket.opened
    await socket.next((f) => f.type === 'hello')
    const before = (await lab.get(`/v1/lab/sessions/${session.id}`)).body
    const from = socket.frames.length
    socket.send('not json')
    socket.send(JSON.stringify({ type: 'hello' }))
    socket.send(JSON.stringify({ type: 'command', command: { type: 'play' } }))
    const replies = async (n: number) => {
      await waitFor(
        () => socket.frames.slice(from).filter((f) => f.type === 'reply').length >= n,
        10_000,
        `${n} replies`,
      )
      return socket.frames.slice(from).filter((f) => f.type === 'reply')
    }
    const [malformed, wrongType, noId] = await replies(3)
    expect(malformed).toMatchObject({
      ok: false,
      commandId: null,
      error: { code: 'bad_request', message: expect.stringMatching(/malformed JSON/) },
    })
    expect(wrongType.error.message).toMatch(/invalid frame/)
    expect(noId.error.message).toMatch(/commandId/)
    const cases: [unknown, RegExp][] = [
      [{ type: 'crash', node: 'n4' }, /no node n4/],
      [{ type: 'speed', factor: 0 }, /factor/],
      [{ type: 'client', op: 'put', key: '' }, /key|value/],
      [{ type: 'restart', node: 'n1' }, /running/],
      [{ type: 'warp' }, /type/],
      ['crash', /expected object|object/i],
    ]
    for (const [i, [command, message]] of cases.entries()) {
      const reply = await socket.command(`bad${i}`, command)
      expect(reply.ok, JSON.stringify(command)).toBe(false)
      expect(reply.error.message).toMatch(message)
    }
    expect((await lab.get(`/v1/lab/sessions/${session.id}`)).body).toEqual(before)
    socket.close()
  })

  it('refuses a socket for a session that does not exist, and plain HTTP on the socket route', async () => {
    const { lab, server } = await start()
    const socket = lab.socket('/v1/lab/sessions/nope/ws')
    await expect(socket.opened).rejects.toThrow(/404/)
    const plain = await fetch(`${server.url}/v1/lab/sessions/nope/ws`)
    expect(plain.status).toBe(400)
  })

  it('tells a slow browser it is lagging instead of buffering without bound, then resumes', async () => {
    // Big state frames (every log entry of 9 nodes) and a small buffer limit make the socket
    // back up quickly once the browser stops reading.
    const { lab, server } = await start({
      maxBufferedBytes: 256 << 10,
      resumeBufferedBytes: 64 << 10,
      frameLogTail: 100_000,
    })
    const session = await lab.createSession({ nodes: 9, seed: 5, speed: 20 })
    await lab.command(session.id, { type: 'workload', writesPerSecond: 100, keys: 50 })
    const socket = lab.socket(session.wsPath)
    await socket.opened
    await socket.next((f) => f.type === 'hello')
    const tcp = (socket.ws as any)._socket
    tcp.pause()
    // While the browser reads nothing, the server stops queueing: once it has said `lagging`,
    // what it holds for this socket stops growing.
    const buffered = () => server.sessions.viewers(session.id)[0]!
    await waitFor(() => buffered().lagging, 60_000, 'the server to notice the slow socket')
    const held = buffered().bufferedAmount
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(buffered().bufferedAmount).toBeLessThanOrEqual(held)
    tcp.resume()
    const lagging = await socket.next((f) => f.type === 'lagging', 30_000)
    expect(lagging.resumeAfter).toBeGreaterThanOrEqual(0)
    const at = socket.frames.indexOf(lagging)
    // It resumes with a fresh state, and the gap is there to fetch by REST.
    const resumed = await socket.next((f) => f.type === 'state', 30_000, at + 1)
    expect(resumed.state.eventSeq).toBeGreaterThan(lagging.resumeAfter)
    const gap = await lab.get(
      `/v1/lab/sessions/${session.id}/events?after=${lagging.resumeAfter}&limit=1000`,
    )
    // (Or, if the run went so far meanwhile that the oldest of those were let go, from the oldest held.)
    expect(gap.body.events[0].seq).toBe(Math.max(lagging.resumeAfter + 1, gap.body.firstRetained))
    // Nothing was queued between the lagging notice and the resume but that notice itself.
    expect(
      socket.frames.slice(at + 1, socket.frames.indexOf(resumed)).every((f) => f.type !== 'events'),
    ).toBe(true)
    socket.close()
  })

  it('expires sessions left idle, caps their number, and pauses unwatched ones', async () => {
    const { lab, server } = await start({ idleMs: 300, maxSessions: 2, unwatchedPauseMs: 100 })
    const a = await lab.createSession({ nodes: 1 })
    await lab.createSession({ nodes: 1 })
    const third = await lab.post('/v1/lab/sessions', { nodes: 1 })
    expect(third.status).toBe(503)
    expect(third.body.error.code).toBe('overloaded')
    const socket = lab.socket(a.wsPath)
    await socket.opened
    await waitFor(() => server.sessions.size === 1, 30_000, 'the unwatched session to expire')
    // The watched session is kept while its socket is open, and closed for good when it expires.
    expect(server.sessions.get(a.id)).toBeDefined()
    socket.close()
    await waitFor(() => server.sessions.size === 0, 30_000, 'the last session to expire')
    expect((await lab.get(`/v1/lab/sessions/${a.id}`)).status).toBe(404)
    expect((await lab.post('/v1/lab/sessions', { nodes: 1 })).status).toBe(201)
  })
})
