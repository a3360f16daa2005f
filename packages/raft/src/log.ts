import { assert } from './assert.js'
import type { Entry, LogIndex, Snapshot, SnapshotMeta, Term } from './types.js'

/**
 * The Raft log as the core sees it: a snapshot (everything up to `snapshotIndex`, compacted) and
 * the entries after it, all in memory. The durable copy is the caller's: entries reach it through
 * `Ready.entries`, and on restart the caller hands them back (etcd's MemoryStorage recipe).
 *
 * Four marks move through it, always in this order:
 *   snapshotIndex ≤ appliedIndex ≤ committedIndex ≤ lastIndex,  stableIndex ≤ lastIndex
 * - committed: known to be stored on a quorum; never moves back (§5.3).
 * - applied: handed out to the state machine in a Ready (each committed entry exactly once).
 * - stable: written to durable storage by the caller (acknowledged through `advance`).
 * - unstableFrom: the first index not yet handed to the caller for persisting.
 */
export class RaftLog {
  #snapshotIndex: LogIndex
  #snapshotTerm: Term
  /** entries[i] has index snapshotIndex + 1 + i. */
  #entries: Entry[]
  #committed: LogIndex
  #applied: LogIndex
  #stable: LogIndex
  #unstableFrom: LogIndex
  /** A snapshot received from the leader that the caller has not yet persisted and restored. */
  #pendingSnapshot: Snapshot | undefined
  /** The latest snapshot this node holds (taken locally or installed), to send to laggards. */
  #snapshot: Snapshot | undefined

