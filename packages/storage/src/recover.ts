/**
 * Opening a store directory: find the newest snapshot, replay every segment in order, cut a torn
 * tail off the last segment, and hand the writer what it needs to continue.
 *
 * Nothing on disk is changed until everything has been read and judged, so a store that refuses
 * to open (corruption) is left exactly as it was found, for an operator to inspect.
 */
import { dirname, join, resolve } from 'node:path'
import { WalCorruptionError } from './errors.js'
import {
  parseSegmentFileName,
  parseSnapshotFileName,
  segmentFileName,
  snapshotFileName,
  tempSuffix,
  type SegmentName,
  type SnapshotName,
} from './file-names.js'
import type { StorageFileSystem } from './file-system.js'
import type { PersistedState, Snapshot } from './raft-types.js'
import { readSnapshotFile } from './snapshot-file.js'
import type { ReplayResult } from './wal-replay.js'
import { WalReplay } from './wal-replay.js'
import { scanSegment, type ScannedSegment } from './wal-segment.js'
import type { ActiveSegment, WalWriterStart } from './wal-writer.js'

export interface RecoveredStore {
  readonly state: PersistedState
  readonly writerStart: WalWriterStart
  /** Snapshot files on disk, oldest first (the newest is `state.snapshot`). */
  readonly snapshotFiles: readonly SnapshotName[]
  /** What recovery repaired, for the log line a node prints at start. */
  readonly repairs: readonly string[]
}

export interface RecoverOptions {
  /** Segments are preallocated: a zero-filled tail is expected and kept. */
  readonly preallocateSegments: boolean
  readonly segmentBytesMax: number
}

export async function recoverStore(
  fileSystem: StorageFileSystem,
  directory: string,
  options: RecoverOptions,
): Promise<RecoveredStore> {
  await makeDirectoryDurably(fileSystem, directory)
  const fileNames = (await fileSystem.list(directory)).sort()
  const snapshotFiles = fileNames.flatMap((fileName) => parseSnapshotFileName(fileName) ?? []).sort((a, b) => a.index - b.index)
  const segments = fileNames.flatMap((fileName) => parseSegmentFileName(fileName) ?? []).sort((a, b) => a.sequence - b.sequence)
  const path = (name: SegmentName): string => join(directory, segmentFileName(name))
  checkSequences(segments, path)

  const newest = snapshotFiles.at(-1)
  const snapshot = newest === undefined
    ? undefined
    : await readSnapshotFile(fileSystem, join(directory, snapshotFileName(newest)), newest)
  const replay = new WalReplay(snapshot?.meta.index ?? 0)
  let last: { name: SegmentName; scanned: ScannedSegment; fileBytes: number } | undefined
  for (const [position, name] of segments.entries()) {
    const isLast = position === segments.length - 1
    const bytes = await fileSystem.readFile(path(name))
    const scanned = scanSegment(bytes, name, path(name), isLast)
    if (!scanned.hasHeader && !isLast) throw new WalCorruptionError(path(name), 0, 'sealed segment has no header')
    for (const record of scanned.records) replay.apply(record, { path: path(name), sequence: name.sequence })
    if (isLast) last = { name, scanned, fileBytes: bytes.length }
  }
  const result = replay.finish(snapshot)

  // Everything is judged; now repair.
  const repairs: string[] = []
  const removedTemps = fileNames.filter((fileName) => fileName.endsWith(tempSuffix))
  for (const fileName of removedTemps) {
    await fileSystem.remove(join(directory, fileName))
    repairs.push(`removed unfinished ${fileName}`)
  }
  let liveSegments = segments
  if (last !== undefined && !last.scanned.hasHeader) {
    // Torn while the segment was being created: nothing in it was ever acknowledged.
    await fileSystem.remove(path(last.name))
    liveSegments = segments.slice(0, -1)
    repairs.push(`removed ${segmentFileName(last.name)}, torn before its header was complete`)
  }
  if (removedTemps.length > 0 || liveSegments !== segments) await fileSystem.syncDirectory(directory)
  // Opened last, so that nothing after it can fail and leak the file handle.
  const active = last !== undefined && last.scanned.hasHeader
    ? await openLastSegment(fileSystem, path(last.name), last, options, repairs)
    : undefined

  return {
    state: result.state,
    writerStart: writerStart(result, snapshot, liveSegments, active),
    snapshotFiles,
    repairs,
  }
}

async function openLastSegment(
  fileSystem: StorageFileSystem,
  segmentPath: string,
  last: { name: SegmentName; scanned: ScannedSegment; fileBytes: number },
  options: RecoverOptions,
  repairs: string[],
): Promise<ActiveSegment> {
  const { scanned } = last
  const file = await fileSystem.open(segmentPath, 'update')
  const expectedZeros = scanned.tornTail === undefined && options.preallocateSegments
  if (scanned.validBytes < last.fileBytes && !expectedZeros) {
    try {
      // Cut the torn tail and make the cut durable before anything new is written after it:
      // otherwise a second crash could bring the old bytes back in front of new records.
      await file.truncate(scanned.validBytes)
      if (options.preallocateSegments) await file.truncate(Math.max(options.segmentBytesMax, scanned.validBytes))
      await file.sync()
    } catch (error) {
      await file.close()
      throw error
    }
    const why = scanned.tornTail === undefined ? 'a zero-filled tail' : `a torn tail (${scanned.tornTail.reason})`
    repairs.push(`cut ${last.fileBytes - scanned.validBytes} bytes of ${why} at offset ${scanned.validBytes} of ${segmentFileName(last.name)}`)
  }
  return { name: last.name, file, offset: scanned.validBytes, hasWrites: scanned.records.length > 0 }
}

/**
 * Creates the directory if needed and makes its name durable: a new directory's entry lives in
 * its parent, which must be fsynced too (etcd does the same for its WAL directory).
 */
async function makeDirectoryDurably(fileSystem: StorageFileSystem, directory: string): Promise<void> {
  const firstCreated = await fileSystem.makeDirectory(directory)
  if (firstCreated === undefined) return
  for (let created = resolve(directory); ; created = dirname(created)) {
    await fileSystem.syncDirectory(dirname(created))
    if (created === resolve(firstCreated) || dirname(created) === created) break
  }
}

function writerStart(
  result: ReplayResult,
  snapshot: Snapshot | undefined,
  segments: readonly SegmentName[],
  active: ActiveSegment | undefined,
): WalWriterStart {
  const { state } = result
  return {
    segments,
    active,
    liveness: result.liveness,
    lastIndex: state.entries.at(-1)?.index ?? snapshot?.meta.index ?? 0,
    // A new store has no hard state to copy into its first segment.
    hardState: isEmptyHardState(state) ? undefined : state.hardState,
    marker: result.lastMarker,
  }
}

function isEmptyHardState(state: PersistedState): boolean {
  const { term, vote, commit } = state.hardState
  return term === 0 && vote === undefined && commit === 0
}

/** Segment sequences must be consecutive: older ones are deleted oldest first, never from the middle. */
function checkSequences(segments: readonly SegmentName[], path: (name: SegmentName) => string): void {
  for (let i = 1; i < segments.length; i++) {
    const expected = segments[i - 1]!.sequence + 1
    if (segments[i]!.sequence !== expected) {
      throw new WalCorruptionError(path(segments[i]!), 0, `segment ${expected} is missing before this one`)
    }
  }
}
