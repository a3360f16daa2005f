import { connect } from 'node:net'
import type { NodeId } from '@raftkit/raft'
import { reconnectDelayMs } from './backoff.js'
import { logDebug, type ConnectionContext } from './connection-context.js'
import { FramedSocket, type CloseInfo } from './framed-socket.js'
import { encodeFrame } from './framing.js'
import { decodeHandshakeFrame, encodeHandshakeFrame } from './handshake-frames.js'
import { ClientHandshake, type HandshakeStep } from './handshake.js'
import type { PeerAddress } from './peer-address.js'
import { SendQueue, type PushResult } from './send-queue.js'
import type { LinkState } from './stats.js'

/**
 * The one outbound connection to a peer, and the queue in front of it. Messages to a peer only
 * ever travel on this connection (the peer's replies come on its own connection to us), so there
 * is no race between two nodes dialling each other, and ordering per peer is the queue's order.
 *
 * The connection is opened when there is something to send, and after it fails or drops it is
 * re-opened with exponential back-off and jitter (`backoff.ts`). Frames are written in batches
 * (one cork/uncork per turn of the event loop) and writing stops while the socket buffer is
 * full, until 'drain': the bounded queue, not Node's unbounded socket buffer, absorbs a slow peer.
 */
export class PeerLink {
  readonly peerId: NodeId
  #address: PeerAddress
  readonly #context: ConnectionContext
  readonly #queue: SendQueue
  #state: LinkState = 'idle'
  #connection: FramedSocket | undefined
  #handshake: ClientHandshake | undefined
  /** The back-off delay, or the deadline of the connect + handshake in progress. */
  #timer: unknown
  #attempt = 0
  #everConnected = false
  #draining = false
  #flushScheduled = false
  /** The reason of the last failure, so a peer that stays down is logged once, not every retry. */
  #lastFailure: string | undefined

