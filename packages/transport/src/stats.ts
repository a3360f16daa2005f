import type { NodeId } from '@raftkit/raft'

/**
 * Why a message was dropped. Raft tolerates loss (it retries on its own schedule), so the
 * transport never blocks or fails a caller; it drops and counts instead.
 *
 * Sending side: `queue-full` (an older frame was evicted, or the frame alone exceeded the queue),
 * `too-large` (over `frameBytesMax`), `unknown-peer`, `blocked` (fault injection),
 * `encode-failed` (a bug), `closed` (sent after or queued at `close()`), `peer-removed`.
 * Receiving side: `blocked`, `spoofed` (`from` is not the authenticated peer), `misaddressed`
 * (`to` is not this node), `no-handler` (nothing subscribed yet).
 */
export type DropReason =
  | 'queue-full'
  | 'too-large'
  | 'unknown-peer'
  | 'blocked'
  | 'encode-failed'
  | 'closed'
  | 'peer-removed'
  | 'spoofed'
  | 'misaddressed'
  | 'no-handler'

export type LinkState = 'idle' | 'connecting' | 'handshaking' | 'open' | 'backoff' | 'closed'

export interface PeerStats {
  readonly address: string
  /** The outbound connection: `open` once its handshake completed. */
  readonly state: LinkState
  readonly queuedMessages: number
  readonly queuedBytes: number
  /** Inbound connections from this peer that completed their handshake (normally 0 or 1). */
  readonly inboundConnections: number
}

export interface TransportStats {
  /** Messages written to a socket. */
  readonly messagesSent: number
  /** Messages handed to the `onMessage` handlers. */
  readonly messagesReceived: number
  /** Bytes written to and read from sockets, frame headers and handshakes included. */
  readonly bytesSent: number
  readonly bytesReceived: number
  readonly dropped: Readonly<Record<DropReason, number>>
  /** Outbound handshakes completed; `reconnects` counts those after a peer's first. */
  readonly connects: number
  readonly reconnects: number
  /** Outbound attempts that ended before their handshake completed. */
  readonly connectFailures: number
  readonly inboundAccepted: number
  /** Inbound or outbound handshakes refused (wrong secret, wrong id, garbage...). */
  readonly handshakeFailures: number
  /** Authenticated connections closed for a frame that did not decode or validate. */
  readonly protocolErrors: number
  readonly peers: Readonly<Record<NodeId, PeerStats>>
}

/** The transport's live counters; `TcpTransport.stats()` returns a copy. */
export class Counters {
  messagesSent = 0
  messagesReceived = 0
  bytesSent = 0
  bytesReceived = 0
  connects = 0
  reconnects = 0
  connectFailures = 0
  inboundAccepted = 0
  handshakeFailures = 0
  protocolErrors = 0
  readonly dropped: Record<DropReason, number> = {
    'queue-full': 0,
    'too-large': 0,
    'unknown-peer': 0,
    blocked: 0,
    'encode-failed': 0,
    closed: 0,
    'peer-removed': 0,
    spoofed: 0,
    misaddressed: 0,
    'no-handler': 0,
  }

  snapshot(peers: Record<NodeId, PeerStats>): TransportStats {
    return {
      messagesSent: this.messagesSent,
      messagesReceived: this.messagesReceived,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      dropped: { ...this.dropped },
      connects: this.connects,
      reconnects: this.reconnects,
      connectFailures: this.connectFailures,
      inboundAccepted: this.inboundAccepted,
      handshakeFailures: this.handshakeFailures,
      protocolErrors: this.protocolErrors,
      peers,
    }
  }
}