  constructor(
    snapshot: Snapshot | undefined,
    entries: readonly Entry[],
    committed: LogIndex,
    applied: LogIndex | undefined,
  ) {
    this.#snapshot = snapshot
    this.#pendingSnapshot = undefined
    this.#snapshotIndex = snapshot?.meta.index ?? 0
    this.#snapshotTerm = snapshot?.meta.term ?? 0
    this.#entries = []
    // Entries already covered by the snapshot may linger in storage until it compacts them.
    for (const entry of entries) {
      if (entry.index <= this.#snapshotIndex) continue
      assert(
        entry.index === this.#snapshotIndex + 1 + this.#entries.length,
        () => `stored log is not contiguous at index ${entry.index}`,
      )
      this.#entries.push(entry)
    }
    this.#stable = this.lastIndex()
    this.#unstableFrom = this.lastIndex() + 1
    // A torn write can leave the stored commit index past the stored log; the entries beyond are
    // gone from this node, but they are on a quorum, so it learns them again from the leader.
    this.#committed = Math.max(this.#snapshotIndex, Math.min(committed, this.lastIndex()))
    this.#applied = Math.max(
      this.#snapshotIndex,
      Math.min(applied ?? this.#snapshotIndex, this.#committed),
    )
  }

  get snapshotIndex(): LogIndex {
    return this.#snapshotIndex
  }
  get snapshotTerm(): Term {
    return this.#snapshotTerm
  }
  get committed(): LogIndex {
    return this.#committed
  }
  get applied(): LogIndex {
    return this.#applied
  }
  get stable(): LogIndex {
    return this.#stable
  }
  get snapshot(): Snapshot | undefined {
    return this.#snapshot
  }
  get pendingSnapshot(): Snapshot | undefined {
    return this.#pendingSnapshot
  }

  firstIndex(): LogIndex {
    return this.#snapshotIndex + 1
  }

  lastIndex(): LogIndex {
    return this.#snapshotIndex + this.#entries.length
  }

  lastTerm(): Term {
    return this.#entries.length === 0
      ? this.#snapshotTerm
      : this.#entries[this.#entries.length - 1]!.term
  }

  /** The term at `index`: known for the snapshot index and every entry after it; else undefined. */
  termAt(index: LogIndex): Term | undefined {
    if (index === this.#snapshotIndex) return this.#snapshotTerm
    if (index < this.#snapshotIndex || index > this.lastIndex()) return undefined
    return this.#entries[index - this.#snapshotIndex - 1]!.term
  }

  entryAt(index: LogIndex): Entry | undefined {
    if (index <= this.#snapshotIndex || index > this.lastIndex()) return undefined
    return this.#entries[index - this.#snapshotIndex - 1]
  }

  /** True if the log holds an entry at `index` with `term` (the consistency check of §5.3). */
  matches(index: LogIndex, term: Term): boolean {
    return this.termAt(index) === term
  }

  /** Entries in [from, to). Both ends must be within the entries after the snapshot. */
  slice(from: LogIndex, to: LogIndex): Entry[] {
    assert(
      from > this.#snapshotIndex,
      () => `slice from ${from} reaches into the snapshot at ${this.#snapshotIndex}`,
    )
    assert(to <= this.lastIndex() + 1, () => `slice to ${to} beyond last index ${this.lastIndex()}`)
    if (from >= to) return []
    return this.#entries.slice(from - this.#snapshotIndex - 1, to - this.#snapshotIndex - 1)
  }

  /**
   * §5.4.1's "at least as up-to-date": a later last term wins; with equal last terms, the longer
   * log wins. A voter grants its vote only to a candidate whose log passes this check.
   */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    return (
      lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex())
    )
  }

  /** Appends entries that continue the log directly (the leader's own proposals). */
  append(entries: readonly Entry[]): void {
    for (const entry of entries) {
      assert(
        entry.index === this.lastIndex() + 1,
        () => `append of index ${entry.index} after ${this.lastIndex()}`,
      )
      assert(
        entry.term >= this.lastTerm(),
        () => `append of term ${entry.term} after term ${this.lastTerm()}`,
      )
      this.#entries.push(entry)
    }
  }

  /**
   * Merges entries a leader sent after (prevIndex, prevTerm) matched (§5.3 step 3-4): entries the
   * log already holds with the same term are kept; at the first conflict the log is truncated and
   * the rest appended. Returns the index of the first conflict, or undefined if there was none.
   * Truncating a committed entry would break State Machine Safety, so it is asserted never to happen.
   */
  mergeFrom(entries: readonly Entry[]): LogIndex | undefined {
    let conflictAt: LogIndex | undefined
    let i = 0
    for (; i < entries.length; i++) {
      const entry = entries[i]!
      if (entry.index <= this.#snapshotIndex) continue
      const existing = this.termAt(entry.index)
      if (existing === undefined) break
      if (existing !== entry.term) {
        conflictAt = entry.index
        assert(
          entry.index > this.#committed,
          () =>
            `conflict at committed index ${entry.index} (committed ${this.#committed}): leader log diverges`,
        )
        this.truncateFrom(entry.index)
        break
      }
    }
    this.append(entries.slice(i))
    return conflictAt
  }

  /** Drops the entries from `index` on. */
  truncateFrom(index: LogIndex): void {
    assert(
      index > this.#committed,
      () => `truncate at ${index} would drop committed entries (commit ${this.#committed})`,
    )
    assert(index > this.#snapshotIndex, () => `truncate at ${index} reaches into the snapshot`)
    this.#entries.length = index - this.#snapshotIndex - 1
    if (this.#stable >= index) this.#stable = index - 1
    if (this.#unstableFrom > index) this.#unstableFrom = index
  }

  /** Advances the commit index; it never moves back (§5.3). */
  commitTo(index: LogIndex): boolean {
    if (index <= this.#committed) return false
    assert(index <= this.lastIndex(), () => `commit ${index} beyond last index ${this.lastIndex()}`)
    this.#committed = index
    return true
  }

  // ----- The hand-off to the caller (Ready) -----

  /** Entries to persist: everything not yet handed to the caller. */
  unstableEntries(): Entry[] {
    if (this.#unstableFrom > this.lastIndex()) return []
    return this.slice(Math.max(this.#unstableFrom, this.firstIndex()), this.lastIndex() + 1)
  }

  /** Committed entries not yet handed out, at most `maxCount`. */
  nextCommitted(maxCount: number): Entry[] {
    const to = Math.min(this.#committed, this.#applied + maxCount)
    if (to <= this.#applied) return []
    return this.slice(this.#applied + 1, to + 1)
  }

  hasNextCommitted(): boolean {
    return this.#committed > this.#applied
  }

  hasUnstable(): boolean {
    return this.#unstableFrom <= this.lastIndex() || this.#pendingSnapshot !== undefined
  }

  /** Marks the current unstable entries as handed to the caller (taken into a Ready). */
  markHandedOut(entries: readonly Entry[], committed: readonly Entry[]): void {
    if (entries.length > 0) this.#unstableFrom = entries[entries.length - 1]!.index + 1
    if (committed.length > 0) {
      const first = committed[0]!.index
      assert(
        first === this.#applied + 1,
        () => `committed entries handed out from ${first}, applied ${this.#applied}`,
      )
      this.#applied = committed[committed.length - 1]!.index
    }
  }

  /** The caller persisted the entries it was handed, up to `lastWritten` (unless truncated since). */
  stableTo(lastWritten: LogIndex): void {
    const upTo = Math.min(lastWritten, this.#unstableFrom - 1)
    if (upTo > this.#stable) this.#stable = upTo
  }

  // ----- Snapshots -----

  /** Records a snapshot the local state machine took; the log before it is discarded. */
  compact(snapshot: Snapshot): void {
    const index = snapshot.meta.index
    assert(index <= this.#applied, () => `snapshot at ${index} beyond applied ${this.#applied}`)
    assert(
      this.termAt(index) === snapshot.meta.term,
      () => `snapshot term mismatch at index ${index}`,
    )
    if (index <= this.#snapshotIndex) return
    this.#entries = this.#entries.slice(index - this.#snapshotIndex)
    this.#snapshotIndex = index
    this.#snapshotTerm = snapshot.meta.term
    this.#snapshot = snapshot
  }

  /**
   * Replaces the whole log with a snapshot from the leader (§7). The caller checks first that the
   * log does not already hold the snapshot's last entry (then it only needs to commit).
   */
  restore(snapshot: Snapshot): void {
    const meta: SnapshotMeta = snapshot.meta
    assert(
      meta.index > this.#committed,
      () => `restore of snapshot ${meta.index} at or below commit ${this.#committed}`,
    )
    this.#entries = []
    this.#snapshotIndex = meta.index
    this.#snapshotTerm = meta.term
    this.#snapshot = snapshot
    this.#pendingSnapshot = snapshot
    this.#committed = meta.index
    // The state machine restores the snapshot (Ready step 3) before it applies anything after it.
    this.#applied = meta.index
    this.#stable = meta.index
    this.#unstableFrom = meta.index + 1
  }

  /** The caller persisted and restored the pending snapshot. */
  snapshotHandedOut(): void {
    this.#pendingSnapshot = undefined
  }
}
