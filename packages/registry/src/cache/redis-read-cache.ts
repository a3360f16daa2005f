import { Redis } from 'ioredis'
import type { KvRow } from '../store/registry-store.js'
import type { VersionRecord } from '../versions/version-record.js'
import type { Change } from '../watch/change.js'

/** What the Redis cache mirrors, read from the node's store. */
export interface RedisCacheSource {
  readAll(): Promise<{
    appliedIndex: number
    kv: KvRow[]
    versions: VersionRecord[]
    latest: Map<string, VersionRecord>
  }>
  latestVersion(platform: string): Promise<VersionRecord | undefined>
}

export interface RedisReadCacheOptions {
  readonly url: string
  /** Key prefix; one per node, so nodes sharing a Redis never overwrite each other's view. */
  readonly prefix: string
  /** Full re-sync from the store every this many ms (seed 001's periodic DB → cache sync). */
  readonly resyncIntervalMs: number
  readonly source: RedisCacheSource
  readonly logger?: {
    warn(fields: object, message: string): void
    info(fields: object, message: string): void
  }
}

/** A cached answer: `hit` with the value (or undefined: known absent), or `miss`: ask the store. */
export type CacheAnswer<T> =
  { readonly hit: true; readonly value: T | undefined } | { readonly hit: false }

export interface RedisCacheStats {
  readonly hits: number
  readonly misses: number
  readonly errors: number
  readonly resyncs: number
  /** The applied index the mirror reflects, as of its last write. */
  readonly appliedIndex: number
  /** True between a completed full sync and the first failed write after it. */
  readonly synced: boolean
}

/** Pending write batches at most; past it, the queue is dropped and a full re-sync follows. */
const pendingBatchesMax = 10_000
const scanCount = 1000
const writeBatchKeys = 1000

/**
 * An optional read cache in Redis (seed 001), a mirror of the node's state machine: every
 * applied change is written through, in apply order, by one queue; a full re-sync from the
 * store runs at start and then on an interval, which repairs anything a failed write missed.
 * It serves reads that ask for `consistency=stale`. While it is not known to be complete (before
 * the first sync, after a failed write) it answers `miss` and the node reads its own store.
 */
export class RedisReadCache {
  readonly #redis: Redis
  readonly #options: RedisReadCacheOptions
  #queue: Promise<void> = Promise.resolve()
  #pending = 0
  #synced = false
  #resyncing = false
  #appliedIndex = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false
  #hits = 0
  #misses = 0
  #errors = 0
  #resyncs = 0

