import type { Selectable } from 'kysely'
import type { VersionRecord } from '../versions/version-record.js'
import type { RegistryDatabase } from './schema.js'

/** Row → record. Integers come back as numbers from both drivers; Number() guards strings. */
export function versionFromRow(row: Selectable<RegistryDatabase['versions']>): VersionRecord {
  return {
    id: row.id,
    platform: row.platform,
    versionNo: row.version_no,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    revision: Number(row.revision),
  }
}
