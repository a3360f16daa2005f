import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql, type Generated, type Selectable } from 'kysely'
import type { Recipe } from '../protocol/index.js'

interface UsersTable {
  id: Generated<number>
  provider: string
  provider_id: string
  login: string
  name: string | null
  avatar_url: string | null
  created_at: number
}

interface LoginsTable {
  token_hash: string
  user_id: number
  created_at: number
  expires_at: number
}

interface SavedTable {
  id: Generated<number>
  user_id: number
  kind: 'scenario' | 'run'
  title: string
  recipe: string
  created_at: number
}

interface Schema {
  users: UsersTable
  logins: LoginsTable
  saved: SavedTable
}

export type User = Omit<Selectable<UsersTable>, 'provider_id'> & { provider_id: string }

export interface SavedSummary {
  readonly id: number
  /** A saved scenario, or a run's history. */
  readonly kind: 'scenario' | 'run'
  readonly name: string
  /** ISO 8601. */
  readonly createdAt: string
  readonly nodes: number
  readonly commands: number
  readonly endTime: number
}

const loginDays = 30

/**
 * What signed-in users keep: their account (from the sign-in provider), their logins (a random
 * token in a cookie, stored hashed), and their saved scenarios and run histories (recipes).
 * SQLite through Kysely; the schema is created on first open.
 */
export class AccountStore {
  readonly #db: Kysely<Schema>

  private constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Opens (creating if needed) the database at `path`; `:memory:` for a throwaway one. */
  static async open(path: string): Promise<AccountStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const sqlite = new Database(path)
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('foreign_keys = ON')
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) })
    await sql`CREATE TABLE IF NOT EXISTS users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      provider TEXT NOT NULL,
      provider_id TEXT NOT NULL,
      login TEXT NOT NULL,
      name TEXT,
      avatar_url TEXT,
      created_at INTEGER NOT NULL,
      UNIQUE (provider, provider_id)
    )`.execute(db)
    await sql`CREATE TABLE IF NOT EXISTS logins (
      token_hash TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`.execute(db)
    await sql`CREATE TABLE IF NOT EXISTS saved (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('scenario', 'run')),
      title TEXT NOT NULL,
      recipe TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`.execute(db)
    await sql`CREATE INDEX IF NOT EXISTS saved_by_user ON saved (user_id, created_at)`.execute(db)
    return new AccountStore(db)
  }

  /** Creates or updates the user a provider vouched for. */
  async upsertUser(
    provider: string,
    profile: { id: string; login: string; name: string | null; avatarUrl: string | null },
  ): Promise<User> {
    await this.#db
      .insertInto('users')
      .values({
        provider,
        provider_id: profile.id,
        login: profile.login,
        name: profile.name,
        avatar_url: profile.avatarUrl,
        created_at: Date.now(),
      })
      .onConflict((conflict) =>
        conflict
          .columns(['provider', 'provider_id'])
          .doUpdateSet({ login: profile.login, name: profile.name, avatar_url: profile.avatarUrl }),
      )
      .execute()
    return this.#db
      .selectFrom('users')
      .selectAll()
      .where('provider', '=', provider)
      .where('provider_id', '=', profile.id)
      .executeTakeFirstOrThrow()
  }

  /** A new login for the user; returns the token for the cookie (only its hash is stored). */
  async createLogin(userId: number): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    const now = Date.now()
    await this.#db
      .insertInto('logins')
      .values({
        token_hash: hash(token),
        user_id: userId,
        created_at: now,
        expires_at: now + loginDays * 86_400_000,
      })
      .execute()
    return token
  }

  async userByToken(token: string): Promise<User | undefined> {
    return this.#db
      .selectFrom('logins')
      .innerJoin('users', 'users.id', 'logins.user_id')
      .selectAll('users')
      .where('logins.token_hash', '=', hash(token))
      .where('logins.expires_at', '>', Date.now())
      .executeTakeFirst()
  }

  async deleteLogin(token: string): Promise<void> {
    await this.#db.deleteFrom('logins').where('token_hash', '=', hash(token)).execute()
  }

  async save(
    userId: number,
    item: { kind: 'scenario' | 'run'; name: string; recipe: Recipe },
  ): Promise<SavedSummary & { recipe: Recipe }> {
    const created_at = Date.now()
    const row = await this.#db
      .insertInto('saved')
      .values({
        user_id: userId,
        kind: item.kind,
        title: item.name,
        recipe: JSON.stringify(item.recipe),
        created_at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const saved = summary({
      id: row.id,
      kind: item.kind,
      title: item.name,
      created_at,
      recipe: JSON.stringify(item.recipe),
    })
    return { ...saved, recipe: item.recipe }
  }

  /** The user's saved items, newest first. */
  async list(
    userId: number,
    kind?: 'scenario' | 'run',
  ): Promise<(SavedSummary & { recipe: Recipe })[]> {
    let query = this.#db.selectFrom('saved').selectAll().where('user_id', '=', userId)
    if (kind !== undefined) query = query.where('kind', '=', kind)
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(500)
      .execute()
    return rows.map((row) => ({ ...summary(row), recipe: JSON.parse(row.recipe) as Recipe }))
  }

  async get(userId: number, id: number): Promise<(SavedSummary & { recipe: Recipe }) | undefined> {
    const row = await this.#db
      .selectFrom('saved')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row === undefined
      ? undefined
      : { ...summary(row), recipe: JSON.parse(row.recipe) as Recipe }
  }

  async delete(userId: number, id: number): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('saved')
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  async close(): Promise<void> {
    await this.#db.destroy()
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function summary(row: {
  id: number
  kind: 'scenario' | 'run'
  title: string
  created_at: number
  recipe: string
}): SavedSummary {
  const recipe = JSON.parse(row.recipe) as Recipe
  return {
    id: row.id,
    kind: row.kind,
    name: row.title,
    createdAt: new Date(row.created_at).toISOString(),
    nodes: recipe.settings.nodes,
    commands: recipe.commands.length,
    endTime: recipe.endTime ?? 0,
  }
}
