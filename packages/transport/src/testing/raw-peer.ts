import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { encodeFrame, FrameDecoder } from '../framing.js'
import {
  decodeHandshakeFrame,
  encodeHandshakeFrame,
  protocolName,
  protocolVersion,
  type HandshakeFrame,
} from '../handshake-frames.js'

/**
 * A hand-driven peer on a raw socket: it speaks the wire format byte by byte, so tests can send
 * what a well-behaved `TcpTransport` never would (garbage, corrupt frames, spoofed senders).
 */
export class RawPeer {
  readonly socket: Socket
  readonly #decoder = new FrameDecoder(1 << 20)
  readonly #frames: HandshakeFrame[] = []
  #closed = false

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk) => {
      this.#decoder.push(chunk)
      for (let r = this.#decoder.next(); r?.ok === true; r = this.#decoder.next()) {
        const frame = decodeHandshakeFrame(r.payload, 256)
        if (frame !== undefined) this.#frames.push(frame)
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => (this.#closed = true))
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port })
      socket.once('connect', () => resolve(new RawPeer(socket)))
      socket.once('error', reject)
    })
  }

  /** Connects and completes a handshake without a secret, as node `from` calling node `to`. */
  static async handshake(
    port: number,
    from: string,
    to: string,
    codec: 'msgpack' | 'json' = 'msgpack',
  ): Promise<RawPeer> {
    const peer = await RawPeer.connect(port)
    peer.sendHandshake({
      kind: 'hello',
      protocol: protocolName,
      version: protocolVersion,
      clusterId: null,
      from,
      to,
      codec,
      nonce: randomBytes(32).toString('base64'),
    })
    await peer.waitForFrame('welcome')
    peer.sendHandshake({ kind: 'proof', proof: null })
    await peer.waitForFrame('accept')
    return peer
  }

  get closed(): boolean {
    return this.#closed
  }

  get frames(): readonly HandshakeFrame[] {
    return this.#frames
  }

  sendHandshake(frame: HandshakeFrame): void {
    this.sendPayload(encodeHandshakeFrame(frame))
  }

  sendPayload(payload: Uint8Array): void {
    this.socket.write(encodeFrame(payload))
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  async waitForFrame(kind: HandshakeFrame['kind'], timeoutMs = 10_000): Promise<HandshakeFrame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const frame = this.#frames.find((f) => f.kind === kind)
      if (frame !== undefined) return frame
      if (this.#closed || Date.now() > deadline)
        throw new Error(`no ${kind} frame (closed: ${this.#closed})`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  async waitForClose(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.#closed) {
      if (Date.now() > deadline) throw new Error('raw peer connection was not closed')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  destroy(): void {
    this.socket.destroy()
  }
}
