import { describe, expect, test } from 'vitest'
import { ByteWriter } from './bytes.js'
import { encodeEntries } from './entry-codec.js'
import { WalCorruptionError } from './errors.js'
import type { SegmentName } from './file-names.js'
import { frameRecord, recordFramedBytes, recordType, type RecordPayload } from './wal-record.js'
import { scanSegment, segmentHeaderRecord } from './wal-segment.js'
import { hardStateRecord } from './wal-writer.js'

const name: SegmentName = { sequence: 1, firstIndex: 1 }
const path = '/data/0000000000000001-0000000000000001.wal'

function entriesRecord(first: number, count: number): RecordPayload {
  const writer = new ByteWriter()
  encodeEntries(Array.from({ length: count }, (_, i) => ({ kind: 'noop', index: first + i, term: 1 }) as const), writer)
  return { type: recordType.entries, payload: writer.view().slice() }
}

/** A segment made of writes; each write's records carry the write's start offset. */
function segment(writes: readonly (readonly RecordPayload[])[]): { bytes: Uint8Array; recordOffsets: number[]; writeOffsets: number[] } {
  const all = [[segmentHeaderRecord(name)], ...writes]
  const size = all.flat().reduce((sum, record) => sum + recordFramedBytes(record.payload.length), 0)
  const bytes = new Uint8Array(size)
  const recordOffsets: number[] = []
  const writeOffsets: number[] = []
  let at = 0
  for (const write of all) {
    const writeOffset = at
    writeOffsets.push(writeOffset)
    for (const record of write) {
      recordOffsets.push(at)
      at = frameRecord(record, writeOffset, bytes, at)
    }
  }
  return { bytes, recordOffsets: recordOffsets.slice(1), writeOffsets: writeOffsets.slice(1) }
}

const twoWrites = (): ReturnType<typeof segment> =>
  segment([
    [entriesRecord(1, 3), hardStateRecord({ term: 1, vote: 'n1', commit: 1 })],
    [entriesRecord(4, 2), hardStateRecord({ term: 1, vote: 'n1', commit: 3 }), entriesRecord(6, 1)],
  ])

describe('scanSegment', () => {
  test('reads every record of an intact segment', () => {
    const { bytes } = twoWrites()
    const scanned = scanSegment(bytes, name, path, true)
    expect(scanned.records.map((record) => record.type)).toEqual(['entries', 'hardState', 'entries', 'hardState', 'entries'])
    expect(scanned).toMatchObject({ hasHeader: true, validBytes: bytes.length, tornTail: undefined })
  })

  test('every truncation of the last segment is a torn tail cut at a record boundary', () => {
    const { bytes, recordOffsets } = twoWrites()
    const boundaries = [...recordOffsets, bytes.length]
    for (let length = 0; length <= bytes.length; length++) {
      const scanned = scanSegment(bytes.subarray(0, length), name, path, true)
      const complete = boundaries.filter((end, i) => i > 0 && end <= length).length
      expect(scanned.records.length, `length ${length}`).toBe(complete)
      expect(scanned.validBytes).toBe(complete === 0 ? (length >= recordOffsets[0]! ? recordOffsets[0] : 0) : boundaries[complete])
    }
  })

  test('a zero-filled tail is a clean end, in any segment', () => {
    const { bytes } = twoWrites()
    const padded = new Uint8Array(bytes.length + 4096)
    padded.set(bytes)
    for (const isLast of [true, false]) {
      const scanned = scanSegment(padded, name, path, isLast)
      expect(scanned).toMatchObject({ validBytes: bytes.length, tornTail: undefined })
      expect(scanned.records).toHaveLength(5)
    }
  })

  test('damage in the final write of the last segment is a torn tail, even with intact records of that write after it', () => {
    const { bytes, recordOffsets, writeOffsets } = twoWrites()
    const damaged = bytes.slice()
    damaged[recordOffsets[2]! + 20]! ^= 0xff // first record of the second write
    const scanned = scanSegment(damaged, name, path, true)
    expect(scanned.records).toHaveLength(2)
    expect(scanned.validBytes).toBe(writeOffsets[1])
    expect(scanned.tornTail?.reason).toBe('record checksum mismatch')
  })

  test('damage followed by an intact record of a later write is corruption, named by file and offset', () => {
    const { bytes, recordOffsets } = twoWrites()
    const damaged = bytes.slice()
    damaged[recordOffsets[1]! + 17]! ^= 0x01 // the hard state of the first write
    const error = catchError(() => scanSegment(damaged, name, path, true))
    expect(error).toBeInstanceOf(WalCorruptionError)
    expect(error).toMatchObject({ file: path, offset: recordOffsets[1] })
    expect(String(error)).toContain(`byte offset ${recordOffsets[1]}`)
  })

  test('any damage in a sealed (non-final) segment is corruption, even in its final record', () => {
    const { bytes, recordOffsets } = twoWrites()
    const damaged = bytes.slice()
    damaged[recordOffsets[4]! + 16]! ^= 0x01
    expect(() => scanSegment(damaged, name, path, true)).not.toThrow()
    expect(catchError(() => scanSegment(damaged, name, path, false))).toMatchObject({ offset: recordOffsets[4] })
    expect(() => scanSegment(bytes.subarray(0, bytes.length - 3), name, path, false)).toThrow(WalCorruptionError)
  })

  test('a segment whose header disagrees with its file name is corruption', () => {
    const { bytes } = twoWrites()
    expect(() => scanSegment(bytes, { sequence: 2, firstIndex: 1 }, path, true)).toThrow(/segment header says 1\/1/)
  })
})

function catchError(action: () => unknown): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}
