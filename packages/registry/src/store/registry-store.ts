import { createHash } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import { assert } from '../assert.js'
import type { MemberRecord, RegistryCommand, RegistryResult } from '../commands.js'
import { registryLimits } from '../limits.js'
import { parseVersionNo } from '../versions/semver-order.js'
import type { VersionCursor } from '../versions/cursor.js'
import type { VersionRecord } from '../versions/version-record.js'
import type { Change, WatchFilter } from '../watch/change.js'
import { applyCommand, type ApplyContext } from './apply-command.js'
import { keyBytes, keyText, prefixUpperBound } from './key-bytes.js'
import { versionFromRow } from './rows.js'
import { ensureSchema, type RegistryDatabase, type StoreDialect } from './schema.js'
import {
  decodeRegistrySnapshot,
  encodeRegistrySnapshot,
  type RegistrySnapshot,
} from './snapshot-codec.js'

export interface KvRow {
  readonly key: string
  readonly value: string
  readonly revision: number
  readonly expiresAt?: number
}

export interface ApplyOutcome {
  readonly result: RegistryResult
  readonly changes: readonly Change[]
}

export interface RegistryStoreOptions {
  readonly sessionsMax?: number
  readonly changeRetentionEntries?: number
}

export interface VersionPage {
  readonly items: VersionRecord[]
  /** Where the next page starts; undefined on the last page. */
  readonly next: VersionCursor | undefined
}

/** Changes are trimmed every this many log indexes (cheap, and the same on every replica). */
const trimEveryEntries = 1024
/** Rows per INSERT when restoring, and a byte budget that stays far below MySQL's packet limit. */
const restoreBatchRows = 500
const restoreBatchBytes = 4 << 20
/** Where a version's sort key says "release" (after major.minor.patch, 16 digits each). */
const releaseMarkerPosition = 51

/**
 * The state machine's durable state in an SQL database (SQLite or MySQL/MariaDB), through one
 * Kysely layer. Each log entry is applied in one transaction that also writes the applied index,
 * so after a crash the store is exactly at some index: a restart skips what is already applied
 * and applies the rest, never losing or repeating a command.
 *
 * Only one applier may write (the node's replica); reads may run at any time and see committed
 * state.
 */
export class RegistryStore {
  readonly dialect: StoreDialect
  readonly #db: Kysely<RegistryDatabase>
  readonly #sessionsMax: number
  readonly #retention: number
  readonly #onClose: () => Promise<void>
  #appliedIndex = 0
  #sessionCount = 0
  #changesFloor = 0
  #applying = false

  private constructor(
    db: Kysely<RegistryDatabase>,
    dialect: StoreDialect,
    options: RegistryStoreOptions,
    onClose: () => Promise<void>,
  ) {
    this.#db = db
    this.dialect = dialect
    this.#sessionsMax = options.sessionsMax ?? registryLimits.sessionsMax
    this.#retention = options.changeRetentionEntries ?? registryLimits.changeRetentionEntries
    this.#onClose = onClose
  }

  /** Opens a store over a Kysely instance: creates the schema if missing, loads the applied index. */
  static async open(
    db: Kysely<RegistryDatabase>,
    dialect: StoreDialect,
    options: RegistryStoreOptions = {},
    onClose: () => Promise<void> = () => db.destroy(),
  ): Promise<RegistryStore> {
    await ensureSchema(db, dialect)
    const store = new RegistryStore(db, dialect, options, onClose)
    await store.#loadState()
    return store
  }

