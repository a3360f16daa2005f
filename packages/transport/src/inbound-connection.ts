import type { Socket } from 'node:net'
import type { Message, NodeId } from '@raftkit/raft'
import type { Codec } from './codec.js'
import { remoteOf, type ConnectionContext } from './connection-context.js'
import { FramedSocket, type CloseInfo } from './framed-socket.js'
import { decodeHandshakeFrame, encodeHandshakeFrame } from './handshake-frames.js'
import { encodeFrame } from './framing.js'
import { ServerHandshake, type HandshakeStep } from './handshake.js'

export interface InboundHandlers {
  /** The handshake completed: `connection.peerId` is authenticated from now on. */
  onAuthenticated(connection: InboundConnection): void
  /** A message that decoded and validated, from the authenticated peer's connection. */
  onMessage(connection: InboundConnection, message: Message): void
  onClosed(connection: InboundConnection): void
}

/**
 * A connection a peer opened to us. Until its handshake completes it may send only small
 * handshake frames, and nothing it sends reaches the handlers; after, every frame must decode
 * and validate as a `Message`, or the connection is closed (and the peer reconnects).
 */
export class InboundConnection {
  readonly remote: string
  readonly #context: ConnectionContext
  readonly #handlers: InboundHandlers
  readonly #connection: FramedSocket
  readonly #handshake: ServerHandshake
  #peerId: NodeId | undefined
  #codec: Codec | undefined
  #timer: unknown
  /** Spoofed messages are logged once per connection, then only counted. */
  spoofLogged = false

  constructor(socket: Socket, context: ConnectionContext, handlers: InboundHandlers) {
    this.remote = remoteOf(socket)
    this.#context = context
    this.#handlers = handlers
    this.#handshake = new ServerHandshake(context.identity)
    socket.setNoDelay(true)
    socket.setKeepAlive(true, context.limits.keepAliveDelayMs)
    this.#connection = new FramedSocket(
      socket,
      context.limits.handshakeFrameBytesMax,
      {
        onFrame: (payload) =>
          this.#codec === undefined ? this.#onHandshake(payload) : this.#onMessage(payload),
        onDrain: () => {},
        onClose: (info) => this.#onClose(info),
      },
      context.counters,
      context.timers,
    )
    const timeoutMs = context.limits.handshakeTimeoutMs
    this.#timer = context.timers.setTimeout(() => {
      this.#timer = undefined
      this.#fail({
        kind: 'failed',
        failure: 'timeout',
        detail: `no handshake within ${timeoutMs} ms`,
        frame: { kind: 'reject', reason: 'timeout' },
      })
    }, timeoutMs)
  }

  /** The authenticated peer, once the handshake completed. */
  get peerId(): NodeId | undefined {
    return this.#peerId
  }

  close(reason: string, detail?: string): void {
    this.#connection.close(reason, detail)
  }

  #onHandshake(payload: Uint8Array): void {
    const frame = decodeHandshakeFrame(payload, this.#context.limits.nodeIdLengthMax)
    const step: HandshakeStep =
      frame === undefined
        ? {
            kind: 'failed',
            failure: 'malformed',
            detail: 'not a handshake frame',
            frame: { kind: 'reject', reason: 'malformed' },
          }
        : this.#handshake.onFrame(frame)
    if (step.kind === 'continue') {
      this.#connection.write(encodeFrame(encodeHandshakeFrame(step.frame)))
      return
    }
    if (step.kind === 'failed') {
      this.#fail(step)
      return
    }
    const peer = this.#handshake.peer!
    this.#clearTimer()
    this.#peerId = peer.nodeId
    this.#codec = this.#context.codec(peer.codec)
    // Authenticated: from now on frames may be as large as messages get.
    this.#connection.decoder.frameBytesMax = this.#context.limits.frameBytesMax
    if (step.frame !== undefined)
      this.#connection.write(encodeFrame(encodeHandshakeFrame(step.frame)))
    this.#context.counters.inboundAccepted++
    this.#context.logger.info(
      { peer: peer.nodeId, remote: this.remote, direction: 'inbound', codec: peer.codec },
      'peer connection accepted',
    )
    this.#handlers.onAuthenticated(this)
  }

  #fail(step: Extract<HandshakeStep, { kind: 'failed' }>): void {
    this.#context.counters.handshakeFailures++
    this.#context.logger.warn(
      {
        claimedPeer: this.#handshake.claimedPeer,
        remote: this.remote,
        direction: 'inbound',
        reason: step.failure,
        detail: step.detail,
        bytesIn: this.#connection.bytesIn,
      },
      'peer handshake failed; connection closed',
    )
    const lastPayload = step.frame === undefined ? undefined : encodeHandshakeFrame(step.frame)
    this.#connection.close(
      step.failure,
      step.detail,
      lastPayload === undefined ? {} : { lastPayload },
    )
  }

  #onMessage(payload: Uint8Array): void {
    const result = this.#codec!.decode(payload)
    if (result.ok) {
      this.#handlers.onMessage(this, result.message)
      return
    }
    this.#connection.close(result.error, result.reason, { protocolError: true })
  }

  #onClose(info: CloseInfo): void {
    this.#clearTimer()
    const fields = {
      peer: this.#peerId,
      claimedPeer: this.#peerId === undefined ? this.#handshake.claimedPeer : undefined,
      remote: this.remote,
      direction: 'inbound',
      reason: info.reason,
      detail: info.detail,
      bytesIn: info.bytesIn,
      bytesOut: info.bytesOut,
      framesIn: info.framesIn,
      bufferedBytes: this.#connection.decoder.bufferedBytes,
    }
    if (info.protocolError) {
      this.#context.counters.protocolErrors += this.#peerId === undefined ? 0 : 1
      if (this.#peerId === undefined) this.#context.counters.handshakeFailures++
      this.#context.logger.warn(fields, 'bad frame from peer; connection closed')
    } else if (this.#peerId !== undefined) {
      this.#context.logger.info(fields, 'peer connection closed')
    }
    this.#handlers.onClosed(this)
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return
    this.#context.timers.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