  constructor(options: RedisReadCacheOptions) {
    this.#options = options
    this.#redis = new Redis(options.url, {
      lazyConnect: true,
      // Fail fast while Redis is down: the node falls back to its own store.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(200 * times, 5000),
    })
    this.#redis.on('error', (error: Error) => {
      this.#errors++
      this.#synced = false
      options.logger?.warn({ err: error.message }, 'redis cache: connection error')
    })
    this.#redis.on('ready', () => this.resync())
  }

  /** Connects and runs the first full sync in the background; the node does not wait for Redis. */
  start(): void {
    this.#redis.connect().catch((error: Error) => {
      this.#options.logger?.warn({ err: error.message }, 'redis cache: could not connect; retrying')
    })
    this.#timer = setInterval(() => this.resync(), this.#options.resyncIntervalMs)
    this.#timer.unref()
  }

  /** Mirrors one applied entry's changes (called in apply order). */
  applied(index: number, changes: readonly Change[]): void {
    if (this.#closed) return
    if (changes.length === 0) {
      this.#appliedIndex = Math.max(this.#appliedIndex, index)
      return
    }
    if (!this.#synced && !this.#resyncing) return // the next full sync covers it
    this.#enqueue(async () => {
      const pipeline = this.#redis.pipeline()
      const platforms = new Set<string>()
      for (const change of changes) {
        if (change.kind === 'kv') {
          if (change.type === 'put') {
            this.#setKv(pipeline, {
              key: change.key,
              value: change.value,
              revision: change.revision,
              ...(change.expiresAt !== undefined ? { expiresAt: change.expiresAt } : {}),
            })
          } else pipeline.del(this.#key('kv', change.key))
          continue
        }
        if (change.type === 'delete') pipeline.del(this.#key('version', change.version.id))
        else pipeline.set(this.#key('version', change.version.id), JSON.stringify(change.version))
        platforms.add(change.version.platform)
        if (change.previous !== undefined) platforms.add(change.previous.platform)
      }
      for (const platform of platforms) {
        const latest = await this.#options.source.latestVersion(platform)
        if (latest === undefined) pipeline.del(this.#key('latest', platform))
        else pipeline.set(this.#key('latest', platform), JSON.stringify(latest))
      }
      pipeline.hset(this.#key('meta', 'state'), 'appliedIndex', String(index))
      await execPipeline(pipeline)
      this.#appliedIndex = Math.max(this.#appliedIndex, index)
    })
  }

  /** Re-reads the whole store and makes Redis match it (queued behind pending writes). */
  resync(): void {
    if (this.#closed || this.#resyncing || this.#redis.status !== 'ready') return
    this.#resyncing = true
    this.#enqueue(async () => {
      try {
        await this.#fullSync()
        this.#synced = true
        this.#resyncs++
      } finally {
        this.#resyncing = false
      }
    })
  }

  async #fullSync(): Promise<void> {
    const state = await this.#options.source.readAll()
    const wanted = new Set<string>()
    let pipeline = this.#redis.pipeline()
    let inBatch = 0
    const flush = async (): Promise<void> => {
      if (inBatch === 0) return
      await execPipeline(pipeline)
      pipeline = this.#redis.pipeline()
      inBatch = 0
    }
    const add = async (key: string, write: () => void): Promise<void> => {
      wanted.add(key)
      write()
      if (++inBatch >= writeBatchKeys) await flush()
    }
    for (const row of state.kv)
      await add(this.#key('kv', row.key), () => this.#setKv(pipeline, row))
    for (const version of state.versions) {
      const key = this.#key('version', version.id)
      await add(key, () => pipeline.set(key, JSON.stringify(version)))
    }
    for (const [platform, version] of state.latest) {
      const key = this.#key('latest', platform)
      await add(key, () => pipeline.set(key, JSON.stringify(version)))
    }
    await flush()
    // Remove what the store no longer has.
    const meta = this.#key('meta', 'state')
    let cursor = '0'
    do {
      const [next, keys] = await this.#redis.scan(
        cursor,
        'MATCH',
        `${escapeGlob(this.#options.prefix)}*`,
        'COUNT',
        scanCount,
      )
      cursor = next
      const stale = keys.filter((key) => !wanted.has(key) && key !== meta)
      if (stale.length > 0) await this.#redis.del(...stale)
    } while (cursor !== '0')
    await this.#redis.hset(
      meta,
      'appliedIndex',
      String(state.appliedIndex),
      'syncedAt',
      new Date().toISOString(),
    )
    this.#appliedIndex = Math.max(this.#appliedIndex, state.appliedIndex)
  }

  #setKv(pipeline: ReturnType<Redis['pipeline']>, row: KvRow): void {
    const key = this.#key('kv', row.key)
    const json = JSON.stringify(row)
    // Redis drops the key itself at its expiry; readers also check expiresAt against their clock.
    if (row.expiresAt !== undefined) pipeline.set(key, json, 'PXAT', row.expiresAt)
    else pipeline.set(key, json)
  }

  #enqueue(job: () => Promise<void>): void {
    if (this.#pending >= pendingBatchesMax) {
      // Redis is far behind: stop queueing; the next full sync starts from the store.
      this.#synced = false
      return
    }
    this.#pending++
    this.#queue = this.#queue
      .then(job)
      .catch((error: Error) => {
        this.#errors++
        this.#synced = false
        this.#options.logger?.warn(
          { err: error.message },
          'redis cache: write failed; re-sync follows',
        )
      })
      .finally(() => {
        this.#pending--
      })
  }

  /** Waits until every queued write and sync has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#queue
  }

  async getKv(key: string, now: number): Promise<CacheAnswer<KvRow>> {
    const answer = await this.#get<KvRow>(this.#key('kv', key))
    if (answer.hit && answer.value?.expiresAt !== undefined && answer.value.expiresAt <= now) {
      return { hit: true, value: undefined }
    }
    return answer
  }

  getVersion(id: string): Promise<CacheAnswer<VersionRecord>> {
    return this.#get<VersionRecord>(this.#key('version', id))
  }

  latest(platform: string): Promise<CacheAnswer<VersionRecord>> {
    return this.#get<VersionRecord>(this.#key('latest', platform))
  }

  async #get<T>(key: string): Promise<CacheAnswer<T>> {
    if (!this.#synced || this.#redis.status !== 'ready') {
      this.#misses++
      return { hit: false }
    }
    try {
      const text = await this.#redis.get(key)
      this.#hits++
      return { hit: true, value: text === null ? undefined : (JSON.parse(text) as T) }
    } catch (error) {
      this.#errors++
      this.#misses++
      this.#options.logger?.warn({ err: (error as Error).message }, 'redis cache: read failed')
      return { hit: false }
    }
  }

  get synced(): boolean {
    return this.#synced
  }

  stats(): RedisCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      errors: this.#errors,
      resyncs: this.#resyncs,
      appliedIndex: this.#appliedIndex,
      synced: this.#synced,
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    await this.#queue
    this.#redis.disconnect()
  }

  #key(kind: 'kv' | 'version' | 'latest' | 'meta', name: string): string {
    return `${this.#options.prefix}${kind}:${name}`
  }
}

async function execPipeline(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? []
  for (const [error] of results) if (error) throw error
}

/** Escapes Redis glob characters in a prefix used with SCAN MATCH. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)
}
