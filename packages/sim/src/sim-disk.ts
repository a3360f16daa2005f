import {
  emptyHardState,
  type Entry,
  type HardState,
  type PersistedState,
  type Snapshot,
} from '@raftkit/raft'
import { assert } from './assert.js'

/**
 * One node's stable storage: what survives a crash. A Ready's write lands here only when the
 * simulated fsync completes; a crash before that loses it, or tears it (a prefix of its entries
 * reached the platter, its hard state did not).
 */
export class SimDisk {
  #hardState: HardState = emptyHardState
  #snapshot: Snapshot | undefined
  /** The entries after the snapshot, in order and contiguous. */
  #entries: Entry[] = []
  writes = 0
  tornWrites = 0

  constructor(initial?: PersistedState) {
    if (initial === undefined) return
    this.#hardState = initial.hardState
    this.#snapshot = initial.snapshot
    this.#entries = [...initial.entries]
  }

  get hardState(): HardState {
    return this.#hardState
  }

  get lastIndex(): number {
    return (this.#snapshot?.meta.index ?? 0) + this.#entries.length
  }

  /**
   * Makes a Ready's write durable, in the order Ready documents: the snapshot, then the entries
   * (an entry whose index is already stored replaces it and everything after it), then the hard
   * state.
   */
  write(
    snapshot: Snapshot | undefined,
    entries: readonly Entry[],
    hardState: HardState | undefined,
  ): void {
    this.writes++
    if (snapshot !== undefined) this.#writeSnapshot(snapshot)
    this.#writeEntries(entries, entries.length)
    if (hardState !== undefined) this.#hardState = hardState
  }

  /**
   * A write cut short by a crash: the snapshot made it or not, then only the first
   * `entriesWritten` entries (none if the snapshot did not), and never the hard state, which is
   * written last.
   */
  writeTorn(
    snapshot: Snapshot | undefined,
    entries: readonly Entry[],
    snapshotWritten: boolean,
    entriesWritten: number,
  ): void {
    this.tornWrites++
    if (snapshot !== undefined) {
      if (!snapshotWritten) return
      this.#writeSnapshot(snapshot)
    }
    this.#writeEntries(entries, Math.min(entriesWritten, entries.length))
  }

  /**
   * Stores a snapshot the node took of its own state machine and drops the entries it covers
   * (log compaction). The entries after it stay.
   */
  compact(snapshot: Snapshot): void {
    const base = this.#snapshot?.meta.index ?? 0
    const index = snapshot.meta.index
    assert(
      index <= this.lastIndex,
      () => `snapshot at ${index} beyond stored log ${this.lastIndex}`,
    )
    if (index <= base) return
    this.#entries = this.#entries.slice(index - base)
    this.#snapshot = snapshot
  }

  /** What a restarting node reads back. `forgetVote` is the unsafe rule that drops the vote. */
  state(forgetVote = false): PersistedState {
    const hardState = forgetVote ? { ...this.#hardState, vote: undefined } : this.#hardState
    return { hardState, snapshot: this.#snapshot, entries: [...this.#entries] }
  }

  #writeSnapshot(snapshot: Snapshot): void {
    this.#snapshot = snapshot
    this.#entries = []
  }

  #writeEntries(entries: readonly Entry[], count: number): void {
    if (count === 0) return
    const base = this.#snapshot?.meta.index ?? 0
    const first = entries[0]!.index
    assert(first > base, () => `disk write of entry ${first} at or below snapshot ${base}`)
    assert(
      first <= this.lastIndex + 1,
      () => `disk write of entry ${first} leaves a gap after ${this.lastIndex}`,
    )
    // Replace the stored suffix from `first` (a leader's entries overwrite conflicting ones).
    this.#entries.length = first - base - 1
    for (let i = 0; i < count; i++) this.#entries.push(entries[i]!)
  }
}
