import { encode as msgpackEncode } from '@msgpack/msgpack'
import { createServer, type Socket } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { createCodec } from './codec.js'
import { encodeFrame, FrameDecoder, frameHeaderBytes } from './framing.js'
import { decodeHandshakeFrame, encodeHandshakeFrame } from './handshake-frames.js'
import { ServerHandshake } from './handshake.js'
import { Harness, type TestNode } from './testing/harness.js'
import { heartbeat } from './testing/messages.js'
import { RawPeer } from './testing/raw-peer.js'
import { sleep, waitFor } from './testing/wait.js'

const harness = new Harness()
afterEach(() => harness.closeAll())

const secret = 'a cluster secret of decent length'

async function rawPeer(connect: () => Promise<RawPeer>): Promise<RawPeer> {
  const peer = await connect()
  harness.onCleanup(() => peer.destroy())
  return peer
}

/** A good pair n1 → n2, to show the node keeps serving while a bad connection is thrown out. */
async function goodPair(): Promise<[TestNode, TestNode]> {
  const n1 = await harness.node('n1')
  const n2 = await harness.node('n2')
  harness.connectAll([n1, n2])
  return [n1, n2]
}

async function stillServes(n1: TestNode, n2: TestNode, commit: number): Promise<void> {
  n1.transport.send(heartbeat('n1', 'n2', commit))
  await waitFor(
    () => n2.received.some((m) => m.type === 'Heartbeat' && m.commit === commit),
    'the good peer',
  )
}

describe('TcpTransport with a misbehaving peer', () => {
  test('garbage before any handshake: that connection is closed and logged', async () => {
    const [n1, n2] = await goodPair()
    await stillServes(n1, n2, 1)
    const bad = await rawPeer(() => RawPeer.connect(n2.port))
    bad.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'))
    await bad.waitForClose()
    await stillServes(n1, n2, 2)
    expect(n2.transport.stats().handshakeFailures).toBe(1)
    expect(n2.logger.problems().map((l) => l.fields['reason'])).toEqual(['frame-too-large'])
  })

  test('a frame with a bad checksum after the handshake closes that connection only', async () => {
    const [n1, n2] = await goodPair()
    const bad = await rawPeer(() => RawPeer.handshake(n2.port, 'n3', 'n2'))
    const frame = encodeFrame(createCodec('msgpack').encode(heartbeat('n3', 'n2', 1)))
    frame[frame.length - 1] = frame[frame.length - 1]! ^ 0xff
    bad.sendBytes(frame)
    await bad.waitForClose()
    await stillServes(n1, n2, 1)
    expect(n2.received.map((m) => m.from)).toEqual(['n1'])
    const stats = n2.transport.stats()
    expect(stats.protocolErrors).toBe(1)
    const [line] = n2.logger.problems({ peer: 'n3' })
    expect(line?.fields).toMatchObject({ reason: 'bad-checksum', direction: 'inbound' })
    expect(line?.fields['bytesIn']).toBeGreaterThan(0)
  })

  test('a frame over the maximum is refused from its header, before its payload is sent', async () => {
    const [n1, n2] = await goodPair()
    const bad = await rawPeer(() => RawPeer.handshake(n2.port, 'n3', 'n2'))
    const header = Buffer.alloc(frameHeaderBytes)
    header.writeUInt32BE(64 << 20, 0)
    bad.sendBytes(header)
    await bad.waitForClose()
    await stillServes(n1, n2, 1)
    expect(n2.logger.problems({ peer: 'n3' })[0]?.fields).toMatchObject({
      reason: 'frame-too-large',
    })
  })

  test.each([
    [
      'an unknown message type',
      msgpackEncode({ type: 'Nope', from: 'n3', to: 'n2', term: 1 }),
      'invalid',
    ],
    [
      'a message with a negative term',
      msgpackEncode({ ...heartbeat('n3', 'n2', 1), term: -1 }),
      'invalid',
    ],
    ['bytes that are not MessagePack', Uint8Array.of(0xc1, 0xc1), 'undecodable'],
  ])('%s closes that connection, and nothing reaches the handler', async (_, payload, reason) => {
    const [n1, n2] = await goodPair()
    const bad = await rawPeer(() => RawPeer.handshake(n2.port, 'n3', 'n2'))
    bad.sendPayload(payload)
    bad.sendPayload(createCodec('msgpack').encode(heartbeat('n3', 'n2', 99)))
    await bad.waitForClose()
    await stillServes(n1, n2, 1)
    expect(n2.received.map((m) => m.from)).toEqual(['n1'])
    expect(n2.logger.problems({ peer: 'n3' })[0]?.fields).toMatchObject({ reason })
  })

  test('a message whose `from` is not the authenticated sender is dropped', async () => {
    const n2 = await harness.node('n2')
    const peer = await rawPeer(() => RawPeer.handshake(n2.port, 'n3', 'n2'))
    const codec = createCodec('msgpack')
    peer.sendPayload(codec.encode(heartbeat('n1', 'n2', 1))) // n3 pretending to be n1
    peer.sendPayload(codec.encode(heartbeat('n3', 'n9', 2))) // addressed to someone else
    peer.sendPayload(codec.encode(heartbeat('n3', 'n2', 3)))
    await waitFor(() => n2.received.length === 1, 'the honest message')
    expect(n2.received[0]).toMatchObject({ from: 'n3', commit: 3 })
    expect(n2.transport.stats().dropped).toMatchObject({ spoofed: 1, misaddressed: 1 })
    expect(n2.logger.problems()[0]?.fields).toMatchObject({ peer: 'n3', claimedFrom: 'n1' })
  })

  test('a handshake for another node, or none at all in time, is refused', async () => {
    const n2 = await harness.node('n2', { limits: { handshakeTimeoutMs: 200 } })
    await expect(RawPeer.handshake(n2.port, 'n1', 'n7')).rejects.toThrow()
    const silent = await rawPeer(() => RawPeer.connect(n2.port))
    await silent.waitForClose()
    expect(silent.frames).toEqual([{ kind: 'reject', reason: 'timeout' }])
    expect(n2.logger.problems().map((l) => l.fields['reason'])).toEqual(['wrong-target', 'timeout'])
  })

  test('inbound connections beyond the limit are refused at once', async () => {
    const n2 = await harness.node('n2', { limits: { inboundConnectionsMax: 2 } })
    const peers = await Promise.all([1, 2, 3].map(() => rawPeer(() => RawPeer.connect(n2.port))))
    await waitFor(() => peers.some((p) => p.closed), 'one refused connection')
    expect(peers.filter((p) => p.closed)).toHaveLength(1)
  })
})

