import { assert } from './assert.js'
import type { KvResult } from './commands.js'
import { decodeUtf8, encodeUtf8 } from './utf8.js'

/** The snapshot format's name and version, first in every snapshot. */
export const kvSnapshotFormat = 'raftkit-kv/1'

/** A snapshot's content: keys as [key, value, revision], sessions as [clientId, seq, result]. */
export interface KvSnapshotContent {
  readonly appliedIndex: number
  readonly data: readonly (readonly [string, string, number])[]
  readonly sessions: readonly (readonly [string, number, KvResult])[]
}

export function encodeSnapshot(content: KvSnapshotContent): Uint8Array {
  const { appliedIndex, data, sessions } = content
  return encodeUtf8(JSON.stringify({ format: kvSnapshotFormat, appliedIndex, data, sessions }))
}

/** Decodes a snapshot, asserting its shape: a corrupt snapshot must stop the replica. */
export function decodeSnapshot(bytes: Uint8Array): KvSnapshotContent {
  const text = decodeUtf8(bytes)
  assert(text !== undefined, 'kv snapshot is not valid UTF-8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  assert(typeof parsed === 'object' && parsed !== null, 'kv snapshot is not a JSON object')
  const snapshot = parsed as Record<string, unknown>
  assert(
    snapshot['format'] === kvSnapshotFormat,
    () => `kv snapshot format ${String(snapshot['format'])}`,
  )
  const { appliedIndex, data, sessions } = snapshot
  assert(
    typeof appliedIndex === 'number' && Number.isSafeInteger(appliedIndex) && appliedIndex >= 0,
    'kv snapshot appliedIndex',
  )
  assert(Array.isArray(data) && data.every(isRecordRow), 'kv snapshot data rows')
  assert(Array.isArray(sessions) && sessions.every(isSessionRow), 'kv snapshot session rows')
  return { appliedIndex, data, sessions }
}

function isRecordRow(row: unknown): row is [string, string, number] {
  return (
    Array.isArray(row) &&
    row.length === 3 &&
    typeof row[0] === 'string' &&
    typeof row[1] === 'string' &&
    typeof row[2] === 'number'
  )
}

function isSessionRow(row: unknown): row is [string, number, KvResult] {
  return (
    Array.isArray(row) &&
    row.length === 3 &&
    typeof row[0] === 'string' &&
    typeof row[1] === 'number' &&
    typeof row[2] === 'object' &&
    row[2] !== null &&
    typeof (row[2] as { op?: unknown }).op === 'string'
  )
}
