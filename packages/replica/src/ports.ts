import type { CommandEntry, Entry, HardState, LogIndex, Message, Snapshot } from '@raftkit/raft'

/**
 * The ports a replica drives. Each is a small interface owned here; the node wires real
 * adapters (a file WAL, TCP, SQLite), tests wire in-memory ones.
 */

/** Durable storage for the Raft log. Every promise resolves only once the data is durable. */
export interface LogStore {
  /** Appends entries (an entry at an index already stored replaces it and all after it), then the hard state. */
  append(entries: readonly Entry[], hardState: HardState | undefined): Promise<void>
  /**
   * Stores a snapshot and compacts the log behind it. If the log holds the snapshot's last entry
   * (same index and term) the entries after it are kept (a snapshot this node took); otherwise
   * the whole log is discarded (a snapshot from the leader that replaces a conflicting log, §7).
   */
  saveSnapshot(snapshot: Snapshot): Promise<void>
}

export interface Transport {
  /** Queues a message for its recipient. Never blocks and never throws: Raft tolerates loss. */
  send(message: Message): void
}

/**
 * The replicated state machine. `apply` must be deterministic: every replica gets the same result.
 *
 * Two kinds fit this port:
 * - an in-memory state machine (the default key-value store) is rebuilt on every start from the
 *   newest snapshot plus the log after it: leave `appliedIndex` out;
 * - a state machine that keeps its own durable state (a SQLite or MySQL store) reports, through
 *   `appliedIndex`, the index of the last entry whose effects it has made durable. The replica
 *   then restores a snapshot only if it is newer than that, and never hands the state machine an
 *   entry at or below it again (after a crash between the store's commit and Raft's own
 *   bookkeeping the core may offer such entries a second time).
 */
export interface StateMachine<Result> {
  apply(entry: CommandEntry): Result | Promise<Result>
  /**
   * Optional: applies consecutive committed commands at once (an SQL store commits them in one
   * transaction), returning one result per entry in order. When present, the replica uses it.
   */
  applyBatch?(entries: readonly CommandEntry[]): Result[] | Promise<Result[]>
  /**
   * Serializes the state as of the last applied entry at the moment of the call. A promise may
   * resolve later (encoding a large state in slices), but must hold that moment's state: the
   * replica goes on applying entries while it waits.
   */
  snapshot(): Uint8Array | Promise<Uint8Array>
  /** Replaces the state with a snapshot's. */
  restore(snapshot: Snapshot): void | Promise<void>
  /** Only for a durable state machine: the last index it has applied and persisted (0: none). */
  appliedIndex?(): LogIndex
}

/** Time, injected: the node passes Node's timers, tests pass a manual clock. */
export interface Scheduler {
  every(intervalMs: number, callback: () => void): () => void
  after(delayMs: number, callback: () => void): () => void
  /** Runs `callback` soon, after the current work (setImmediate on Node). */
  defer(callback: () => void): void
}

export interface Logger {
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} }
