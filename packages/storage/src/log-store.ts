/**
 * The port a raftkit driver persists through, and the statistics every implementation reports.
 */
import type { LatencySummary } from './latency-histogram.js'
import type { Entry, HardState, PersistedState, Snapshot } from './raft-types.js'

/**
 * Durable storage for one Raft node: its log entries, its hard state and its latest snapshot.
 *
 * Durability contract (what a driver may rely on, and must rely on, per Raft §5.2 and §5.3):
 *
 * - When a promise returned by `append` or `saveSnapshot` resolves, that operation and every
 *   operation called before it are on stable storage: they survive a crash of the process or the
 *   machine (given a disk that honours fsync). Only then may the driver send messages that depend
 *   on them (a vote, an append acknowledgement) or count its own entry towards a commit quorum.
 * - Operations take effect in call order, and promises resolve in call order. Calls made while a
 *   write is being synced are coalesced into the next write and one sync (group commit), so
 *   callers should issue appends without waiting for the previous one when they can.
 * - A crash loses at most a suffix of the operations whose promises had not resolved, and
 *   recovery returns the state after some prefix of all operations: never a state with a hole,
 *   never the hard state of an append without its entries.
 * - A rejected promise means the store failed (I/O error) or was misused (an invariant broke);
 *   the store then refuses all further work and the node must stop (fail-stop).
 */
export interface LogStore {
  /**
   * What the store found when it was opened: the hard state, the newest snapshot and the entries
   * after it. The driver repopulates raft's in-memory log from it (etcd's MemoryStorage recipe).
   */
  readonly recovered: PersistedState

  /**
   * Appends `entries` (contiguous, possibly empty) and then records `hardState` (if given).
   *
   * If `entries` begins at an index at or below the last stored index, the stored entries from
   * that index on are discarded first: Raft's replacement of a conflicting suffix (§5.3). The
   * first index may not exceed the last index + 1 and must be after the snapshot.
   */
  append(entries: readonly Entry[], hardState: HardState | undefined): Promise<void>

  /**
   * Stores a snapshot and compacts the log behind it. If the log holds the snapshot's last entry
   * (same index and term), the entries after it are kept; otherwise the whole log is discarded
   * (§7: a snapshot from the leader replaces a log that conflicts with it).
   */
  saveSnapshot(snapshot: Snapshot): Promise<void>

  /** Waits for pending operations, then releases the files. Later calls reject. */
  close(): Promise<void>

  /** Counters for metrics and benchmarks; a fresh copy on every read. */
  readonly stats: LogStoreStats
}

/** What a store has done since it was opened. */
export interface LogStoreStats {
  /** `append` calls that have resolved. */
  readonly appendsCompleted: number
  /** `saveSnapshot` calls that have resolved. */
  readonly snapshotsSaved: number
  /** Log writes issued; one write carries every operation coalesced into it. */
  readonly writesCompleted: number
  /** Syncs (fdatasync/fsync) that made log records durable, including new-segment syncs. */
  readonly syncsCompleted: number
  /** Bytes written to the log (not counting snapshot files). */
  readonly logBytesWritten: number
  /** Latency of the syncs counted in `syncsCompleted`. */
  readonly syncLatency: LatencySummary
}