describe('TcpTransport with a cluster secret', () => {
  test('nodes that share the secret talk', async () => {
    const n1 = await harness.node('n1', { clusterSecret: secret, clusterId: 'prod' })
    const n2 = await harness.node('n2', { clusterSecret: secret, clusterId: 'prod' })
    harness.connectAll([n1, n2])
    n1.transport.send(heartbeat('n1', 'n2', 1))
    n2.transport.send(heartbeat('n2', 'n1', 1))
    await waitFor(() => n1.received.length === 1 && n2.received.length === 1, 'both directions')
  })

  test.each([
    ['a wrong secret', { clusterSecret: 'not the cluster secret at all' }],
    ['no secret', {}],
  ])(
    'a node with %s delivers nothing and receives nothing; both sides log it',
    async (_, options) => {
      const n1 = await harness.node('n1', { clusterSecret: secret })
      const n3 = await harness.node('n3', options)
      harness.connectAll([n1, n3])
      n1.transport.send(heartbeat('n1', 'n3', 1))
      n3.transport.send(heartbeat('n3', 'n1', 1))
      await waitFor(
        () =>
          n1.transport.stats().handshakeFailures >= 2 &&
          n3.transport.stats().handshakeFailures >= 2,
        'handshake failures on both sides',
      )
      await sleep(100)
      expect([n1.received, n3.received]).toEqual([[], []])
      expect([n1.transport.stats().connects, n3.transport.stats().connects]).toEqual([0, 0])
      expect(n1.transport.stats().inboundAccepted + n3.transport.stats().inboundAccepted).toBe(0)
      expect(n1.logger.problems().length).toBeGreaterThan(0)
      expect(n3.logger.problems().length).toBeGreaterThan(0)
    },
  )

  test('a raw peer that guesses its way past the hello is refused at the proof', async () => {
    const n1 = await harness.node('n1', { clusterSecret: secret })
    const peer = await rawPeer(() => RawPeer.connect(n1.port))
    peer.sendHandshake({
      kind: 'hello',
      protocol: 'raftkit-peer',
      version: 1,
      clusterId: null,
      from: 'n2',
      to: 'n1',
      codec: 'msgpack',
      nonce: Buffer.alloc(32, 1).toString('base64'),
    })
    await peer.waitForFrame('welcome')
    peer.sendHandshake({ kind: 'proof', proof: Buffer.alloc(32).toString('base64') })
    peer.sendPayload(createCodec('msgpack').encode(heartbeat('n2', 'n1', 1)))
    await peer.waitForClose()
    expect(peer.frames.at(-1)).toEqual({ kind: 'reject', reason: 'auth-failed' })
    expect(n1.received).toEqual([])
  })
})

describe('TcpTransport backpressure', () => {
  test('a peer that stops reading fills only the bounded queue; the rest is dropped and counted', async () => {
    // A fake n2 that completes the handshake, then never reads again.
    const sockets: Socket[] = []
    const server = createServer((socket) => {
      sockets.push(socket)
      const decoder = new FrameDecoder(1 << 20)
      const handshake = new ServerHandshake({
        nodeId: 'n2',
        clusterId: undefined,
        clusterSecret: undefined,
      })
      socket.on('error', () => {})
      socket.on('data', (chunk) => {
        decoder.push(chunk)
        for (let r = decoder.next(); r?.ok === true; r = decoder.next()) {
          const step = handshake.onFrame(decodeHandshakeFrame(r.payload, 256)!)
          if (step.frame !== undefined) socket.write(encodeFrame(encodeHandshakeFrame(step.frame)))
          if (step.kind === 'done') socket.pause()
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    harness.onCleanup(() => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    })
    const port = (server.address() as { port: number }).port
    const queueBytesMax = 8 << 20
    const n1 = await harness.node('n1', { limits: { sendQueueBytesMax: queueBytesMax } })
    n1.transport.setPeer('n2', `127.0.0.1:${port}`)
    const propose = {
      type: 'Propose',
      from: 'n1',
      to: 'n2',
      term: 1,
      commands: [new Uint8Array(1 << 20)],
    } as const
    n1.transport.send(propose)
    await waitFor(() => n1.transport.stats().peers['n2']?.state === 'open', 'the connection')
    for (let i = 0; i < 200; i++) {
      n1.transport.send(propose)
      await sleep(1)
    }
    await waitFor(() => n1.transport.stats().dropped['queue-full'] > 0, 'drops')
    const stats = n1.transport.stats()
    expect(stats.peers['n2']!.queuedBytes).toBeLessThanOrEqual(queueBytesMax)
    // What was written is bounded by the kernel buffers: far less than the 200 MiB sent.
    expect(stats.bytesSent).toBeLessThan(100 << 20)
    expect(
      stats.messagesSent + stats.dropped['queue-full'] + stats.peers['n2']!.queuedMessages,
    ).toBe(201)
  })
})
