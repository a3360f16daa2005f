/**
 * Every queue, buffer and wait of the transport has a named limit (house style §12). Units come
 * last in each name. `TcpTransport` takes a partial override of these defaults.
 */
export interface TransportLimits {
  /**
   * The largest frame payload accepted or sent. A frame header announcing more is refused before
   * anything is allocated for it. The core's `maxBytesPerMessage` (1 MiB) and
   * `snapshotChunkBytes` (256 KiB) keep real messages far below the default.
   */
  readonly frameBytesMax: number
  /** Frames before a handshake completes are tiny; an unauthenticated peer gets no more. */
  readonly handshakeFrameBytesMax: number
  /** A connection whose handshake has not completed by then is closed. */
  readonly handshakeTimeoutMs: number
  /** Per peer: frames waiting for a connection or for the socket to drain. */
  readonly sendQueueMessagesMax: number
  readonly sendQueueBytesMax: number
  /** Reconnection back-off: doubles from the minimum up to the maximum, with jitter. */
  readonly reconnectDelayMsMin: number
  readonly reconnectDelayMsMax: number
  /** Inbound connections (authenticated or not) held at once; more are closed on accept. */
  readonly inboundConnectionsMax: number
  /** The largest snapshot an InstallSnapshot may announce (the core allocates it up front). */
  readonly snapshotBytesMax: number
  /** Node ids are short names such as "n1"; a longer one is refused as malformed. */
  readonly nodeIdLengthMax: number
  /** TCP keep-alive probes start after this much idle time, so a dead peer is noticed. */
  readonly keepAliveDelayMs: number
}

export const defaultTransportLimits = {
  frameBytesMax: 16 << 20,
  handshakeFrameBytesMax: 4 << 10,
  handshakeTimeoutMs: 5_000,
  sendQueueMessagesMax: 4_096,
  sendQueueBytesMax: 64 << 20,
  reconnectDelayMsMin: 50,
  reconnectDelayMsMax: 2_000,
  inboundConnectionsMax: 256,
  snapshotBytesMax: 1 << 30,
  nodeIdLengthMax: 256,
  keepAliveDelayMs: 10_000,
} as const satisfies TransportLimits

/** Fills in defaults and checks that the limits make sense together. Throws on a bad config. */
export function resolveLimits(overrides: Partial<TransportLimits> = {}): TransportLimits {
  const limits: TransportLimits = { ...defaultTransportLimits, ...overrides }
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`transport limit ${name} must be a positive integer, got ${value}`)
    }
  }
  if (limits.reconnectDelayMsMax < limits.reconnectDelayMsMin) {
    throw new RangeError('reconnectDelayMsMax must be at least reconnectDelayMsMin')
  }
  if (limits.frameBytesMax > 0xffff_ffff) {
    throw new RangeError('frameBytesMax must fit the 4-byte length prefix')
  }
  return limits
}
