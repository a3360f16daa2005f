/**
 * The node state machine's snapshot format, written and read a slice at a time so that neither
 * blocks the event loop for long on a large store (a stalled loop makes a leader miss its
 * heartbeats). Version 2:
 *
 *   bytes 0..3   0xFFFFFFFF (version 1 began with a meta length, never this large)
 *   byte  4      2
 *   then UTF-8 lines, each one JSON value and a "\n" (JSON escapes newlines inside strings):
 *     {"format":"raftkit-server/2","appliedIndex","keys","sessions","ttls","members"}
 *     `keys` lines      [key, value, revision], in code-unit order of key
 *     `sessions` lines  [clientId, seq, result], least recently used first
 *     `ttls` lines      [key, expiresAtMs]
 *
 * Version 1 ([u32 meta length][meta JSON][the kv package's JSON snapshot]) is still read.
 */
import type { KvResult, KvSnapshotContent } from '@raftkit/kv'
import type { MemberRecord } from './server-state-machine.js'

export const snapshotFormat = 'raftkit-server/2'
const marker = 0xffffffff
const version = 2
/** Rows encoded or decoded between two yields to the event loop. */
const rowsPerSlice = 2048

export interface SnapshotContent {
  readonly appliedIndex: number
  readonly data: readonly (readonly [string, string, number])[]
  readonly sessions: readonly (readonly [string, number, KvResult])[]
  readonly ttls: readonly (readonly [string, number])[]
  readonly members: readonly MemberRecord[]
}

/** Lets other work (ticks, peer messages, HTTP) run between slices. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export async function encodeSnapshotContent(content: SnapshotContent): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  const head = new Uint8Array(5)
  new DataView(head.buffer).setUint32(0, marker)
  head[4] = version
  parts.push(head)
  const header = {
    format: snapshotFormat,
    appliedIndex: content.appliedIndex,
    keys: content.data.length,
    sessions: content.sessions.length,
    ttls: content.ttls.length,
    members: content.members,
  }
  parts.push(encoder.encode(JSON.stringify(header) + '\n'))
  for (const rows of [content.data, content.sessions, content.ttls] as const) {
    for (let start = 0; start < rows.length; start += rowsPerSlice) {
      let text = ''
      const end = Math.min(rows.length, start + rowsPerSlice)
      for (let i = start; i < end; i++) text += JSON.stringify(rows[i]) + '\n'
      parts.push(encoder.encode(text))
      await yieldToEventLoop()
    }
  }
  let length = 0
  for (const part of parts) length += part.byteLength
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

export function isVersion2(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 5 &&
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0) === marker &&
    bytes[4] === version
  )
}

/** A damaged snapshot is not a state a replica may continue from: this throws, naming why. */
export async function decodeSnapshotContent(bytes: Uint8Array): Promise<SnapshotContent> {
  let at = 5
  const nextLine = (): unknown => {
    const end = bytes.indexOf(0x0a, at)
    if (end < 0) throw new Error(`snapshot truncated at byte ${at}`)
    const line = decoder.decode(bytes.subarray(at, end))
    at = end + 1
    return JSON.parse(line) as unknown
  }
  const header = nextLine() as Record<string, unknown>
  if (header?.format !== snapshotFormat)
    throw new Error(`snapshot format ${String(header?.format)}`)
  const count = (name: string): number => {
    const value = header[name]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new Error(`snapshot header: ${name}`)
    return value
  }
  const appliedIndex = count('appliedIndex')
  if (!Array.isArray(header.members)) throw new Error('snapshot header: members')
  const read = async <T>(
    n: number,
    valid: (row: unknown) => row is T,
    what: string,
  ): Promise<T[]> => {
    const rows: T[] = []
    for (let i = 0; i < n; i++) {
      const row = nextLine()
      if (!valid(row)) throw new Error(`snapshot ${what} row ${i} is malformed`)
      rows.push(row)
      if (i % rowsPerSlice === rowsPerSlice - 1) await yieldToEventLoop()
    }
    return rows
  }
  const data = await read(count('keys'), isRecordRow, 'key')
  for (let i = 1; i < data.length; i++) {
    if (!(data[i - 1]![0] < data[i]![0])) throw new Error('snapshot keys are not in order')
  }
  const sessions = await read(count('sessions'), isSessionRow, 'session')
  const ttls = await read(count('ttls'), isTtlRow, 'ttl')
  if (at !== bytes.byteLength)
    throw new Error(`snapshot has ${bytes.byteLength - at} bytes too many`)
  return { appliedIndex, data, sessions, ttls, members: header.members as MemberRecord[] }
}

/** Reads the version-1 layout: [u32 meta length][meta JSON][kv snapshot JSON]. */
export function decodeVersion1(bytes: Uint8Array): {
  meta: { expiresAt: [string, number][]; members: MemberRecord[] }
  kv: Uint8Array
} {
  const metaLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0)
  const meta = JSON.parse(decoder.decode(bytes.subarray(4, 4 + metaLength))) as {
    expiresAt: [string, number][]
    members: MemberRecord[]
  }
  return { meta, kv: bytes.subarray(4 + metaLength) }
}

export function kvContentOf(content: SnapshotContent): KvSnapshotContent {
  return { appliedIndex: content.appliedIndex, data: content.data, sessions: content.sessions }
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
    row[2] !== null
  )
}

function isTtlRow(row: unknown): row is [string, number] {
  return (
    Array.isArray(row) &&
    row.length === 2 &&
    typeof row[0] === 'string' &&
    typeof row[1] === 'number'
  )
}
