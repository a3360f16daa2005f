/**
 * Names of the files in a store directory. Numbers are 16 lowercase hex digits, so that a plain
 * lexical sort is numeric order (etcd names its WAL segments the same way).
 *
 *   0000000000000003-00000000000004d2.wal   segment 3; its first entry was to be index 1234
 *   00000000000004d2-0000000000000007.snap  snapshot up to index 1234, whose term is 7
 *   <name>.tmp                               a snapshot being written; removed on open
 */

export interface SegmentName {
  /** Position of the segment in the WAL: 1, 2, 3, ... in write order. */
  readonly sequence: number
  /** The index the segment's first new entry was to have when it was created (informative). */
  readonly firstIndex: number
}

export interface SnapshotName {
  readonly index: number
  readonly term: number
}

export const tempSuffix = '.tmp'

const segmentPattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/
const snapshotPattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/

export function segmentFileName(name: SegmentName): string {
  return `${hex16(name.sequence)}-${hex16(name.firstIndex)}.wal`
}

export function parseSegmentFileName(fileName: string): SegmentName | undefined {
  const match = segmentPattern.exec(fileName)
  if (match === null) return undefined
  const sequence = parseHex(match[1]!)
  const firstIndex = parseHex(match[2]!)
  if (!Number.isSafeInteger(sequence) || !Number.isSafeInteger(firstIndex)) return undefined
  return { sequence, firstIndex }
}

export function snapshotFileName(name: SnapshotName): string {
  return `${hex16(name.index)}-${hex16(name.term)}.snap`
}

export function parseSnapshotFileName(fileName: string): SnapshotName | undefined {
  const match = snapshotPattern.exec(fileName)
  if (match === null) return undefined
  const index = parseHex(match[1]!)
  const term = parseHex(match[2]!)
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term)) return undefined
  return { index, term }
}

function hex16(value: number): string {
  return value.toString(16).padStart(16, '0')
}

function parseHex(digits: string): number {
  return Number.parseInt(digits, 16)
}
