import type { Socket } from 'node:net'
import type { Codec, CodecName } from './codec.js'
import type { HandshakeIdentity } from './handshake.js'
import type { TransportLimits } from './limits.js'
import type { Logger } from './logger.js'
import type { Counters } from './stats.js'
import type { Timers } from './timers.js'

/** What the transport shares with each of its connections. */
export interface ConnectionContext {
  readonly identity: HandshakeIdentity
  readonly codecName: CodecName
  readonly limits: TransportLimits
  readonly logger: Logger
  readonly counters: Counters
  readonly timers: Timers
  /** Returns a number in [0, 1) for back-off jitter. */
  readonly random: () => number
  /** Registers a socket so that `close()` can wait for it. */
  readonly track: (socket: Socket) => void
  /** A decoder for the codec an inbound peer chose. */
  readonly codec: (name: CodecName) => Codec
}

/** `address:port` of a socket's far end, for logs. */
export function remoteOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
}

/** Calls the logger's debug level when it has one. */
export function logDebug(logger: Logger, fields: Record<string, unknown>, message: string): void {
  logger.debug?.(fields, message)
}
