/**
 * Reading one WAL segment back: the segment header, the records after it, and the decision
 * every recovery must make at the first damaged byte (cut a torn tail, or refuse to start).
 *
 * Each segment starts with a segment-header record, then (if the WAL has them) a copy of the
 * latest snapshot marker and hard state, so that deleting older segments never loses them.
 */
import { ByteReader, ByteWriter, DecodeError } from './bytes.js'
import {
  decodeEntries,
  decodeHardState,
  decodeSnapshotMarker,
  type SnapshotMarker,
} from './entry-codec.js'
import { WalCorruptionError } from './errors.js'
import type { SegmentName } from './file-names.js'
import type { Entry, HardState } from './raft-types.js'
import {
  readRecordAt,
  recordAlignmentBytes,
  recordHeaderBytes,
  recordType,
  type FramedRecord,
  type RecordPayload,
} from './wal-record.js'

const segmentMagic = new TextEncoder().encode('RAFTKWAL')
/** Bumped on any change to the record or payload encodings. */
export const walFormatVersion = 1

/** The payload of a segment's first record. */
export function segmentHeaderRecord(name: SegmentName): RecordPayload {
  const writer = new ByteWriter(32)
  writer.bytes(segmentMagic)
  writer.u32(walFormatVersion)
  writer.varint(name.sequence)
  writer.varint(name.firstIndex)
  return { type: recordType.segmentHeader, payload: writer.view().slice() }
}

/** A decoded WAL record with the offset it was read from (for error messages). */
export type WalRecord =
  | { readonly type: 'entries'; readonly offset: number; readonly entries: readonly Entry[] }
  | { readonly type: 'hardState'; readonly offset: number; readonly hardState: HardState }
  | { readonly type: 'snapshotMarker'; readonly offset: number; readonly marker: SnapshotMarker }

export interface ScannedSegment {
  /** The records after the segment header, in order. */
  readonly records: readonly WalRecord[]
  /** False when the last segment was torn before its header record was complete. */
  readonly hasHeader: boolean
  /** Offset just past the last intact record: where the writer continues. */
  readonly validBytes: number
  /** Set when a torn tail of the last segment was found (and must be cut off at validBytes). */
  readonly tornTail: { readonly offset: number; readonly reason: string } | undefined
}

/**
 * Reads a segment's records. `path` only names the file in errors.
 *
 * Throws `WalCorruptionError` when the segment is damaged anywhere a crash cannot explain: in a
 * segment that is not the last one (a later segment exists only after this one was synced), or in
 * the last one when an intact record from a later write follows the damage. A zero-filled tail
 * (preallocation, or a size extended without data in a crash) is a clean end everywhere.
 */
export function scanSegment(
  bytes: Uint8Array,
  name: SegmentName,
  path: string,
  isLastSegment: boolean,
): ScannedSegment {
  const records: WalRecord[] = []
  let offset = 0
  let hasHeader = false
  let previousWriteOffset = 0
  while (offset < bytes.length) {
    const framed = readRecordAt(bytes, offset)
    if (!framed.ok) {
      if (isZero(bytes, offset, bytes.length)) break
      if (!isLastSegment) throw new WalCorruptionError(path, offset, `${framed.reason} in a sealed segment`)
      const laterWrite = findRecordOfLaterWrite(bytes, offset)
      if (laterWrite !== undefined) {
        throw new WalCorruptionError(
          path,
          offset,
          `${framed.reason}, followed by an intact record of a later write at offset ${laterWrite}`,
        )
      }
      return { records, hasHeader, validBytes: offset, tornTail: { offset, reason: framed.reason } }
    }
    if (framed.writeOffset > offset || framed.writeOffset < previousWriteOffset) {
      throw new WalCorruptionError(path, offset, `record claims its write began at ${framed.writeOffset}`)
    }
    previousWriteOffset = framed.writeOffset
    if (!hasHeader) {
      checkSegmentHeader(bytes, framed, name, path)
      hasHeader = true
    } else {
      records.push(decodeRecord(bytes, framed, path))
    }
    offset = framed.next
  }
  return { records, hasHeader, validBytes: offset, tornTail: undefined }
}

function checkSegmentHeader(bytes: Uint8Array, framed: FramedRecord, name: SegmentName, path: string): void {
  const fail = (reason: string): never => {
    throw new WalCorruptionError(path, framed.offset, reason)
  }
  if (framed.type !== recordType.segmentHeader) fail('the first record is not a segment header')
  try {
    const reader = new ByteReader(bytes, framed.payloadStart, framed.payloadEnd)
    for (const byte of segmentMagic) if (reader.u8() !== byte) fail('not a raftkit WAL segment')
    const version = reader.u32()
    if (version !== walFormatVersion) fail(`WAL format version ${version}, this build reads ${walFormatVersion}`)
    const sequence = reader.varint()
    const firstIndex = reader.varint()
    reader.end()
    if (sequence !== name.sequence || firstIndex !== name.firstIndex) {
      fail(`segment header says ${sequence}/${firstIndex}, the file name ${name.sequence}/${name.firstIndex}`)
    }
  } catch (error) {
    if (error instanceof DecodeError) fail(`bad segment header: ${error.message}`)
    throw error
  }
}

function decodeRecord(bytes: Uint8Array, framed: FramedRecord, path: string): WalRecord {
  const reader = new ByteReader(bytes, framed.payloadStart, framed.payloadEnd)
  const offset = framed.offset
  try {
    let record: WalRecord
    switch (framed.type) {
      case recordType.entries:
        record = { type: 'entries', offset, entries: decodeEntries(reader) }
        break
      case recordType.hardState:
        record = { type: 'hardState', offset, hardState: decodeHardState(reader) }
        break
      case recordType.snapshotMarker:
        record = { type: 'snapshotMarker', offset, marker: decodeSnapshotMarker(reader) }
        break
      case recordType.segmentHeader:
        throw new DecodeError('a second segment header')
    }
    reader.end()
    return record
  } catch (error) {
    // The checksum matched, so these are the bytes that were written: a bug, or a format this
    // build does not understand. Either way not a torn write.
    if (error instanceof DecodeError) throw new WalCorruptionError(path, offset, `undecodable record: ${error.message}`)
    throw error
  }
}

/**
 * Looks past damage at `damageOffset` for an intact record whose write began after the damage.
 * Its existence proves that the damaged write had been synced before the next one started.
 */
function findRecordOfLaterWrite(bytes: Uint8Array, damageOffset: number): number | undefined {
  for (let at = damageOffset + recordAlignmentBytes; at + recordHeaderBytes <= bytes.length; at += recordAlignmentBytes) {
    // Cheap filters first; the checksum decides.
    const type = bytes[at + 8]!
    if (type < recordType.segmentHeader || type > recordType.snapshotMarker) continue
    const writeOffset = bytes[at + 12]! | (bytes[at + 13]! << 8) | (bytes[at + 14]! << 16) | (bytes[at + 15]! << 24)
    if (writeOffset <= damageOffset || writeOffset > at) continue
    const framed = readRecordAt(bytes, at)
    if (framed.ok) return at
  }
  return undefined
}

function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false
  return true
}
