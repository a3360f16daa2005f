/**
 * The vocabulary of the Raft paper as types. Terms and indexes are plain numbers: JavaScript
 * integers are exact up to 2^53, which at a million entries a second lasts 285 years.
 */

/** A member's name, stable for its lifetime (for example "n1"). */
export type NodeId = string

/** A Raft term (§5.1). Terms start at 0 and only grow. */
export type Term = number

/** A position in the replicated log. The first entry has index 1; index 0 is "before the log". */
export type LogIndex = number

/** The three roles of §5.1, plus pre-candidate: a candidate that has not yet bumped its term (§9.6). */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader'

/**
 * A cluster configuration. Voters elect leaders and count toward commit quorums; learners
 * receive the log but never vote or count (they catch up before being promoted).
 */
export interface ClusterConfig {
  readonly voters: readonly NodeId[]
  readonly learners: readonly NodeId[]
}

/** An application command: opaque bytes that the state machine decodes. */
export interface CommandEntry {
  readonly kind: 'command'
  readonly term: Term
  readonly index: LogIndex
  readonly data: Uint8Array
}

/** The empty entry a new leader appends so that it can commit entries of earlier terms (§5.4.2, §8). */
export interface NoopEntry {
  readonly kind: 'noop'
  readonly term: Term
  readonly index: LogIndex
}

/** A configuration change. The new configuration is in force from the moment it is in a log (§4.1). */
export interface ConfigEntry {
  readonly kind: 'config'
  readonly term: Term
  readonly index: LogIndex
  readonly config: ClusterConfig
}

export type Entry = CommandEntry | NoopEntry | ConfigEntry

/**
 * What must be on stable storage before any message that depends on it leaves the node: the
 * current term, the vote cast in it (§5.2: at most one vote per term, even across crashes) and
 * the commit index (so a restart does not re-deliver entries as if new; it is a hint, not a rule).
 */
export interface HardState {
  readonly term: Term
  readonly vote: NodeId | undefined
  readonly commit: LogIndex
}

/** Describes the state a snapshot captures: everything up to and including `index`. */
export interface SnapshotMeta {
  readonly index: LogIndex
  readonly term: Term
  readonly config: ClusterConfig
}

/** A state-machine snapshot: its metadata and the application's serialized state. */
export interface Snapshot {
  readonly meta: SnapshotMeta
  readonly data: Uint8Array
}

/** What a node recovers from its stable storage when it starts (empty on first boot). */
export interface PersistedState {
  readonly hardState: HardState
  readonly snapshot: Snapshot | undefined
  /** The entries after the snapshot (or from index 1), in order and contiguous. */
  readonly entries: readonly Entry[]
}

export const emptyHardState: HardState = { term: 0, vote: undefined, commit: 0 }

/** Size in bytes that flow control charges for an entry. Fixed overhead plus payload. */
export function entryBytes(entry: Entry): number {
  const overheadBytes = 24
  return entry.kind === 'command' ? overheadBytes + entry.data.byteLength : overheadBytes
}
