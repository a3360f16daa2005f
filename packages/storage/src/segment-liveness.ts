/**
 * Which segments still hold entries that matter. A segment may be deleted once every entry it
 * holds that is still part of the log is covered by a durable snapshot.
 *
 * Entries can be live in an older segment while a newer one holds lower indexes (a conflicting
 * suffix was replaced), so each segment tracks the highest index it holds that has not been
 * overwritten since, and only a prefix of segments (oldest first) is ever deleted: replaying a
 * suffix of the write history gives the same log above the snapshot as replaying all of it.
 */
export class SegmentLiveness {
  /** Segment sequence → highest live index it holds (0 for none), in sequence order. */
  readonly #lastLiveIndex = new Map<number, number>()

  addSegment(sequence: number): void {
    if (!this.#lastLiveIndex.has(sequence)) this.#lastLiveIndex.set(sequence, 0)
  }

  /** Entries [first, last] were written to `sequence`, replacing everything from `first` on. */
  noteEntries(sequence: number, first: number, last: number): void {
    this.dropAbove(first - 1)
    this.#lastLiveIndex.set(sequence, Math.max(this.#lastLiveIndex.get(sequence) ?? 0, last))
  }

  /** Entries above `index` are no longer part of the log. */
  dropAbove(index: number): void {
    for (const [sequence, lastLive] of this.#lastLiveIndex) {
      if (lastLive > index) this.#lastLiveIndex.set(sequence, index)
    }
  }

  /** The oldest segments, in order, whose live entries are all at or below `snapshotIndex`. */
  deletablePrefix(snapshotIndex: number, activeSequence: number | undefined): number[] {
    const deletable: number[] = []
    for (const [sequence, lastLive] of [...this.#lastLiveIndex].sort(([a], [b]) => a - b)) {
      if (sequence === activeSequence || lastLive > snapshotIndex) break
      deletable.push(sequence)
    }
    return deletable
  }

  remove(sequence: number): void {
    this.#lastLiveIndex.delete(sequence)
  }
}
