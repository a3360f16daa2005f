import { assert } from '../assert.js'

/** The snapshot format's name and version, first in every snapshot. */
export const registrySnapshotFormat = 'raftkit-registry/1'

/**
 * A store's whole replicated state, the same for every kind of store, so a snapshot taken from
 * SQLite restores into MySQL and back. Rows are sorted by primary key: equal states give equal
 * bytes (and so equal digests). Watch history is local and not part of it.
 */
export interface RegistrySnapshot {
  readonly appliedIndex: number
  /** [key, value, revision, expiresAt | null] */
  readonly kv: readonly (readonly [string, string, number, number | null])[]
  /** [id, platform, versionNo, createdAt, updatedAt, revision] */
  readonly versions: readonly (readonly [string, string, string, number, number, number])[]
  /** [clientId, seq, lastUsed, result JSON] */
  readonly sessions: readonly (readonly [string, number, number, string])[]
  /** [id, peerAddr, clientUrl, promote] */
  readonly members: readonly (readonly [string, string, string, boolean])[]
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeRegistrySnapshot(snapshot: RegistrySnapshot): Uint8Array {
  return encoder.encode(JSON.stringify({ format: registrySnapshotFormat, ...snapshot }))
}

/** Decodes a snapshot, asserting its shape: a corrupt snapshot must stop the replica. */
export function decodeRegistrySnapshot(bytes: Uint8Array): RegistrySnapshot {
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(bytes))
  } catch {
    parsed = undefined
  }
  assert(typeof parsed === 'object' && parsed !== null, 'registry snapshot is not a JSON object')
  const s = parsed as Record<string, unknown>
  assert(s['format'] === registrySnapshotFormat, () => `snapshot format ${String(s['format'])}`)
  const appliedIndex = s['appliedIndex']
  assert(
    typeof appliedIndex === 'number' && Number.isSafeInteger(appliedIndex) && appliedIndex >= 0,
    'registry snapshot appliedIndex',
  )
  const rows = (name: string, check: (row: unknown[]) => boolean): unknown[][] => {
    const value = s[name]
    assert(
      Array.isArray(value) && value.every((row) => Array.isArray(row) && check(row)),
      () => `registry snapshot ${name} rows`,
    )
    return value as unknown[][]
  }
  const str = (v: unknown): boolean => typeof v === 'string'
  const int = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v)
  return {
    appliedIndex,
    kv: rows(
      'kv',
      (r) => r.length === 4 && str(r[0]) && str(r[1]) && int(r[2]) && (r[3] === null || int(r[3])),
    ) as never,
    versions: rows(
      'versions',
      (r) =>
        r.length === 6 &&
        str(r[0]) &&
        str(r[1]) &&
        str(r[2]) &&
        int(r[3]) &&
        int(r[4]) &&
        int(r[5]),
    ) as never,
    sessions: rows(
      'sessions',
      (r) => r.length === 4 && str(r[0]) && int(r[1]) && int(r[2]) && str(r[3]),
    ) as never,
    members: rows(
      'members',
      (r) => r.length === 4 && str(r[0]) && str(r[1]) && str(r[2]) && typeof r[3] === 'boolean',
    ) as never,
  }
}
