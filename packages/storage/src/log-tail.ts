/**
 * The few facts about a log that are needed to check an operation before it is queued: where
 * the snapshot ends, where the log ends, and the last hard state. Both stores use it, so the
 * file store and the reference memory store reject exactly the same misuse.
 *
 * Every check here guards a Raft invariant; a failure is a bug in the caller (InvariantViolation,
 * STYLE §6), and the storage is the last place it can be caught before it is made durable.
 */
import { limits } from './limits.js'
import type { Entry, HardState, PersistedState, Snapshot } from './raft-types.js'
import { assert } from './raft-types.js'

export class LogTail {
  /** Index of the last entry covered by the snapshot (0 without one). */
  snapshotIndex: number
  /** Index of the last entry, or `snapshotIndex` when the log is empty. */
  lastIndex: number
  hardState: HardState
  /**
   * The terms of entries (snapshotIndex, lastIndex] as runs: each run starts at `first` and
   * lasts until the next run. Terms change rarely, so this stays tiny for any log length, and it
   * is all §7 needs to decide whether a snapshot keeps the log.
   */
  #termRuns: { readonly first: number; readonly term: number }[] = []

  constructor(state: PersistedState) {
    this.snapshotIndex = state.snapshot?.meta.index ?? 0
    this.lastIndex = this.snapshotIndex
    this.hardState = state.hardState
    this.#appendTerms(state.entries)
  }

  /** The term of a stored entry, or undefined when `index` is not in (snapshotIndex, lastIndex]. */
  termAt(index: number): number | undefined {
    if (index <= this.snapshotIndex || index > this.lastIndex) return undefined
    for (let run = this.#termRuns.length - 1; run >= 0; run--) {
      if (this.#termRuns[run]!.first <= index) return this.#termRuns[run]!.term
    }
    return undefined
  }

  /** Throws InvariantViolation unless `append(entries, hardState)` is a valid next step. */
  checkAppend(entries: readonly Entry[], hardState: HardState | undefined): void {
    let lastIndexAfter = this.lastIndex
    const first = entries[0]
    if (first !== undefined) {
      assert(Number.isSafeInteger(first.index), () => `bad entry index ${first.index}`)
      assert(first.index > this.snapshotIndex, () =>
        `append at index ${first.index} overwrites the snapshot (up to ${this.snapshotIndex})`)
      assert(first.index <= this.lastIndex + 1, () =>
        `append at index ${first.index} leaves a gap after the last index ${this.lastIndex}`)
      entries.forEach((entry, position) => checkEntry(entry, first.index + position, entries[position - 1]))
      // §5.4 (State Machine Safety): a committed entry is never replaced. Rewriting it with the
      // same term is harmless, so only a change of term is refused.
      for (const entry of entries) {
        if (entry.index > this.hardState.commit) break
        assert(this.termAt(entry.index) === entry.term, () =>
          `append replaces committed entry ${entry.index} (commit ${this.hardState.commit})`)
      }
      lastIndexAfter = first.index + entries.length - 1
    }
    if (hardState !== undefined) this.#checkHardState(hardState, Math.max(lastIndexAfter, this.snapshotIndex))
  }

  applyAppend(entries: readonly Entry[], hardState: HardState | undefined): void {
    this.#appendTerms(entries)
    if (hardState !== undefined) this.hardState = hardState
  }

  checkSnapshot(snapshot: Snapshot): void {
    const { index, term, config } = snapshot.meta
    assert(Number.isSafeInteger(index) && index >= 1, () => `bad snapshot index ${index}`)
    assert(Number.isSafeInteger(term) && term >= 0, () => `bad snapshot term ${term}`)
    assert(index > this.snapshotIndex, () =>
      `snapshot at index ${index} is not newer than the stored one at ${this.snapshotIndex}`)
    assert(snapshot.data instanceof Uint8Array, 'snapshot data must be a Uint8Array')
    assert(config.voters.length + config.learners.length <= limits.configMembersMax, 'configuration too large')
  }

  /**
   * Applies §7 and returns whether the log after the snapshot is kept: it is when the log holds
   * the snapshot's last entry with the same term; otherwise the whole log is discarded.
   */
  applySnapshot(snapshot: Snapshot): boolean {
    const { index, term } = snapshot.meta
    const keepsLog = this.termAt(index) === term
    if (keepsLog) {
      const runs = this.#termRuns
      // The run holding `index` now starts just after it (if it continues past it).
      const holding = runs.findLastIndex((run) => run.first <= index)
      const kept = runs.slice(holding + 1)
      if (index < this.lastIndex && (kept[0]?.first ?? Infinity) > index + 1) kept.unshift({ first: index + 1, term: runs[holding]!.term })
      this.#termRuns = kept
    } else {
      this.#termRuns = []
      this.lastIndex = index
    }
    this.snapshotIndex = index
    return keepsLog
  }

  #appendTerms(entries: readonly Entry[]): void {
    const first = entries[0]
    if (first === undefined) return
    // Replace everything from `first.index` on (a conflicting suffix).
    while (this.#termRuns.length > 0 && this.#termRuns.at(-1)!.first >= first.index) this.#termRuns.pop()
    for (const entry of entries) {
      if (this.#termRuns.at(-1)?.term !== entry.term) {
        this.#termRuns.push({ first: entry.index, term: entry.term })
      }
    }
    this.lastIndex = entries.at(-1)!.index
  }

  #checkHardState(next: HardState, lastIndex: number): void {
    const previous = this.hardState
    assert(Number.isSafeInteger(next.term) && next.term >= previous.term, () =>
      `hard state term ${next.term} is below the stored term ${previous.term}`)
    // §5.2: at most one vote per term, even across crashes.
    assert(
      next.term !== previous.term || previous.vote === undefined || next.vote === previous.vote,
      () => `vote changed from ${previous.vote} to ${String(next.vote)} within term ${next.term}`,
    )
    assert(Number.isSafeInteger(next.commit) && next.commit >= previous.commit, () =>
      `commit moved backwards from ${previous.commit} to ${next.commit}`)
    assert(next.commit <= lastIndex, () => `commit ${next.commit} is beyond the last index ${lastIndex}`)
  }
}

function checkEntry(entry: Entry, expectedIndex: number, previous: Entry | undefined): void {
  assert(entry.index === expectedIndex, () => `entry index ${entry.index} where ${expectedIndex} was due`)
  assert(Number.isSafeInteger(entry.term) && entry.term >= 0, () => `bad term ${entry.term} at ${entry.index}`)
  assert(previous === undefined || entry.term >= previous.term, () =>
    `term goes down from ${previous?.term} to ${entry.term} at index ${entry.index}`)
  if (entry.kind === 'command') {
    assert(entry.data instanceof Uint8Array, () => `command data at ${entry.index} is not a Uint8Array`)
  }
}
