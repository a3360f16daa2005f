import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { crc32 } from 'node:zlib'
import { sleep } from './wait.js'

/**
 * A hand-driven connection to a node's peer port that speaks the wire format byte by byte
 * (packages/transport/README.md): frames are `u32be length | u32be crc32(payload) | payload`,
 * and a connection starts with a JSON handshake (hello → welcome → proof → accept). Without a
 * cluster secret the proofs are null, so a test can complete a handshake and then misbehave.
 */
export function frame(payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload)
  const header = Buffer.alloc(8)
  header.writeUInt32BE(body.length, 0)
  header.writeUInt32BE(crc32(body), 4)
  return Buffer.concat([header, body])
}

export class RawPeerConnection {
  readonly socket: Socket
  #buffer = Buffer.alloc(0)
  readonly #frames: Buffer[] = []
  #closed = false

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      while (this.#buffer.length >= 8) {
        const length = this.#buffer.readUInt32BE(0)
        if (this.#buffer.length < 8 + length) break
        this.#frames.push(this.#buffer.subarray(8, 8 + length))
        this.#buffer = this.#buffer.subarray(8 + length)
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => (this.#closed = true))
  }

  static connect(port: number): Promise<RawPeerConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port })
      socket.once('connect', () => resolve(new RawPeerConnection(socket)))
      socket.once('error', reject)
    })
  }

  /** Connects and completes a secret-less handshake as `from`, talking to node `to`. */
  static async handshake(
    port: number,
    from: string,
    to: string,
    codec: 'json' | 'msgpack' = 'json',
  ): Promise<RawPeerConnection> {
    const peer = await RawPeerConnection.connect(port)
    peer.write(
      frame(
        JSON.stringify({
          kind: 'hello',
          protocol: 'raftkit-peer',
          version: 1,
          clusterId: null,
          from,
          to,
          codec,
          nonce: randomBytes(32).toString('base64'),
        }),
      ),
    )
    await peer.waitForFrame('welcome')
    peer.write(frame(JSON.stringify({ kind: 'proof', proof: null })))
    await peer.waitForFrame('accept')
    return peer
  }

  get closed(): boolean {
    return this.#closed
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  async waitForFrame(kind: string, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      for (const payload of this.#frames) {
        try {
          const value = JSON.parse(payload.toString('utf8')) as Record<string, unknown>
          if (value.kind === kind) return value
          if (value.kind === 'reject')
            throw new Error(`handshake rejected: ${String(value.reason)}`)
        } catch (error) {
          if ((error as Error).message.startsWith('handshake rejected')) throw error
        }
      }
      if (this.#closed) throw new Error(`connection closed before a ${kind} frame`)
      if (performance.now() > deadline) throw new Error(`no ${kind} frame within ${timeoutMs} ms`)
      await sleep(5)
    }
  }

  /** Waits for the node to close the connection; returns whether it did within the time. */
  async waitForClose(timeoutMs = 5_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs
    while (!this.#closed && performance.now() < deadline) await sleep(5)
    return this.#closed
  }

  destroy(): void {
    this.socket.destroy()
  }
}

/** One kind of bad input for a peer port. */
export interface PeerAbuse {
  readonly name: string
  /** Whether the node must hang up on it (a half frame just waits for the rest). */
  readonly hangsUp: boolean
  /** Sends the abuse; returns the connection so the caller can see whether the node hung up. */
  run(port: number, target: string, impersonate: string): Promise<RawPeerConnection>
}

const jsonMessage = (fields: Record<string, unknown>): Buffer => frame(JSON.stringify(fields))

/** Garbage that is the same every run: a fixed pseudo-random pattern. */
function garbage(bytes: number, salt: number): Buffer {
  const out = Buffer.alloc(bytes)
  let x = (salt * 2654435761) >>> 0 || 1
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** A frame header announcing `length` bytes with a checksum that cannot match, then garbage. */
function badChecksumFrame(length: number, salt: number): Buffer {
  const body = garbage(length, salt)
  const header = Buffer.alloc(8)
  header.writeUInt32BE(length, 0)
  header.writeUInt32BE((crc32(body) ^ 0xdeadbeef) >>> 0, 4)
  return Buffer.concat([header, body])
}

function hello(from: string, to: string): string {
  return JSON.stringify({
    kind: 'hello',
    protocol: 'raftkit-peer',
    version: 1,
    clusterId: null,
    from,
    to,
    codec: 'json',
    nonce: randomBytes(32).toString('base64'),
  })
}

/** The catalogue of corrupt and hostile input the tests throw at peer ports. */
export const peerAbuses: readonly PeerAbuse[] = [
  {
    name: 'an HTTP request sent to the peer port',
    hangsUp: true,
    async run(port) {
      const peer = await RawPeerConnection.connect(port)
      peer.write(Buffer.from('GET /v1/cluster HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'))
      return peer
    },
  },
  {
    name: 'a frame header announcing 4 GiB',
    hangsUp: true,
    async run(port) {
      const peer = await RawPeerConnection.connect(port)
      peer.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 2, 3]))
      return peer
    },
  },
  {
    name: 'a hello frame with a wrong checksum',
    hangsUp: true,
    async run(port, target, impersonate) {
      const peer = await RawPeerConnection.connect(port)
      const bad = frame(hello(impersonate, target))
      bad.writeUInt32BE((bad.readUInt32BE(4) ^ 0x5a5a5a5a) >>> 0, 4)
      peer.write(bad)
      return peer
    },
  },
  {
    name: 'a well-framed handshake payload that is not JSON',
    hangsUp: true,
    async run(port) {
      const peer = await RawPeerConnection.connect(port)
      peer.write(frame(garbage(200, 1)))
      return peer
    },
  },
  {
    name: 'after a handshake: a message frame with a wrong checksum',
    hangsUp: true,
    async run(port, target) {
      const peer = await RawPeerConnection.handshake(port, 'intruder', target)
      const bad = jsonMessage({
        type: 'AppendEntriesReply',
        from: 'intruder',
        to: target,
        term: 1,
        success: true,
        matchIndex: 0,
      })
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff
      peer.write(bad)
      return peer
    },
  },
  {
    name: 'after a handshake: a garbage frame with a wrong checksum',
    hangsUp: true,
    async run(port, target) {
      const peer = await RawPeerConnection.handshake(port, 'intruder', target)
      peer.write(badChecksumFrame(2048, 2))
      return peer
    },
  },
  {
    name: 'after a handshake: a well-framed payload that the codec cannot decode',
    hangsUp: true,
    async run(port, target) {
      const peer = await RawPeerConnection.handshake(port, 'intruder', target, 'msgpack')
      peer.write(frame(Buffer.from([0xc1, 0xc1, 0xc1, 0xff, 0x00, 0x13])))
      return peer
    },
  },
  {
    name: 'after a handshake: a message with impossible fields',
    hangsUp: true,
    async run(port, target) {
      const peer = await RawPeerConnection.handshake(port, 'intruder', target)
      peer.write(
        jsonMessage({
          type: 'AppendEntries',
          from: 'intruder',
          to: target,
          term: -7,
          prevLogIndex: 'x',
          prevLogTerm: 0,
          entries: [{ kind: 'bogus' }],
          leaderCommit: 1e300,
        }),
      )
      return peer
    },
  },
  {
    name: 'after a handshake as a real member: a garbage frame (its real connection is superseded)',
    hangsUp: true,
    async run(port, target, impersonate) {
      const peer = await RawPeerConnection.handshake(port, impersonate, target)
      peer.write(frame(garbage(512, 3)))
      return peer
    },
  },
  {
    name: 'after a handshake: half a frame, then the connection drops',
    hangsUp: false,
    async run(port, target) {
      const peer = await RawPeerConnection.handshake(port, 'intruder', target)
      const whole = badChecksumFrame(300, 4)
      peer.write(whole.subarray(0, 150))
      await sleep(20)
      peer.destroy()
      return peer
    },
  },
]
