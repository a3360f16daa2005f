import type { Message } from '@raftkit/raft'
import { afterEach, describe, expect, test } from 'vitest'
import { Harness, unusedPort } from './testing/harness.js'
import { heartbeat, sampleMessages } from './testing/messages.js'
import { waitFor } from './testing/wait.js'
import { TcpTransport } from './tcp-transport.js'

const harness = new Harness()
afterEach(() => harness.closeAll())

const commits = (messages: readonly Message[], from?: string): number[] =>
  messages
    .filter((m) => from === undefined || m.from === from)
    .map((m) => (m.type === 'Heartbeat' ? m.commit : -1))
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i)

describe('TcpTransport', () => {
  test.each([
    ['msgpack', 'msgpack'],
    ['json', 'json'],
    ['json', 'msgpack'],
  ] as const)('two nodes exchange messages in order (%s → %s)', async (codec1, codec2) => {
    const n1 = await harness.node('n1', { codec: codec1 })
    const n2 = await harness.node('n2', { codec: codec2 })
    harness.connectAll([n1, n2])
    for (let i = 0; i < 1_000; i++) {
      n1.transport.send(heartbeat('n1', 'n2', i))
      n2.transport.send(heartbeat('n2', 'n1', i))
    }
    await waitFor(
      () => n1.received.length === 1_000 && n2.received.length === 1_000,
      'all messages',
    )
    expect(commits(n2.received)).toEqual(range(0, 1_000))
    expect(commits(n1.received)).toEqual(range(0, 1_000))
    const stats = n1.transport.stats()
    expect(stats).toMatchObject({
      messagesSent: 1_000,
      messagesReceived: 1_000,
      connects: 1,
      reconnects: 0,
    })
    expect(Object.values(stats.dropped).every((count) => count === 0)).toBe(true)
    expect(stats.peers['n2']).toMatchObject({
      state: 'open',
      queuedMessages: 0,
      inboundConnections: 1,
    })
    expect(n1.logger.problems()).toEqual([])
  })

  test('three nodes: every message of every variant arrives intact, in order per sender', async () => {
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => harness.node(id)))
    harness.connectAll(nodes)
    for (const source of nodes) {
      for (const target of nodes) {
        if (source === target) continue
        for (const message of sampleMessages(source.id, target.id)) source.transport.send(message)
      }
    }
    const expected = sampleMessages().length * 2
    await waitFor(() => nodes.every((n) => n.received.length === expected), 'all messages')
    for (const target of nodes) {
      for (const source of nodes) {
        if (source === target) continue
        expect(target.received.filter((m) => m.from === source.id)).toStrictEqual(
          sampleMessages(source.id, target.id),
        )
      }
    }
  })

  test('a large snapshot chunk (4 MiB) crosses in one frame', async () => {
    const n1 = await harness.node('n1')
    const n2 = await harness.node('n2')
    harness.connectAll([n1, n2])
    const chunk = new Uint8Array(4 << 20).map((_, i) => i * 7)
    const config = { voters: ['n1', 'n2'], learners: [] }
    const totalBytes = 3 * chunk.length
    for (let part = 0; part < 3; part++) {
      n1.transport.send({
        type: 'InstallSnapshot',
        from: 'n1',
        to: 'n2',
        term: 2,
        snapshotIndex: 50,
        snapshotTerm: 2,
        config,
        offset: part * chunk.length,
        totalBytes,
        chunk,
      })
    }
    await waitFor(() => n2.received.length === 3, 'three chunks')
    expect(n2.received.map((m) => (m.type === 'InstallSnapshot' ? m.offset : -1))).toEqual([
      0,
      4 << 20,
      8 << 20,
    ])
    const first = n2.received[0]!
    expect(first.type === 'InstallSnapshot' && Buffer.compare(first.chunk, chunk) === 0).toBe(true)
  })

  test('a message over frameBytesMax is dropped and logged, never sent', async () => {
    const n1 = await harness.node('n1', { limits: { frameBytesMax: 1_000 } })
    const n2 = await harness.node('n2')
    harness.connectAll([n1, n2])
    n1.transport.send({
      type: 'Propose',
      from: 'n1',
      to: 'n2',
      term: 1,
      commands: [new Uint8Array(2_000)],
    })
    n1.transport.send(heartbeat('n1', 'n2', 1))
    await waitFor(() => n2.received.length === 1, 'the heartbeat')
    expect(n1.transport.stats().dropped['too-large']).toBe(1)
    expect(n1.logger.problems().map((l) => l.level)).toEqual(['error'])
  })

  test('a restarted peer on the same port is reconnected to, and the messages sent after it return arrive', async () => {
    const n1 = await harness.node('n1')
    let n2 = await harness.node('n2')
    harness.connectAll([n1, n2])
    n1.transport.send(heartbeat('n1', 'n2', 1))
    await waitFor(() => n2.received.length === 1, 'first message')
    await n2.transport.close()
    // While n2 is down, n1 keeps trying: sends queue (bounded) and connects fail with back-off.
    n1.transport.send(heartbeat('n1', 'n2', 2))
    await waitFor(() => n1.transport.stats().connectFailures >= 1, 'a failed reconnect')
    n2 = await harness.node('n2', { listen: { host: '127.0.0.1', port: n2.port } })
    n1.transport.send(heartbeat('n1', 'n2', 3))
    await waitFor(() => commits(n2.received).includes(3), 'delivery after restart')
    expect(commits(n2.received)).toEqual([2, 3])
    const stats = n1.transport.stats()
    expect(stats.reconnects).toBe(1)
    expect(stats.peers['n2']?.state).toBe('open')
    // The loss was logged once as a warning, the repeated refusals only at debug level.
    expect(n1.logger.problems({ peer: 'n2' }).map((l) => l.message)).toEqual([
      'peer connection lost; reconnecting',
      'could not connect to peer; retrying with back-off',
    ])
  })

  test('while a peer is down its queue is bounded: the oldest messages are dropped and counted', async () => {
    const port = await unusedPort()
    const n1 = await harness.node('n1', { limits: { sendQueueMessagesMax: 10 } })
    n1.transport.setPeer('n2', `127.0.0.1:${port}`)
    for (let i = 0; i < 100; i++) n1.transport.send(heartbeat('n1', 'n2', i))
    expect(n1.transport.stats().dropped['queue-full']).toBe(90)
    expect(n1.transport.stats().peers['n2']?.queuedMessages).toBe(10)
    // When the peer comes up, the ten newest arrive.
    const n2 = await harness.node('n2', { listen: { host: '127.0.0.1', port } })
    await waitFor(() => n2.received.length === 10, 'the queued messages')
    expect(commits(n2.received)).toEqual(range(90, 100))
  })

  test('removePeer drops the queue; setPeer moves a peer to a new address', async () => {
    const n1 = await harness.node('n1')
    const n2 = await harness.node('n2')
    n1.transport.setPeer('n2', `127.0.0.1:${await unusedPort()}`)
    n1.transport.send(heartbeat('n1', 'n2', 1))
    n1.transport.setPeer('n2', n2.address)
    await waitFor(() => n2.received.length === 1, 'delivery at the new address')
    expect(n1.transport.peers()).toEqual(new Map([['n2', n2.address]]))
    n1.transport.removePeer('n2')
    n1.transport.send(heartbeat('n1', 'n2', 2))
    expect(n1.transport.stats().dropped['unknown-peer']).toBe(1)
    expect([...n1.transport.peers().keys()]).toEqual([])
  })

  test('block drops messages to and from the blocked members; unblock heals', async () => {
    const nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => harness.node(id)))
    const [n1, n2, n3] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]]
    harness.connectAll(nodes)
    n1.transport.block(['n2'])
    n1.transport.send(heartbeat('n1', 'n2', 1))
    n1.transport.send(heartbeat('n1', 'n3', 1))
    n2.transport.send(heartbeat('n2', 'n1', 1))
    n3.transport.send(heartbeat('n3', 'n1', 1))
    await waitFor(
      () => n3.received.length === 1 && n1.received.length === 1,
      'the unblocked messages',
    )
    await waitFor(() => n1.transport.stats().dropped.blocked === 2, 'both directions dropped')
    expect(n2.received).toEqual([])
    expect(n1.received.map((m) => m.from)).toEqual(['n3'])
    n1.transport.unblock()
    n1.transport.send(heartbeat('n1', 'n2', 2))
    n2.transport.send(heartbeat('n2', 'n1', 2))
    await waitFor(
      () => n2.received.length === 1 && n1.received.length === 2,
      'messages after healing',
    )
  })

  test('close() resolves once everything is closed; later sends are counted, not thrown', async () => {
    const n1 = await harness.node('n1')
    const n2 = await harness.node('n2')
    harness.connectAll([n1, n2])
    n1.transport.send(heartbeat('n1', 'n2', 1))
    await waitFor(() => n2.received.length === 1, 'delivery')
    await Promise.all([n1.transport.close(), n2.transport.close()])
    n1.transport.send(heartbeat('n1', 'n2', 2))
    expect(n1.transport.stats().dropped.closed).toBe(1)
    await n1.transport.close() // idempotent
  })

  test('start() rejects when the port is taken; config errors throw at construction', async () => {
    const n1 = await harness.node('n1')
    const clash = new TcpTransport({ nodeId: 'n2', listen: { host: '127.0.0.1', port: n1.port } })
    harness.onCleanup(() => clash.close())
    await expect(clash.start()).rejects.toThrow(/EADDRINUSE/)
    expect(() => new TcpTransport({ nodeId: 'n1', listen: { host: '0.0.0.0', port: 0 } })).toThrow(
      /clusterSecret/,
    )
    expect(
      () =>
        new TcpTransport({
          nodeId: 'n1',
          listen: { host: '127.0.0.1', port: 0 },
          clusterSecret: 'short',
        }),
    ).toThrow(/at least/)
    expect(() => n1.transport.setPeer('n9', 'nowhere')).toThrow(RangeError)
  })
})