  constructor(peerId: NodeId, address: PeerAddress, context: ConnectionContext) {
    this.peerId = peerId
    this.#address = address
    this.#context = context
    this.#queue = new SendQueue({
      messagesMax: context.limits.sendQueueMessagesMax,
      bytesMax: context.limits.sendQueueBytesMax,
    })
  }

  get state(): LinkState {
    return this.#state
  }

  get address(): PeerAddress {
    return this.#address
  }

  get queuedMessages(): number {
    return this.#queue.length
  }

  get queuedBytes(): number {
    return this.#queue.bytes
  }

  /** Queues a frame and makes sure it will be sent: connects, or schedules a flush. */
  enqueue(frame: Uint8Array): PushResult {
    const result = this.#queue.push(frame)
    if (this.#state === 'idle') this.#connect()
    else if (this.#state === 'open') this.#scheduleFlush()
    return result
  }

  /** Points the link at a new address: the current connection (if any) is replaced. */
  setAddress(address: PeerAddress): void {
    const same = address.host === this.#address.host && address.port === this.#address.port
    this.#address = address
    if (same) return
    this.#attempt = 0
    this.#clearTimer()
    if (this.#connection !== undefined) this.#connection.close('address-changed')
    else if (this.#state === 'backoff') this.#idleOrReconnect()
  }

  /** Closes the connection for good; returns how many queued frames were discarded. */
  close(): number {
    this.#state = 'closed'
    this.#clearTimer()
    this.#connection?.close('link-closed')
    return this.#queue.clear()
  }

  #connect(): void {
    const { limits, counters, timers } = this.#context
    this.#state = 'connecting'
    const socket = connect({ host: this.#address.host, port: this.#address.port })
    this.#context.track(socket)
    socket.setNoDelay(true)
    socket.setKeepAlive(true, limits.keepAliveDelayMs)
    const connection = new FramedSocket(
      socket,
      limits.handshakeFrameBytesMax,
      {
        onFrame: (payload) => this.#onFrame(connection, payload),
        onDrain: () => {
          this.#draining = false
          this.#flush()
        },
        onClose: (info) => this.#onClose(connection, info),
      },
      counters,
      timers,
    )
    this.#connection = connection
    this.#timer = timers.setTimeout(() => {
      this.#timer = undefined
      connection.close('timeout', `no handshake within ${limits.handshakeTimeoutMs} ms`)
    }, limits.handshakeTimeoutMs)
    socket.once('connect', () => {
      if (connection.closing) return
      this.#state = 'handshaking'
      this.#handshake = new ClientHandshake(
        this.#context.identity,
        this.peerId,
        this.#context.codecName,
      )
      connection.write(encodeFrame(encodeHandshakeFrame(this.#handshake.hello())))
    })
  }

  #onFrame(connection: FramedSocket, payload: Uint8Array): void {
    if (this.#state !== 'handshaking' || this.#handshake === undefined) {
      // The accepting side never sends anything after `accept`.
      connection.close('unexpected-data', 'peer sent a frame after the handshake', {
        protocolError: true,
      })
      return
    }
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
      connection.write(encodeFrame(encodeHandshakeFrame(step.frame)))
    } else if (step.kind === 'done') {
      this.#onOpen()
    } else {
      this.#context.counters.handshakeFailures++
      const lastPayload = step.frame === undefined ? undefined : encodeHandshakeFrame(step.frame)
      connection.close(step.failure, step.detail, lastPayload === undefined ? {} : { lastPayload })
    }
  }

  #onOpen(): void {
    const { counters, logger } = this.#context
    this.#clearTimer()
    this.#state = 'open'
    this.#attempt = 0
    this.#lastFailure = undefined
    counters.connects++
    if (this.#everConnected) counters.reconnects++
    logger.info(
      {
        peer: this.peerId,
        address: this.#addressText(),
        direction: 'outbound',
        reconnect: this.#everConnected,
      },
      'peer connection established',
    )
    this.#everConnected = true
    this.#flush()
  }

  #onClose(connection: FramedSocket, info: CloseInfo): void {
    if (this.#connection !== connection) return
    this.#connection = undefined
    this.#handshake = undefined
    this.#draining = false
    this.#clearTimer()
    const wasOpen = this.#state === 'open'
    if (this.#state === 'closed') return
    if (!wasOpen) this.#context.counters.connectFailures++
    this.#logClose(info, wasOpen)
    const { reconnectDelayMsMin, reconnectDelayMsMax } = this.#context.limits
    const delayMs = reconnectDelayMs(
      this.#attempt++,
      reconnectDelayMsMin,
      reconnectDelayMsMax,
      this.#context.random,
    )
    this.#state = 'backoff'
    this.#timer = this.#context.timers.setTimeout(() => {
      this.#timer = undefined
      this.#idleOrReconnect()
    }, delayMs)
  }

  #idleOrReconnect(): void {
    this.#state = 'idle'
    if (this.#queue.length > 0) this.#connect()
  }

  #logClose(info: CloseInfo, wasOpen: boolean): void {
    const { logger } = this.#context
    const fields = {
      peer: this.peerId,
      address: this.#addressText(),
      direction: 'outbound',
      reason: info.reason,
      detail: info.detail,
      bytesIn: info.bytesIn,
      bytesOut: info.bytesOut,
      framesOut: info.framesOut,
      attempt: this.#attempt,
    }
    if (wasOpen) {
      logger.warn(fields, 'peer connection lost; reconnecting')
    } else if (info.reason !== this.#lastFailure) {
      logger.warn(fields, 'could not connect to peer; retrying with back-off')
    } else {
      logDebug(logger, fields, 'could not connect to peer; retrying with back-off')
    }
    this.#lastFailure = info.reason
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    // Everything sent in this turn of the event loop (a whole Ready's messages) goes out in one
    // batch, one syscall, instead of one write each.
    queueMicrotask(() => {
      this.#flushScheduled = false
      this.#flush()
    })
  }

  #flush(): void {
    const connection = this.#connection
    if (this.#state !== 'open' || this.#draining || connection === undefined) return
    connection.socket.cork()
    for (let frame = this.#queue.shift(); frame !== undefined; frame = this.#queue.shift()) {
      this.#context.counters.messagesSent++
      if (!connection.write(frame)) {
        this.#draining = true
        break
      }
    }
    connection.socket.uncork()
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return
    this.#context.timers.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #addressText(): string {
    return this.#address.text
  }
}
