import { open, readdir, readFile, truncate } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Reads the framing of a raftkit WAL segment (packages/storage/README.md, "On disk"): records at
 * 8-byte-aligned offsets, each `u32 LE payloadBytes | u32 LE crc32c | u8 type | 3 zero |
 * u32 LE writeOffset | payload | zero padding`. Type 0 marks the zero-filled (preallocated) tail.
 * The test only needs where records start and end, not their checksums.
 */
export interface WalRecordSpan {
  readonly offset: number
  readonly end: number
  readonly type: number
  readonly writeOffset: number
}

export const walRecordType = { segmentHeader: 1, entries: 2, hardState: 3, snapshotMarker: 4 }

export function walRecords(bytes: Buffer): WalRecordSpan[] {
  const records: WalRecordSpan[] = []
  let offset = 0
  while (offset + 16 <= bytes.length) {
    const payloadBytes = bytes.readUInt32LE(offset)
    const type = bytes[offset + 8]!
    if (type === 0) break
    const end = offset + Math.ceil((16 + payloadBytes) / 8) * 8
    if (end > bytes.length) break
    records.push({ offset, end, type, writeOffset: bytes.readUInt32LE(offset + 12) })
    offset = end
  }
  return records
}

/** The newest segment file of a WAL directory (names are `<seq:16 hex>-<firstIndex>.wal`). */
export async function lastSegment(walDir: string): Promise<string> {
  const segments = (await readdir(walDir)).filter((name) => name.endsWith('.wal')).sort()
  const last = segments.at(-1)
  if (last === undefined) throw new Error(`no WAL segment in ${walDir}`)
  return join(walDir, last)
}

export interface TornTail {
  readonly file: string
  readonly sizeBefore: number
  readonly sizeAfter: number
  /** Where the damage starts: the file ends here (truncate) or garbage starts here (garble). */
  readonly cutAt: number
  /** The record the damage is in. */
  readonly damagedRecord: WalRecordSpan
  /** Intact records of the segment that the damage removed (beyond the damaged one). */
  readonly recordsLost: number
  readonly recordsBefore: number
}

/**
 * A crash in the middle of the node's next write: the last entry batch of the newest segment is
 * written again as a new write after the segment's last record (as a follower does when it is
 * sent entries again), and the crash leaves it
 * - `truncate`: cut off halfway, so the file ends mid-record;
 * - `garble`: at full length but with its second half garbage, as if only some of its sectors
 *   reached the disk.
 * The node never acknowledged that write (it had not returned from fsync), so recovery may — and
 * must — drop it without losing anything the cluster counted on.
 */
export async function tearUnsyncedWrite(
  walDir: string,
  mode: 'truncate' | 'garble',
): Promise<TornTail> {
  const file = await lastSegment(walDir)
  const bytes = await readFile(file)
  const records = walRecords(bytes)
  const source = records.findLast((r) => r.type === walRecordType.entries)
  if (source === undefined) throw new Error(`${file} holds no entry batch to write again`)
  const at = records.at(-1)!.end
  const record = Buffer.from(bytes.subarray(source.offset, source.end))
  record.writeUInt32LE(at, 12) // writeOffset: a write of its own, after everything before it
  const half = Math.floor(record.length / 2)
  if (mode === 'garble') {
    for (let i = half; i < record.length; i++) record[i] = (i * 151 + 89) & 0xff
  }
  const written = mode === 'truncate' ? record.subarray(0, half) : record
  const handle = await open(file, 'r+')
  try {
    await handle.write(written, 0, written.length, at)
    await handle.truncate(at + written.length)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return {
    file,
    sizeBefore: bytes.length,
    sizeAfter: at + written.length,
    cutAt: at + half,
    damagedRecord: {
      offset: at,
      end: at + record.length,
      type: walRecordType.entries,
      writeOffset: at,
    },
    recordsLost: 0,
    recordsBefore: records.length,
  }
}

/**
 * Truncates the newest segment in the middle of its last entry batch, dropping that record and
 * every record after it. Unlike `tearUnsyncedWrite`, this takes away a write the node had synced
 * and acknowledged: the leader has counted those entries as stored on this node.
 */
export async function truncateAcknowledgedTail(walDir: string): Promise<TornTail> {
  const file = await lastSegment(walDir)
  const bytes = await readFile(file)
  const records = walRecords(bytes)
  const damaged = records.findLast((r) => r.type === walRecordType.entries)
  if (damaged === undefined) throw new Error(`${file} holds no entry batch to tear`)
  const cutAt = damaged.offset + Math.max(9, Math.floor((damaged.end - damaged.offset) / 2))
  await truncate(file, cutAt)
  return {
    file,
    sizeBefore: bytes.length,
    sizeAfter: cutAt,
    cutAt,
    damagedRecord: damaged,
    recordsLost: records.length - records.indexOf(damaged) - 1,
    recordsBefore: records.length,
  }
}
