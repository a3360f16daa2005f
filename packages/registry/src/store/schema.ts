import { sql, type Kysely } from 'kysely'

/**
 * The tables of a node's state machine. Both stores (SQLite, MySQL/MariaDB) hold the same
 * tables with the same meaning; only column types differ. Keys and watch topics are stored as
 * bytes (BLOB / VARBINARY) so that both order them the same way: by their UTF-8 bytes.
 */
export interface RegistryDatabase {
  /** One row (id 1): where the state machine is in the log. */
  registry_state: {
    id: number
    /** The log index of the last entry applied, written in the same transaction as its effects. */
    applied_index: number
    session_count: number
    /** Changes at or below this revision are no longer kept for watchers. */
    changes_floor: number
    schema_version: number
  }
  kv: { k: Buffer; value: string; revision: number; expires_at: number | null }
  versions: {
    id: string
    platform: string
    version_no: string
    sort_key: string
    created_at: number
    updated_at: number
    revision: number
  }
  /** Exactly-once sessions (Raft thesis §6.3): the latest seq and answer per client. */
  sessions: { client_id: string; seq: number; last_used: number; result: string }
  members: { id: string; peer_addr: string; client_url: string; promote: number }
  /** Recent changes, for watchers that resume from a revision. Not part of snapshots. */
  changes: { revision: number; part: number; kind: string; topic: Buffer; payload: string }
}

export type StoreDialect = 'sqlite' | 'mysql'

export const schemaVersion = 1

/** Column types per dialect; everything else about the schema is shared. */
const types = {
  sqlite: {
    key: 'BLOB',
    text: 'TEXT',
    bigint: 'INTEGER',
    ascii: (_n: number) => 'TEXT',
    utf8: (_n: number) => 'TEXT',
    table: '',
  },
  mysql: {
    key: 'VARBINARY(1024)',
    text: 'LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
    bigint: 'BIGINT',
    ascii: (n: number) => `VARCHAR(${n}) CHARACTER SET ascii COLLATE ascii_bin`,
    utf8: (n: number) => `VARCHAR(${n}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    table: ' ENGINE=InnoDB',
  },
} as const

function statements(dialect: StoreDialect): string[] {
  const t = types[dialect]
  const ifNotExists = 'IF NOT EXISTS'
  return [
    `CREATE TABLE ${ifNotExists} registry_state (id INTEGER PRIMARY KEY, applied_index ${t.bigint} NOT NULL,
      session_count ${t.bigint} NOT NULL, changes_floor ${t.bigint} NOT NULL,
      schema_version INTEGER NOT NULL)${t.table}`,
    `CREATE TABLE ${ifNotExists} kv (k ${t.key} NOT NULL PRIMARY KEY, value ${t.text} NOT NULL,
      revision ${t.bigint} NOT NULL, expires_at ${t.bigint} NULL)${t.table}`,
    `CREATE TABLE ${ifNotExists} versions (id ${t.ascii(64)} NOT NULL PRIMARY KEY,
      platform ${t.ascii(64)} NOT NULL, version_no ${t.ascii(128)} NOT NULL,
      sort_key ${t.ascii(512)} NOT NULL, created_at ${t.bigint} NOT NULL,
      updated_at ${t.bigint} NOT NULL, revision ${t.bigint} NOT NULL)${t.table}`,
    `CREATE TABLE ${ifNotExists} sessions (client_id ${t.utf8(128)} NOT NULL PRIMARY KEY,
      seq ${t.bigint} NOT NULL, last_used ${t.bigint} NOT NULL, result ${t.text} NOT NULL)${t.table}`,
    `CREATE TABLE ${ifNotExists} members (id ${t.ascii(64)} NOT NULL PRIMARY KEY,
      peer_addr ${t.utf8(300)} NOT NULL, client_url ${t.utf8(500)} NOT NULL,
      promote INTEGER NOT NULL)${t.table}`,
    `CREATE TABLE ${ifNotExists} changes (revision ${t.bigint} NOT NULL, part INTEGER NOT NULL,
      kind ${t.ascii(16)} NOT NULL, topic ${t.key} NOT NULL, payload ${t.text} NOT NULL,
      PRIMARY KEY (revision, part))${t.table}`,
  ]
}

const indexes = [
  ['kv_expires', 'kv', 'expires_at'],
  ['versions_platform_no', 'versions', 'platform, version_no', 'UNIQUE'],
  ['versions_order', 'versions', 'platform, sort_key'],
  ['sessions_lru', 'sessions', 'last_used'],
] as const

/**
 * Creates the tables and indexes if they are missing and checks the schema version. Idempotent:
 * every open runs it.
 */
export async function ensureSchema(
  db: Kysely<RegistryDatabase>,
  dialect: StoreDialect,
): Promise<void> {
  for (const statement of statements(dialect)) await sql.raw(statement).execute(db)
  for (const [name, table, columns, unique] of indexes) {
    const kind = unique === undefined ? 'INDEX' : 'UNIQUE INDEX'
    if (dialect === 'sqlite') {
      await sql.raw(`CREATE ${kind} IF NOT EXISTS ${name} ON ${table} (${columns})`).execute(db)
    } else {
      // MariaDB has CREATE INDEX IF NOT EXISTS; MySQL 8 does not, so ask the catalog first.
      const found = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.statistics
        WHERE table_schema = DATABASE() AND table_name = ${table} AND index_name = ${name}`.execute(
        db,
      )
      if (Number(found.rows[0]?.n ?? 0) === 0) {
        await sql.raw(`CREATE ${kind} ${name} ON ${table} (${columns})`).execute(db)
      }
    }
  }
  const state = await db
    .selectFrom('registry_state')
    .selectAll()
    .where('id', '=', 1)
    .executeTakeFirst()
  if (state === undefined) {
    await db
      .insertInto('registry_state')
      .values({
        id: 1,
        applied_index: 0,
        session_count: 0,
        changes_floor: 0,
        schema_version: schemaVersion,
      })
      .execute()
  } else if (Number(state.schema_version) !== schemaVersion) {
    throw new Error(
      `the store has schema version ${state.schema_version}; this raftkit reads version ${schemaVersion}`,
    )
  }
}
