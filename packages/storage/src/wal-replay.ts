/**
 * Rebuilds the log from WAL records, in write order, the way it was when they were written.
 *
 * Rules, applied record by record:
 * - An entry batch starting at `a` replaces the log from `a` on (§5.3's conflicting suffix). A
 *   batch that starts past the end of the log is a gap: corruption, unless the missing entries
 *   are all covered by the snapshot on disk (older segments are deleted oldest first, and a crash
 *   between two deletions may leave a hole below the snapshot).
 * - A snapshot marker (S, T) applies §7: if the log holds entry S with term T, the entries up to
 *   S are dropped and the rest kept; otherwise the whole log is dropped.
 * - The last hard state wins.
 * At the end the newest snapshot file is applied the same way (it may be newer than the last
 * marker if the process died between writing the file and the marker), and the log must then
 * continue right after the snapshot.
 */
import type { SnapshotMarker } from './entry-codec.js'
import { WalCorruptionError } from './errors.js'
import type { Entry, HardState, PersistedState, Snapshot } from './raft-types.js'
import { emptyHardState } from './raft-types.js'
import { SegmentLiveness } from './segment-liveness.js'
import type { WalRecord } from './wal-segment.js'

/** Where a record came from, for error messages. */
export interface RecordSource {
  readonly path: string
  readonly sequence: number
}

interface Located<T> {
  readonly value: T
  readonly path: string
  readonly offset: number
}

export interface ReplayResult {
  readonly state: PersistedState
  /** The last snapshot marker in the WAL (the newest snapshot file may be newer). */
  readonly lastMarker: SnapshotMarker | undefined
  readonly liveness: SegmentLiveness
}

export class WalReplay {
  readonly #snapshotIndexOnDisk: number
  readonly liveness = new SegmentLiveness()
  /** The log: entries[i] has index base + 1 + i. */
  #entries: Entry[] = []
  #base: number | undefined
  /** The record that set `base`, named if the log turns out not to reach the snapshot. */
  #baseSource: { path: string; offset: number } | undefined
  #hardState: HardState | undefined
  #lastMarker: Located<SnapshotMarker> | undefined

  constructor(snapshotIndexOnDisk: number) {
    this.#snapshotIndexOnDisk = snapshotIndexOnDisk
  }

  apply(record: WalRecord, source: RecordSource): void {
    this.liveness.addSegment(source.sequence)
    switch (record.type) {
      case 'entries':
        this.#applyEntries(record.entries, source, record.offset)
        break
      case 'hardState':
        this.#hardState = record.hardState
        break
      case 'snapshotMarker':
        this.#applyMarker(record.marker)
        this.#lastMarker = { value: record.marker, path: source.path, offset: record.offset }
        break
    }
  }

  finish(snapshot: Snapshot | undefined): ReplayResult {
    const marker = this.#lastMarker
    if (marker !== undefined && (snapshot === undefined || snapshot.meta.index < marker.value.index)) {
      throw new WalCorruptionError(marker.path, marker.offset,
        `snapshot marker at index ${marker.value.index} has no snapshot file (newest: ${snapshot?.meta.index ?? 'none'})`)
    }
    const snapshotIndex = snapshot?.meta.index ?? 0
    if (snapshot !== undefined) this.#applyMarker(snapshot.meta)
    if (this.#entries.length > 0 && this.#base !== snapshotIndex) {
      const source = this.#baseSource ?? { path: '(unknown)', offset: 0 }
      throw new WalCorruptionError(source.path, source.offset,
        `the log resumes at index ${(this.#base ?? 0) + 1} but the snapshot ends at ${snapshotIndex}: ` +
          `entries ${snapshotIndex + 1}..${this.#base} are missing`)
    }
    const hardState = this.#hardState ?? emptyHardState
    // A snapshot holds only committed entries, so its index is committed even if the hard state
    // that said so did not reach the disk before a crash (raft asserts commit >= snapshot index).
    const commit = Math.max(hardState.commit, snapshotIndex)
    return {
      state: { hardState: commit === hardState.commit ? hardState : { ...hardState, commit }, snapshot, entries: this.#entries },
      lastMarker: marker?.value,
      liveness: this.liveness,
    }
  }

  #applyEntries(batch: readonly Entry[], source: RecordSource, offset: number): void {
    const first = batch[0]!.index
    const last = batch.at(-1)!.index
    const base = this.#base
    if (base === undefined || first <= base + 1) {
      this.#reset(batch, source.path, offset)
    } else if (first <= base + this.#entries.length + 1) {
      this.#entries.length = first - base - 1
      for (const entry of batch) this.#entries.push(entry)
    } else if (first - 1 <= this.#snapshotIndexOnDisk) {
      this.#reset(batch, source.path, offset)
    } else {
      const lastIndex = base + this.#entries.length
      throw new WalCorruptionError(source.path, offset,
        `entries start at index ${first} but the log ends at ${lastIndex}: entries ${lastIndex + 1}..${first - 1} are missing`)
    }
    this.liveness.noteEntries(source.sequence, first, last)
  }

  #reset(batch: readonly Entry[], path: string, offset: number): void {
    this.#entries = [...batch]
    this.#base = batch[0]!.index - 1
    this.#baseSource = { path, offset }
  }

  /** §7: keep the log after (index, term) if it holds that entry, else drop it all. */
  #applyMarker(marker: SnapshotMarker): void {
    const base = this.#base
    if (base !== undefined && marker.index <= base) return
    const position = base === undefined ? -1 : marker.index - base - 1
    const entry = position >= 0 ? this.#entries[position] : undefined
    this.#entries = entry !== undefined && entry.term === marker.term ? this.#entries.slice(position + 1) : []
    if (entry === undefined || entry.term !== marker.term) this.liveness.dropAbove(marker.index)
    this.#base = marker.index
    this.#baseSource = undefined
  }
}
