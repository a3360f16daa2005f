import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, MysqlDialect, SqliteDialect, type KyselyPlugin } from 'kysely'
import { createConnection, createPool } from 'mysql2'
import { createConnection as createPromiseConnection } from 'mysql2/promise'
import { RegistryStore, type RegistryStoreOptions } from './registry-store.js'
import type { RegistryDatabase } from './schema.js'

/** Where a node keeps its state machine. */
export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'mysql'
      /** e.g. `mysql://root@127.0.0.1:3306/raftkit_n1`; the database is created if missing. */
      readonly url: string
    }

export interface OpenStoreOptions extends RegistryStoreOptions {
  /** Kysely plugins (tests use one to inject a failure in the middle of a transaction). */
  readonly plugins?: readonly KyselyPlugin[]
}

/** Opens the store a configuration names. */
export function openStore(
  config: StoreConfig,
  options: OpenStoreOptions = {},
): Promise<RegistryStore> {
  return config.kind === 'sqlite'
    ? openSqliteStore(config.path, options)
    : openMysqlStore(config.url, options)
}

/**
 * An SQLite file per node, in WAL mode with `synchronous = NORMAL`: a crash may lose the last
 * transactions, but never half of one, and the applied index rolls back with them, so the node
 * re-applies those entries from its Raft log. (Entries behind a snapshot are covered by the
 * snapshot file, which is fsynced before the log is compacted.)
 */
export async function openSqliteStore(
  path: string,
  options: OpenStoreOptions = {},
): Promise<RegistryStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const database = new Database(path)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('busy_timeout = 5000')
  const db = new Kysely<RegistryDatabase>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
    plugins: [...(options.plugins ?? [])],
  })
  return RegistryStore.open(db, 'sqlite', options)
}

/** Prepared statements kept per SQLite connection; the store issues a few dozen distinct ones. */
const statementCacheMax = 512

/**
 * Kysely prepares every query anew; the store runs the same few statements for every entry, so
 * keeping them prepared saves most of an apply's time. Kysely runs one query at a time on this
 * connection, so a cached statement is never in use twice at once.
 */
function withStatementCache(database: Database.Database): {
  close(): void
  prepare(sql: string): Database.Statement
} {
  const statements = new Map<string, Database.Statement>()
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        if (statements.size < statementCacheMax) statements.set(sql, statement)
      }
      return statement
    },
  }
}

/**
 * A MySQL/MariaDB database per node. The database named in the URL is created if it does not
 * exist (utf8mb4, binary collation for keys), then a small pool serves the applier and readers.
 */
export async function openMysqlStore(
  url: string,
  options: OpenStoreOptions = {},
): Promise<RegistryStore> {
  const parsed = new URL(url)
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new Error(`the MySQL URL must name a database (letters, digits, _): ${redact(url)}`)
  }
  const serverUrl = new URL(url)
  serverUrl.pathname = '/'
  const admin = await createPromiseConnection({ uri: serverUrl.toString() })
  try {
    await admin.query(
      `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    )
  } finally {
    await admin.end()
  }
  const pool = createPool({
    uri: url,
    connectionLimit: 4,
    supportBigNumbers: true,
    bigNumberStrings: false,
  })
  const db = new Kysely<RegistryDatabase>({
    dialect: new MysqlDialect({ pool }),
    plugins: [...(options.plugins ?? [])],
  })
  return RegistryStore.open(db, 'mysql', options)
}

/** Drops a node's MySQL database (tests; `raftkit` never drops data on its own). */
export async function dropMysqlDatabase(url: string): Promise<void> {
  const parsed = new URL(url)
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  parsed.pathname = '/'
  const connection = createConnection({ uri: parsed.toString() })
  await new Promise<void>((resolve, reject) =>
    connection.query(`DROP DATABASE IF EXISTS \`${database}\``, (error) =>
      error ? reject(error) : resolve(),
    ),
  )
  await new Promise<void>((resolve) => connection.end(() => resolve()))
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(not a URL)'
  }
}
