import type { Socket } from 'node:net'
import { encodeFrame, FrameDecoder, type FrameError } from './framing.js'
import type { Counters } from './stats.js'
import type { Timers } from './timers.js'

/** Why a connection closed, with its byte counts, for the one log line that reports it. */
export interface CloseInfo {
  /** `peer-closed`, a socket error code (`ECONNREFUSED`, `ECONNRESET`, `EPIPE`...), or ours. */
  readonly reason: string
  readonly detail: string | undefined
  /** The connection ended because the peer broke the protocol (a bad frame). */
  readonly protocolError: boolean
  readonly bytesIn: number
  readonly bytesOut: number
  readonly framesIn: number
  readonly framesOut: number
}

export interface FramedSocketHandlers {
  onFrame(payload: Uint8Array): void
  onDrain(): void
  onClose(info: CloseInfo): void
}

/** How long a closing connection may take to flush a last frame (a reject) before it is cut. */
const closeGraceMs = 1_000

/**
 * A socket that carries frames: it reassembles incoming frames, counts bytes, turns every socket
 * error into a close with a reason (none is ever left unhandled), and reports that close once.
 */
export class FramedSocket {
  readonly socket: Socket
  readonly decoder: FrameDecoder
  bytesIn = 0
  bytesOut = 0
  framesIn = 0
  framesOut = 0
  readonly #handlers: FramedSocketHandlers
  readonly #counters: Counters
  readonly #timers: Timers
  #closeReason: { reason: string; detail: string | undefined; protocolError: boolean } | undefined
  #graceTimer: unknown

  constructor(
    socket: Socket,
    frameBytesMax: number,
    handlers: FramedSocketHandlers,
    counters: Counters,
    timers: Timers,
  ) {
    this.socket = socket
    this.decoder = new FrameDecoder(frameBytesMax)
    this.#handlers = handlers
    this.#counters = counters
    this.#timers = timers
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('drain', () => handlers.onDrain())
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#closeReason ??= {
        reason: error.code ?? 'socket-error',
        detail: error.message,
        protocolError: false,
      }
    })
    socket.on('close', () => this.#onClose())
  }

  get closing(): boolean {
    return this.#closeReason !== undefined
  }

  /** Writes one frame's bytes; false means the socket buffer is full: wait for `onDrain`. */
  write(frame: Uint8Array): boolean {
    this.bytesOut += frame.byteLength
    this.framesOut++
    this.#counters.bytesSent += frame.byteLength
    return this.socket.write(frame)
  }

  /**
   * Closes the connection, once; the first reason given wins. With `lastPayload` (a reject
   * frame), it is flushed first, for at most `closeGraceMs`.
   */
  close(
    reason: string,
    detail?: string,
    options: { protocolError?: boolean; lastPayload?: Uint8Array } = {},
  ): void {
    if (this.#closeReason !== undefined) return
    this.#closeReason = { reason, detail, protocolError: options.protocolError ?? false }
    if (options.lastPayload === undefined || this.socket.destroyed || !this.socket.writable) {
      this.socket.destroy()
      return
    }
    this.write(encodeFrame(options.lastPayload))
    this.socket.end(() => this.socket.destroy())
    this.#graceTimer = this.#timers.setTimeout(() => this.socket.destroy(), closeGraceMs)
  }

  #onData(chunk: Buffer): void {
    this.bytesIn += chunk.byteLength
    this.#counters.bytesReceived += chunk.byteLength
    // Once closing, the rest of the stream is not read: it may be out of step or hostile.
    if (this.#closeReason !== undefined) return
    this.decoder.push(chunk)
    for (;;) {
      const result = this.decoder.next()
      if (result === undefined) return
      if (!result.ok) {
        this.close(frameErrorReason(result.error), describeFrameError(result.error), {
          protocolError: true,
        })
        return
      }
      this.framesIn++
      this.#handlers.onFrame(result.payload)
      if (this.#closeReason !== undefined) return
    }
  }

  #onClose(): void {
    if (this.#graceTimer !== undefined) this.#timers.clearTimeout(this.#graceTimer)
    const why = this.#closeReason ?? {
      reason: 'peer-closed',
      detail: undefined,
      protocolError: false,
    }
    this.#closeReason = why
    this.#handlers.onClose({
      ...why,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
    })
  }
}

function frameErrorReason(error: FrameError): string {
  return error.kind === 'FrameTooLarge' ? 'frame-too-large' : 'bad-checksum'
}

function describeFrameError(error: FrameError): string {
  return error.kind === 'FrameTooLarge'
    ? `frame of ${error.lengthBytes} bytes over the limit of ${error.lengthBytesMax}`
    : `checksum mismatch on a frame of ${error.lengthBytes} bytes`
}
