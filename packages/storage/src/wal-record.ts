/**
 * WAL record framing. Every record starts at an 8-byte-aligned offset in its segment:
 *
 *   offset  size  field
 *        0     4  payloadBytes   u32 LE, length of the payload (padding excluded)
 *        4     4  checksum       u32 LE, CRC-32C of bytes [8, 16 + payloadBytes): type,
 *                                reserved, writeOffset and payload
 *        8     1  type           1 segment header, 2 entries, 3 hard state, 4 snapshot marker
 *        9     3  reserved       zero
 *       12     4  writeOffset    u32 LE, segment offset where this record's write began
 *       16     n  payload
 *     16+n     p  zero padding to the next multiple of 8
 *
 * Why `writeOffset`: one group-commit write holds several records and is made durable by one
 * fdatasync. When recovery meets a damaged record at offset X in the last segment, an intact
 * record further on whose write began after X proves that the write containing X had completed
 * its fdatasync (writes are strictly sequential), so X is real corruption, not a torn tail. Intact
 * records with writeOffset <= X belong to the same unsynced write as the damage and are cut off
 * with it: a crash may persist the sectors of one write in any order.
 *
 * Why type 0 is invalid: a zero-filled (preallocated, or zero-extended after a crash) tail then
 * never parses as a record.
 */
import { readU32, writeU32 } from './bytes.js'
import { crc32c } from './crc32c.js'
import { assert } from './raft-types.js'

export const recordHeaderBytes = 16
export const recordAlignmentBytes = 8

export const recordType = {
  segmentHeader: 1,
  entries: 2,
  hardState: 3,
  snapshotMarker: 4,
} as const
export type RecordType = (typeof recordType)[keyof typeof recordType]

function isRecordType(value: number): value is RecordType {
  return value >= recordType.segmentHeader && value <= recordType.snapshotMarker
}

/** A record's type and payload, before it has a place in a segment. */
export interface RecordPayload {
  readonly type: RecordType
  readonly payload: Uint8Array
}

/** The bytes a record takes in a segment, padding included. */
export function recordFramedBytes(payloadBytes: number): number {
  return alignUp(recordHeaderBytes + payloadBytes)
}

export function alignUp(bytes: number): number {
  return Math.ceil(bytes / recordAlignmentBytes) * recordAlignmentBytes
}

/**
 * Writes `record` framed into `target` at `at` (which must be zero-filled so that the padding is
 * zero) and returns the offset just past it. `writeOffset` is where the enclosing write begins.
 */
export function frameRecord(record: RecordPayload, writeOffset: number, target: Uint8Array, at: number): number {
  assert(at % recordAlignmentBytes === 0, () => `record at unaligned offset ${at}`)
  const payloadBytes = record.payload.length
  writeU32(target, at, payloadBytes)
  target[at + 8] = record.type
  writeU32(target, at + 12, writeOffset)
  target.set(record.payload, at + recordHeaderBytes)
  const checksum = crc32c(target, at + 8, at + recordHeaderBytes + payloadBytes)
  writeU32(target, at + 4, checksum)
  return at + recordFramedBytes(payloadBytes)
}

/** A record read back from a segment; payload is the byte range [payloadStart, payloadEnd). */
export interface FramedRecord {
  readonly ok: true
  readonly type: RecordType
  readonly offset: number
  readonly writeOffset: number
  readonly payloadStart: number
  readonly payloadEnd: number
  /** Offset of the next record. */
  readonly next: number
}

/** Why the bytes at an offset are not a record. */
export interface InvalidRecord {
  readonly ok: false
  readonly reason: string
}

/**
 * Reads the record at `offset`, checking everything the header can tell: room for the header
 * and payload, a known type, zero reserved bytes and the checksum. Decoding the payload is the
 * caller's job.
 */
export function readRecordAt(bytes: Uint8Array, offset: number): FramedRecord | InvalidRecord {
  if (offset + recordHeaderBytes > bytes.length) {
    return { ok: false, reason: `short record header (${bytes.length - offset} of ${recordHeaderBytes} bytes)` }
  }
  const payloadBytes = readU32(bytes, offset)
  const type = bytes[offset + 8]!
  if (!isRecordType(type)) return { ok: false, reason: `unknown record type ${type}` }
  if (bytes[offset + 9] !== 0 || bytes[offset + 10] !== 0 || bytes[offset + 11] !== 0) {
    return { ok: false, reason: 'nonzero reserved header bytes' }
  }
  const payloadStart = offset + recordHeaderBytes
  const payloadEnd = payloadStart + payloadBytes
  if (payloadEnd > bytes.length) {
    return { ok: false, reason: `short record payload (${bytes.length - payloadStart} of ${payloadBytes} bytes)` }
  }
  const checksum = readU32(bytes, offset + 4)
  const actual = crc32c(bytes, offset + 8, payloadEnd)
  if (checksum !== actual) return { ok: false, reason: 'record checksum mismatch' }
  const next = offset + recordFramedBytes(payloadBytes)
  // A record is whole only with its padding: recovery then cuts at record boundaries the writer
  // produced, and the next write starts aligned.
  if (next > bytes.length) return { ok: false, reason: 'short record padding' }
  const writeOffset = readU32(bytes, offset + 12)
  return { ok: true, type, offset, writeOffset, payloadStart, payloadEnd, next }
}
