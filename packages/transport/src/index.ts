/**
 * @module @raftkit/transport — the peer transport of a raftkit node (Node-only).
 *
 * `TcpTransport` carries the core's `Message`s between nodes: length-prefixed, CRC-checked
 * frames over one TCP connection per peer, MessagePack (or JSON for debugging), an
 * HMAC-authenticated handshake, bounded queues, back-off, and strict validation of every
 * message received.
 */
export { TcpTransport, type MessageHandler, type TcpTransportOptions } from './tcp-transport.js'
export {
  canonicalMessage,
  codecNames,
  createCodec,
  type Codec,
  type CodecName,
  type DecodeErrorKind,
  type DecodeResult,
} from './codec.js'
export {
  encodeFrame,
  FrameDecoder,
  frameHeaderBytes,
  type FrameError,
  type FrameResult,
} from './framing.js'
export { protocolName, protocolVersion, type HandshakeFailure } from './handshake-frames.js'
export { defaultTransportLimits, resolveLimits, type TransportLimits } from './limits.js'
export { silentLogger, type Logger } from './logger.js'
export { parsePeerAddress, type PeerAddress } from './peer-address.js'
export type { DropReason, LinkState, PeerStats, TransportStats } from './stats.js'
export { nodeTimers, type Timers } from './timers.js'
export { reconnectDelayMs } from './backoff.js'
