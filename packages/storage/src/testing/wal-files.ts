/**
 * Test helpers that look inside a store directory: which segments exist, and where each record
 * starts and ends. They use only the record framing (not the store's recovery code), so tests
 * can damage exactly the bytes they mean to.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { plainBytes } from '../bytes.js'
import { readRecordAt, recordType, type RecordType } from '../wal-record.js'

export async function segmentPaths(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.endsWith('.wal')).sort().map((name) => join(directory, name))
}

export async function snapshotFileNames(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.endsWith('.snap')).sort()
}

export interface RecordSpan {
  readonly type: RecordType
  readonly offset: number
  /** End of the checksummed bytes (header and payload, not padding). */
  readonly payloadEnd: number
  /** Offset of the next record (after padding). */
  readonly next: number
  readonly writeOffset: number
}

/** Every intact record of a segment, in order, stopping at the first bytes that are not one. */
export function recordSpans(bytes: Uint8Array): RecordSpan[] {
  const spans: RecordSpan[] = []
  let offset = 0
  for (;;) {
    const framed = readRecordAt(bytes, offset)
    if (!framed.ok) return spans
    spans.push({ type: framed.type, offset, payloadEnd: framed.payloadEnd, next: framed.next, writeOffset: framed.writeOffset })
    offset = framed.next
  }
}

export async function readSegment(path: string): Promise<Uint8Array> {
  return plainBytes(await readFile(path))
}

export { recordType }