  async #loadState(): Promise<void> {
    const state = await this.#db
      .selectFrom('registry_state')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
    this.#appliedIndex = Number(state.applied_index)
    this.#sessionCount = Number(state.session_count)
    this.#changesFloor = Number(state.changes_floor)
  }

  /** The log index of the last entry whose effects are in the store; 0 if none. */
  get appliedIndex(): number {
    return this.#appliedIndex
  }

  /** Changes at or below this revision are gone; a watcher that needs them must re-read. */
  get changesFloor(): number {
    return this.#changesFloor
  }

  get sessionCount(): number {
    return this.#sessionCount
  }

  /**
   * Applies the command of the entry at `index` in one transaction, together with the applied
   * index and the change history. `command` is undefined for an entry that did not decode, which
   * changes nothing but the applied index. Indexes must increase; the caller skips indexes at or
   * below `appliedIndex` (already applied before a restart).
   */
  async apply(index: number, command: RegistryCommand | undefined): Promise<ApplyOutcome> {
    const [outcome] = await this.applyBatch([{ index, command }])
    return outcome!
  }

  /**
   * Applies consecutive entries in one transaction (one commit, one fsync for MySQL): all of
   * them or, on a failure, none, with the applied index of the last one.
   */
  async applyBatch(
    items: readonly { readonly index: number; readonly command: RegistryCommand | undefined }[],
  ): Promise<ApplyOutcome[]> {
    if (items.length === 0) return []
    let previous = this.#appliedIndex
    for (const item of items) {
      assert(
        Number.isSafeInteger(item.index) && item.index > previous,
        () => `apply at index ${item.index} after ${previous}: entries applied out of order`,
      )
      previous = item.index
    }
    assert(!this.#applying, 'two applies at once: the store has one applier')
    this.#applying = true
    try {
      const done = await this.#db.transaction().execute(async (trx) => {
        let sessionCount = this.#sessionCount
        let floor = this.#changesFloor
        const outcomes: ApplyOutcome[] = []
        for (const { index, command } of items) {
          const ctx: ApplyContext = {
            trx,
            index,
            changes: [],
            sessionCount,
            sessionsMax: this.#sessionsMax,
          }
          const result: RegistryResult =
            command === undefined
              ? { t: 'invalid', message: 'entry is not a valid command' }
              : await applyCommand(ctx, command)
          await this.#insertChanges(ctx)
          sessionCount = ctx.sessionCount
          if (index % trimEveryEntries === 0 && index - this.#retention > floor) {
            floor = index - this.#retention
            await trx.deleteFrom('changes').where('revision', '<=', floor).execute()
          }
          outcomes.push({ result, changes: ctx.changes })
        }
        await trx
          .updateTable('registry_state')
          .set({ applied_index: previous, session_count: sessionCount, changes_floor: floor })
          .where('id', '=', 1)
          .execute()
        return { outcomes, sessionCount, floor }
      })
      this.#appliedIndex = previous
      this.#sessionCount = done.sessionCount
      this.#changesFloor = done.floor
      return done.outcomes
    } finally {
      this.#applying = false
    }
  }

  async #insertChanges(ctx: ApplyContext): Promise<void> {
    const rows: RegistryDatabase['changes'][] = []
    for (const change of ctx.changes) {
      const payload = JSON.stringify(change)
      if (change.kind === 'kv') {
        rows.push({
          revision: change.revision,
          part: rows.length,
          kind: 'kv',
          topic: keyBytes(change.key),
          payload,
        })
        continue
      }
      // A version that moved to another platform is news on both platforms.
      rows.push({
        revision: change.revision,
        part: rows.length,
        kind: 'version',
        topic: keyBytes(change.version.platform),
        payload,
      })
      const previous = change.previous?.platform
      if (previous !== undefined && previous !== change.version.platform) {
        rows.push({
          revision: change.revision,
          part: rows.length,
          kind: 'version',
          topic: keyBytes(previous),
          payload,
        })
      }
    }
    if (rows.length > 0) await ctx.trx.insertInto('changes').values(rows).execute()
  }

  // ---------------------------------------------------------------- reads

  async getKv(key: string): Promise<KvRow | undefined> {
    const row = await this.#db
      .selectFrom('kv')
      .selectAll()
      .where('k', '=', keyBytes(key))
      .executeTakeFirst()
    return row === undefined ? undefined : kvFromRow(row)
  }

  /**
   * Keys starting with `prefix` (after `after`, if given) in UTF-8 byte order, skipping keys
   * expired at `now`. `more` tells whether another page follows.
   */
  async listKv(
    prefix: string,
    options: { after?: string | undefined; limit: number; now: number },
  ): Promise<{ items: KvRow[]; more: boolean }> {
    let query = this.#db.selectFrom('kv').selectAll()
    const lower = keyBytes(prefix)
    const upper = prefixUpperBound(lower)
    if (lower.length > 0) query = query.where('k', '>=', lower)
    if (upper !== undefined) query = query.where('k', '<', upper)
    if (options.after !== undefined) query = query.where('k', '>', keyBytes(options.after))
    query = query.where((eb) =>
      eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', options.now)]),
    )
    const rows = await query
      .orderBy('k', 'asc')
      .limit(options.limit + 1)
      .execute()
    const items = rows.slice(0, options.limit).map(kvFromRow)
    return { items, more: rows.length > options.limit }
  }

  async getVersion(id: string): Promise<VersionRecord | undefined> {
    const row = await this.#db
      .selectFrom('versions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row === undefined ? undefined : versionFromRow(row)
  }

  /**
   * Versions of one platform (or of all, by platform), newest first by semver (or oldest
   * first with `order: 'asc'`), one keyset page at a time.
   */
  async listVersions(options: {
    platform?: string | undefined
    limit: number
    after?: VersionCursor | undefined
    order?: 'asc' | 'desc'
  }): Promise<VersionPage> {
    const order = options.order ?? 'desc'
    const past = order === 'desc' ? '<' : '>'
    let query = this.#db.selectFrom('versions').selectAll()
    const after = options.after
    if (options.platform !== undefined) {
      query = query.where('platform', '=', options.platform)
      if (after !== undefined) {
        if (after.platform !== options.platform) return { items: [], next: undefined }
        query = query.where('sort_key', past, after.sortKey)
      }
    } else if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb('platform', '>', after.platform),
          eb.and([eb('platform', '=', after.platform), eb('sort_key', past, after.sortKey)]),
        ]),
      )
    }
    const rows = await query
      .orderBy('platform', 'asc')
      .orderBy('sort_key', order)
      .limit(options.limit + 1)
      .execute()
    const page = rows.slice(0, options.limit)
    const last = page[page.length - 1]
    return {
      items: page.map(versionFromRow),
      next:
        rows.length > options.limit && last !== undefined
          ? { platform: last.platform, sortKey: last.sort_key }
          : undefined,
    }
  }

  /** The highest version of a platform by semver precedence (releases only, if asked). */
  async latestVersion(
    platform: string,
    options: { includePrerelease?: boolean } = {},
  ): Promise<VersionRecord | undefined> {
    let query = this.#db.selectFrom('versions').selectAll().where('platform', '=', platform)
    if (options.includePrerelease === false) {
      query = query.where(
        sql<string>`substr(sort_key, ${sql.lit(releaseMarkerPosition)}, 1)`,
        '=',
        '~',
      )
    }
    const row = await query.orderBy('sort_key', 'desc').limit(1).executeTakeFirst()
    return row === undefined ? undefined : versionFromRow(row)
  }

  /** Platforms and how many versions each has. */
  async platforms(): Promise<{ platform: string; versions: number }[]> {
    const rows = await this.#db
      .selectFrom('versions')
      .select(['platform', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('platform')
      .orderBy('platform', 'asc')
      .execute()
    return rows.map((row) => ({ platform: row.platform, versions: Number(row.n) }))
  }

  async members(): Promise<MemberRecord[]> {
    const rows = await this.#db.selectFrom('members').selectAll().orderBy('id', 'asc').execute()
    return rows.map((row) => ({
      id: row.id,
      peerAddr: row.peer_addr,
      clientUrl: row.client_url,
      promote: Number(row.promote) === 1,
    }))
  }

  /** Every key with a TTL, to load the expiry sampler at start. */
  async keysWithTtl(): Promise<{ key: string; expiresAt: number; revision: number }[]> {
    const rows = await this.#db
      .selectFrom('kv')
      .select(['k', 'expires_at', 'revision'])
      .where('expires_at', 'is not', null)
      .execute()
    return rows.map((row) => ({
      key: keyText(row.k),
      expiresAt: Number(row.expires_at),
      revision: Number(row.revision),
    }))
  }

  /**
   * Changes after `afterRevision` that match `filter`, oldest first, at most `limit`.
   * `compacted` is true when changes the caller asked for were already trimmed.
   */
  async changesSince(
    afterRevision: number,
    filter: WatchFilter,
    limit: number,
  ): Promise<{ changes: Change[]; compacted: boolean }> {
    if (afterRevision < this.#changesFloor) return { changes: [], compacted: true }
    let query = this.#db
      .selectFrom('changes')
      .select(['revision', 'payload'])
      .where('revision', '>', afterRevision)
      .where('kind', '=', filter.kind)
    if (filter.kind === 'kv') {
      const lower = keyBytes(filter.prefix)
      const upper = prefixUpperBound(lower)
      if (lower.length > 0) query = query.where('topic', '>=', lower)
      if (upper !== undefined) query = query.where('topic', '<', upper)
    } else if (filter.platform !== undefined) {
      query = query.where('topic', '=', keyBytes(filter.platform))
    }
    const rows = await query
      .orderBy('revision', 'asc')
      .orderBy('part', 'asc')
      .limit(limit + 1)
      .execute()
    const changes: Change[] = []
    let last = -1
    for (const row of rows) {
      const revision = Number(row.revision)
      if (revision === last) continue // a version that changed platform has one row per platform
      last = revision
      changes.push(JSON.parse(row.payload) as Change)
    }
    return { changes: changes.slice(0, limit), compacted: false }
  }

  async counts(): Promise<{ keys: number; versions: number; sessions: number }> {
    const [keys, versions] = await Promise.all([
      this.#db
        .selectFrom('kv')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      this.#db
        .selectFrom('versions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ])
    return { keys: Number(keys.n), versions: Number(versions.n), sessions: this.#sessionCount }
  }

  /**
   * Everything a read cache mirrors, read in one transaction: keys, versions, and the latest
   * version of each platform, as of `appliedIndex`.
   */
  async readAll(): Promise<{
    appliedIndex: number
    kv: KvRow[]
    versions: VersionRecord[]
    latest: Map<string, VersionRecord>
  }> {
    return this.#db.transaction().execute(async (trx) => {
      const state = await trx
        .selectFrom('registry_state')
        .select('applied_index')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow()
      const kv = (await trx.selectFrom('kv').selectAll().execute()).map(kvFromRow)
      const rows = await trx
        .selectFrom('versions')
        .selectAll()
        .orderBy('platform')
        .orderBy('sort_key', 'desc')
        .execute()
      const latest = new Map<string, VersionRecord>()
      const versions = rows.map(versionFromRow)
      // Rows come by platform, highest version first: the first of each platform is its latest.
      for (const version of versions)
        if (!latest.has(version.platform)) latest.set(version.platform, version)
      return { appliedIndex: Number(state.applied_index), kv, versions, latest }
    })
  }

  // ---------------------------------------------------------------- snapshots

  /** The replicated state as of `appliedIndex`, read in one transaction (a consistent view). */
  async snapshot(): Promise<Uint8Array> {
    return encodeRegistrySnapshot(await this.#snapshotContent())
  }

  async #snapshotContent(): Promise<RegistrySnapshot> {
    return this.#db.transaction().execute(async (trx) => {
      const state = await trx
        .selectFrom('registry_state')
        .selectAll()
        .where('id', '=', 1)
        .executeTakeFirstOrThrow()
      const kv = await trx.selectFrom('kv').selectAll().execute()
      const versions = await trx.selectFrom('versions').selectAll().execute()
      const sessions = await trx.selectFrom('sessions').selectAll().execute()
      const members = await trx.selectFrom('members').selectAll().execute()
      // Sorted here, by bytes, not by the database's collation: equal states, equal bytes.
      return {
        appliedIndex: Number(state.applied_index),
        kv: kv
          .map(
            (r) =>
              [
                keyText(r.k),
                r.value,
                Number(r.revision),
                r.expires_at === null ? null : Number(r.expires_at),
              ] as const,
          )
          .sort((a, b) => byBytes(a[0], b[0])),
        versions: versions
          .map(
            (r) =>
              [
                r.id,
                r.platform,
                r.version_no,
                Number(r.created_at),
                Number(r.updated_at),
                Number(r.revision),
              ] as const,
          )
          .sort((a, b) => byBytes(a[0], b[0])),
        sessions: sessions
          .map((r) => [r.client_id, Number(r.seq), Number(r.last_used), r.result] as const)
          .sort((a, b) => byBytes(a[0], b[0])),
        members: members
          .map((r) => [r.id, r.peer_addr, r.client_url, Number(r.promote) === 1] as const)
          .sort((a, b) => byBytes(a[0], b[0])),
      }
    })
  }

  /**
   * Replaces the whole state with a snapshot's, in one transaction. Change history before the
   * snapshot is gone afterwards (watchers behind it must re-read).
   */
  async restore(bytes: Uint8Array): Promise<void> {
    const snapshot = decodeRegistrySnapshot(bytes)
    assert(!this.#applying, 'restore during an apply')
    this.#applying = true
    try {
      await this.#db.transaction().execute(async (trx) => {
        for (const table of ['kv', 'versions', 'sessions', 'members', 'changes'] as const) {
          await trx.deleteFrom(table).execute()
        }
        await insertBatches(
          snapshot.kv,
          (r) => r[0].length + r[1].length,
          (rows) =>
            trx
              .insertInto('kv')
              .values(
                rows.map((r) => ({
                  k: keyBytes(r[0]),
                  value: r[1],
                  revision: r[2],
                  expires_at: r[3],
                })),
              )
              .execute(),
        )
        await insertBatches(
          snapshot.versions,
          () => 256,
          (rows) =>
            trx
              .insertInto('versions')
              .values(
                rows.map((r) => {
                  const parsed = parseVersionNo(r[2])
                  assert(
                    parsed !== undefined,
                    () => `snapshot version ${r[0]} has no semantic version`,
                  )
                  return {
                    id: r[0],
                    platform: r[1],
                    version_no: parsed.canonical,
                    sort_key: parsed.sortKey,
                    created_at: r[3],
                    updated_at: r[4],
                    revision: r[5],
                  }
                }),
              )
              .execute(),
        )
        await insertBatches(
          snapshot.sessions,
          (r) => r[3].length + r[0].length,
          (rows) =>
            trx
              .insertInto('sessions')
              .values(
                rows.map((r) => ({ client_id: r[0], seq: r[1], last_used: r[2], result: r[3] })),
              )
              .execute(),
        )
        await insertBatches(
          snapshot.members,
          () => 256,
          (rows) =>
            trx
              .insertInto('members')
              .values(
                rows.map((r) => ({
                  id: r[0],
                  peer_addr: r[1],
                  client_url: r[2],
                  promote: r[3] ? 1 : 0,
                })),
              )
              .execute(),
        )
        await trx
          .updateTable('registry_state')
          .set({
            applied_index: snapshot.appliedIndex,
            session_count: snapshot.sessions.length,
            changes_floor: snapshot.appliedIndex,
          })
          .where('id', '=', 1)
          .execute()
      })
      this.#appliedIndex = snapshot.appliedIndex
      this.#sessionCount = snapshot.sessions.length
      this.#changesFloor = snapshot.appliedIndex
    } finally {
      this.#applying = false
    }
  }

  /** A fingerprint of the replicated state: replicas at the same index have equal digests. */
  async digest(): Promise<string> {
    return createHash('sha256')
      .update(await this.snapshot())
      .digest('hex')
  }

  async close(): Promise<void> {
    await this.#onClose()
  }
}

function kvFromRow(row: RegistryDatabase['kv']): KvRow {
  const base = { key: keyText(row.k), value: row.value, revision: Number(row.revision) }
  return row.expires_at === null ? base : { ...base, expiresAt: Number(row.expires_at) }
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

async function insertBatches<Row>(
  rows: readonly Row[],
  sizeOf: (row: Row) => number,
  insert: (batch: Row[]) => Promise<unknown>,
): Promise<void> {
  let batch: Row[] = []
  let bytes = 0
  for (const row of rows) {
    batch.push(row)
    bytes += sizeOf(row)
    if (batch.length >= restoreBatchRows || bytes >= restoreBatchBytes) {
      await insert(batch)
      batch = []
      bytes = 0
    }
  }
  if (batch.length > 0) await insert(batch)
}
