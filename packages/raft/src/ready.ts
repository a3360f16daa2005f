import type { Message } from './messages.js'
import type { Entry, HardState, LogIndex, NodeId, Role, Snapshot } from './types.js'

/** The answer to a linearizable read request: it may be served once `applied >= index` (§6.4). */
export interface ReadState {
  readonly requestId: number
  readonly index: LogIndex
}

/**
 * A read request that cannot be served here; the caller should retry (or ask `leaderId`).
 * - not-leader: the node asked is not the leader (or the leader it asked no longer is);
 * - no-leader: no leader is known;
 * - step-down: the leader lost its leadership before it could confirm the read;
 * - timeout: no confirmation within an election timeout (messages lost, or no quorum);
 * - overloaded: too many reads are waiting already.
 */
export interface ReadFailure {
  readonly requestId: number
  readonly reason:
    'not-leader' | 'no-leader' | 'leader-not-ready' | 'step-down' | 'timeout' | 'overloaded'
  readonly leaderId: NodeId | undefined
}

/** Volatile state that is useful to show but need not be persisted. */
export interface SoftState {
  readonly role: Role
  readonly leaderId: NodeId | undefined
}

/**
 * Everything the caller must do after feeding the node ticks and messages. It must be handled
 * in this order, then handed back to `advance()`:
 *
 * 1. Persist `snapshot` (if any), then append `entries` (an entry whose index is already in
 *    the stored log replaces it and everything after it), then write `hardState` (if any), and
 *    make all of it durable (fsync). Entries go before the hard state so that a torn write never
 *    leaves a commit index pointing past the stored log.
 * 2. Send `messages`. They may depend on step 1: a vote or an acknowledgement must not leave
 *    before what it promises is on disk (§5.2, §5.3).
 * 3. Restore `snapshot` into the state machine (if any), then apply `committedEntries` in order.
 *    Each committed entry is handed out exactly once.
 * 4. Serve `readStates` once the applied index reaches each one's index; report `readFailures`.
 * 5. Call `advance(ready)`.
 */
export interface Ready {
  readonly softState: SoftState | undefined
  readonly hardState: HardState | undefined
  readonly snapshot: Snapshot | undefined
  readonly entries: readonly Entry[]
  readonly messages: readonly Message[]
  readonly committedEntries: readonly Entry[]
  readonly readStates: readonly ReadState[]
  readonly readFailures: readonly ReadFailure[]
}
