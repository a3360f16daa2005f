import { describe, expect, test } from 'vitest'
import {
  decodeHandshakeFrame,
  encodeHandshakeFrame,
  type HandshakeFrame,
} from './handshake-frames.js'
import {
  ClientHandshake,
  ServerHandshake,
  type HandshakeIdentity,
  type HandshakeStep,
} from './handshake.js'

const secret = 'correct horse battery staple'
const id = (nodeId: string, clusterSecret?: string, clusterId?: string): HandshakeIdentity => ({
  nodeId,
  clusterSecret,
  clusterId,
})

/** Frames cross the wire as bytes, so every exchange goes through encode and strict decode. */
const wire = (frame: HandshakeFrame): HandshakeFrame =>
  decodeHandshakeFrame(encodeHandshakeFrame(frame), 256)!

interface Outcome {
  client: HandshakeStep
  server: HandshakeStep
}

/** Runs a whole handshake between the two halves; returns each side's final step. */
function run(client: ClientHandshake, server: ServerHandshake): Outcome {
  const welcome = server.onFrame(wire(client.hello()))
  if (welcome.kind !== 'continue')
    return { client: client.onFrame(wire(welcome.frame!)), server: welcome }
  const proof = client.onFrame(wire(welcome.frame))
  if (proof.kind !== 'continue')
    return { client: proof, server: server.onFrame(wire(proof.frame!)) }
  const accept = server.onFrame(wire(proof.frame))
  return { client: client.onFrame(wire(accept.frame!)), server: accept }
}

const failure = (step: HandshakeStep): string | undefined =>
  step.kind === 'failed' ? step.failure : undefined

describe('handshake', () => {
  test('without a secret, the hello names the sender and both sides finish', () => {
    const server = new ServerHandshake(id('n2'))
    const outcome = run(new ClientHandshake(id('n1'), 'n2', 'json'), server)
    expect(outcome.client.kind).toBe('done')
    expect(outcome.server.kind).toBe('done')
    expect(server.peer).toEqual({ nodeId: 'n1', codec: 'json' })
  })

  test('with the same secret, both sides prove it and finish', () => {
    const server = new ServerHandshake(id('n2', secret))
    const outcome = run(new ClientHandshake(id('n1', secret), 'n2', 'msgpack'), server)
    expect([outcome.client.kind, outcome.server.kind]).toEqual(['done', 'done'])
    expect(server.peer?.nodeId).toBe('n1')
  })

  test('a wrong secret fails at the client, which tells the server', () => {
    const server = new ServerHandshake(id('n2', secret))
    const outcome = run(
      new ClientHandshake(id('n1', 'another secret, 16+ chars'), 'n2', 'msgpack'),
      server,
    )
    expect(failure(outcome.client)).toBe('auth-failed')
    expect(failure(outcome.server)).toBe('rejected-by-peer')
    expect(server.peer).toBeUndefined()
  })

  test('a node without the secret cannot connect to one that has it, nor be connected to', () => {
    const toSecured = run(
      new ClientHandshake(id('n1'), 'n2', 'msgpack'),
      new ServerHandshake(id('n2', secret)),
    )
    expect(failure(toSecured.client)).toBe('auth-required')
    const fromSecured = run(
      new ClientHandshake(id('n1', secret), 'n2', 'msgpack'),
      new ServerHandshake(id('n2')),
    )
    expect(failure(fromSecured.client)).toBe('auth-required')
  })

  test('a client that skips its proof is refused by a server with a secret', () => {
    const server = new ServerHandshake(id('n2', secret))
    server.onFrame(wire(new ClientHandshake(id('n1'), 'n2', 'msgpack').hello()))
    expect(failure(server.onFrame({ kind: 'proof', proof: null }))).toBe('auth-required')
  })

  test('a proof cannot be replayed on another connection, nor reflected', () => {
    const client = new ClientHandshake(id('n1', secret), 'n2', 'msgpack')
    const first = new ServerHandshake(id('n2', secret))
    const welcome = first.onFrame(wire(client.hello()))
    const proof = client.onFrame(wire(welcome.frame!))
    // An eavesdropper replays the hello and the captured proof to a new server session.
    const second = new ServerHandshake(id('n2', secret))
    second.onFrame(wire(client.hello()))
    expect(failure(second.onFrame(wire(proof.frame!)))).toBe('auth-failed')
    // Or sends the server's own proof back as the client's.
    const third = new ServerHandshake(id('n2', secret))
    const welcome3 = third.onFrame(wire(client.hello()))
    const reflected = (welcome3.frame as { proof: string }).proof
    expect(failure(third.onFrame({ kind: 'proof', proof: reflected }))).toBe('auth-failed')
  })

  test('refuses the wrong target, the wrong peer, itself, another cluster, another version', () => {
    expect(
      failure(
        run(new ClientHandshake(id('n1'), 'n3', 'msgpack'), new ServerHandshake(id('n2'))).server,
      ),
    ).toBe('wrong-target')
    const client = new ClientHandshake(id('n1'), 'n2', 'msgpack')
    client.hello()
    const impostor = {
      kind: 'welcome',
      version: 1,
      from: 'n3',
      to: 'n1',
      nonce: Buffer.alloc(32).toString('base64'),
      proof: null,
    } as const
    expect(failure(client.onFrame(impostor))).toBe('wrong-peer')
    expect(
      failure(
        run(new ClientHandshake(id('n2'), 'n2', 'msgpack'), new ServerHandshake(id('n2'))).server,
      ),
    ).toBe('self-connection')
    const clusters = run(
      new ClientHandshake(id('n1', undefined, 'a'), 'n2', 'msgpack'),
      new ServerHandshake(id('n2', undefined, 'b')),
    )
    expect(failure(clusters.server)).toBe('cluster-mismatch')
    const server = new ServerHandshake(id('n2'))
    const hello = { ...new ClientHandshake(id('n1'), 'n2', 'msgpack').hello(), version: 2 }
    expect(failure(server.onFrame(hello))).toBe('protocol-mismatch')
  })

  test('frames out of order are refused', () => {
    expect(failure(new ServerHandshake(id('n2')).onFrame({ kind: 'accept' }))).toBe(
      'unexpected-frame',
    )
    expect(
      failure(new ClientHandshake(id('n1'), 'n2', 'msgpack').onFrame({ kind: 'accept' })),
    ).toBe('unexpected-frame')
  })

  test('handshake frames are parsed strictly', () => {
    const bytes = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value))
    expect(decodeHandshakeFrame(bytes({ kind: 'accept' }), 256)).toEqual({ kind: 'accept' })
    expect(decodeHandshakeFrame(bytes({ kind: 'accept', extra: 1 }), 256)).toBeUndefined()
    expect(decodeHandshakeFrame(bytes({ kind: 'reject', reason: 'whatever' }), 256)).toBeUndefined()
    expect(decodeHandshakeFrame(bytes({ kind: 'proof', proof: 7 }), 256)).toBeUndefined()
    expect(decodeHandshakeFrame(bytes([1, 2]), 256)).toBeUndefined()
    expect(decodeHandshakeFrame(Uint8Array.of(0xff, 0xfe), 256)).toBeUndefined()
    const hello = new ClientHandshake(id('n1'), 'n2', 'msgpack').hello()
    expect(decodeHandshakeFrame(bytes({ ...hello, codec: 'xml' }), 256)).toBeUndefined()
    expect(decodeHandshakeFrame(bytes({ ...hello, from: 'x'.repeat(300) }), 256)).toBeUndefined()
  })
})
