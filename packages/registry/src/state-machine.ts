import type { CommandEntry, LogIndex, Snapshot } from '@raftkit/raft'
import type { StateMachine } from '@raftkit/replica'
import type { NodeStateMachine } from '@raftkit/server'
import { LruCache, type CacheStats } from './cache/lru-cache.js'
import { RedisReadCache, type RedisCacheStats } from './cache/redis-read-cache.js'
import { TtlIndex, type TtlEntry } from './cache/ttl-index.js'
import { decodeRegistryCommand } from './command-codec.js'
import type { MemberRecord, RegistryCommand, RegistryResult } from './commands.js'
import type { KvRow, RegistryStore, VersionPage } from './store/registry-store.js'
import type { VersionCursor } from './versions/cursor.js'
import type { VersionRecord } from './versions/version-record.js'
import type { Change } from './watch/change.js'
import { WatchHub } from './watch/watch-hub.js'

export interface RegistryStateMachineOptions {
  readonly store: RegistryStore
  /** The in-process LRU read cache (seed 001's memory DB): entries and eviction ratio. */
  readonly cache?: { readonly capacity: number; readonly evictionRatio: number }
  /** The optional Redis read cache, for `consistency=stale` reads. */
  readonly redis?: {
    readonly url: string
    readonly prefix: string
    readonly resyncIntervalMs: number
  }
  readonly logger?: {
    warn(fields: object, message: string): void
    info(fields: object, message: string): void
  }
  /** Random integers in [0, n) for expiry sampling (injected so tests can seed it). */
  readonly random?: (n: number) => number
}

/** A replayed entry: the store had applied it before the node restarted. */
export const alreadyApplied: RegistryResult = { t: 'invalid', message: 'applied before a restart' }

/**
 * The replicated state machine of a node: log entries are applied to the SQL store (one
 * transaction each, with the applied index), then the in-process caches, the TTL sampler, the
 * member table, the watch hub and the Redis mirror learn of the change — in that order, so
 * nothing outside the store ever runs ahead of it.
 *
 * On restart the Raft core hands out entries after its snapshot again; those the store already
 * applied are skipped by index, so no command is applied twice.
 */
export class RegistryStateMachine implements StateMachine<RegistryResult>, NodeStateMachine {
  readonly store: RegistryStore
  readonly watches: WatchHub
  readonly redis: RedisReadCache | undefined
  readonly #kvCache: LruCache<string, KvRow | null>
  readonly #versionCache: LruCache<string, VersionRecord | null>
  readonly #latestCache: LruCache<string, VersionRecord | null>
  readonly #ttl = new TtlIndex()
  readonly #members = new Map<string, MemberRecord>()
  readonly #random: (n: number) => number
  /** Bumped after every apply that changed something: reads begun before it must not fill the cache. */
  #epoch = 0
  /** The last index whose changes were handed to watchers. */
  #publishedIndex = 0

  private constructor(options: RegistryStateMachineOptions) {
    this.store = options.store
    const cache = options.cache ?? { capacity: 10_000, evictionRatio: 0.1 }
    this.#kvCache = new LruCache(cache)
    this.#versionCache = new LruCache(cache)
    this.#latestCache = new LruCache({
      capacity: Math.min(cache.capacity, 1024),
      evictionRatio: cache.evictionRatio,
    })
    this.#random = options.random ?? ((n) => Math.floor(Math.random() * n))
    this.#publishedIndex = options.store.appliedIndex
    const store = options.store
    const published = (): number => this.#publishedIndex
    this.watches = new WatchHub({
      changesSince: (after, filter, limit) => store.changesSince(after, filter, limit),
      get appliedIndex() {
        return published()
      },
      get changesFloor() {
        return store.changesFloor
      },
    })
    this.redis =
      options.redis === undefined
        ? undefined
        : new RedisReadCache({
            ...options.redis,
            source: store,
            ...(options.logger !== undefined ? { logger: options.logger } : {}),
          })
  }

  /** Builds the state machine over an open store and loads its in-memory mirrors. */
  static async open(options: RegistryStateMachineOptions): Promise<RegistryStateMachine> {
    const machine = new RegistryStateMachine(options)
    await machine.#loadMirrors()
    machine.redis?.start()
    return machine
  }

  async #loadMirrors(): Promise<void> {
    this.#ttl.clear()
    for (const entry of await this.store.keysWithTtl()) this.#ttl.set(entry)
    this.#members.clear()
    for (const member of await this.store.members()) this.#members.set(member.id, member)
  }

  /**
   * The log index of the last entry whose effects are durable in the store (the replica's port:
   * it restores only newer snapshots and hands out only later entries).
   */
  appliedIndex(): LogIndex {
    return this.store.appliedIndex as LogIndex
  }

  async apply(entry: CommandEntry): Promise<RegistryResult> {
    const [result] = await this.applyBatch([entry])
    return result!
  }

  /** Applies consecutive entries in one store transaction, then tells the caches and watchers. */
  async applyBatch(entries: readonly CommandEntry[]): Promise<RegistryResult[]> {
    const fresh = entries.filter((entry) => entry.index > this.store.appliedIndex)
    const decoded = fresh.map((entry) => decodeRegistryCommand(entry.data))
    const outcomes = await this.store.applyBatch(
      fresh.map((entry, i) => ({
        index: entry.index,
        command: decoded[i]!.ok ? (decoded[i] as { command: RegistryCommand }).command : undefined,
      })),
    )
    const byIndex = new Map<number, RegistryResult>()
    fresh.forEach((entry, i) => {
      const d = decoded[i]!
      if (d.ok) {
        const command = d.command
        if (command.t === 'member') this.#members.set(command.member.id, command.member)
        else if (command.t === 'member-remove') this.#members.delete(command.id)
      }
      this.#afterChanges(entry.index, outcomes[i]!.changes)
      byIndex.set(entry.index, d.ok ? outcomes[i]!.result : { t: 'invalid', message: d.error })
    })
    // Entries the store had applied before a restart are answered as such.
    return entries.map((entry) => byIndex.get(entry.index) ?? alreadyApplied)
  }

  #afterChanges(index: number, changes: readonly Change[]): void {
    if (changes.length > 0) this.#epoch++
    for (const change of changes) {
      if (change.kind === 'kv') {
        this.#kvCache.delete(change.key)
        if (change.type === 'put' && change.expiresAt !== undefined) {
          this.#ttl.set({ key: change.key, expiresAt: change.expiresAt, revision: change.revision })
        } else {
          this.#ttl.delete(change.key)
        }
        continue
      }
      this.#versionCache.delete(change.version.id)
      this.#invalidateLatest(change.version.platform)
      if (change.previous !== undefined) this.#invalidateLatest(change.previous.platform)
    }
    this.#publishedIndex = index
    this.watches.publish(changes)
    this.redis?.applied(index, changes)
  }

  #invalidateLatest(platform: string): void {
    this.#latestCache.delete(`${platform}\u0000all`)
    this.#latestCache.delete(`${platform}\u0000release`)
  }

  snapshot(): Promise<Uint8Array> {
    return this.store.snapshot()
  }

  /**
   * Replaces the state with a snapshot's. At start the replica restores its latest snapshot
   * first; when the store is already at or past it (it applied entries after the snapshot before
   * the restart), the store is kept as it is.
   */
  async restore(snapshot: Snapshot): Promise<void> {
    if (snapshot.meta.index <= this.store.appliedIndex) return
    await this.store.restore(snapshot.data)
    this.#kvCache.clear()
    this.#versionCache.clear()
    this.#latestCache.clear()
    this.#epoch++
    await this.#loadMirrors()
    this.#publishedIndex = this.store.appliedIndex
    this.watches.reset()
    this.redis?.resync()
  }

  // ---------------------------------------------------------------- reads (local state)

  /** A key as a reader at `now` sees it: keys past their expiry read as absent. */
  async read(key: string, now: number): Promise<KvRow | undefined> {
    const row = await this.#cached(this.#kvCache, key, () => this.store.getKv(key))
    if (row === undefined || (row.expiresAt !== undefined && row.expiresAt <= now)) return undefined
    return row
  }

  /** A stale read: from Redis when it is configured and complete, else the local store. */
  async readStale(key: string, now: number): Promise<KvRow | undefined> {
    if (this.redis !== undefined) {
      const answer = await this.redis.getKv(key, now)
      if (answer.hit) return answer.value
    }
    return this.read(key, now)
  }

  list(
    prefix: string,
    limit: number,
    after: string | undefined,
    now: number,
  ): Promise<{ items: KvRow[]; more: boolean }> {
    return this.store.listKv(prefix, { after, limit, now })
  }

  getVersion(id: string): Promise<VersionRecord | undefined> {
    return this.#cached(this.#versionCache, id, () => this.store.getVersion(id))
  }

  async getVersionStale(id: string): Promise<VersionRecord | undefined> {
    if (this.redis !== undefined) {
      const answer = await this.redis.getVersion(id)
      if (answer.hit) return answer.value
    }
    return this.getVersion(id)
  }

  latestVersion(platform: string, includePrerelease = true): Promise<VersionRecord | undefined> {
    const key = `${platform}\u0000${includePrerelease ? 'all' : 'release'}`
    return this.#cached(this.#latestCache, key, () =>
      this.store.latestVersion(platform, { includePrerelease }),
    )
  }

  async latestVersionStale(
    platform: string,
    includePrerelease = true,
  ): Promise<VersionRecord | undefined> {
    if (this.redis !== undefined && includePrerelease) {
      const answer = await this.redis.latest(platform)
      if (answer.hit) return answer.value
    }
    return this.latestVersion(platform, includePrerelease)
  }

  listVersions(options: {
    platform?: string | undefined
    limit: number
    after?: VersionCursor | undefined
    order?: 'asc' | 'desc'
  }): Promise<VersionPage> {
    return this.store.listVersions(options)
  }

  async #cached<T>(
    cache: LruCache<string, T | null>,
    key: string,
    load: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const hit = cache.get(key)
    if (hit !== undefined) return hit ?? undefined
    const epoch = this.#epoch
    const value = await load()
    // An apply that finished while this read was in flight may have invalidated the key after
    // the read saw the old row; caching that row would serve it forever.
    if (epoch === this.#epoch) cache.set(key, value ?? null)
    return value
  }

  // ---------------------------------------------------------------- members and expiry

  member(id: string): MemberRecord | undefined {
    return this.#members.get(id)
  }

  members(): MemberRecord[] {
    return [...this.#members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /**
   * Redis-style active expiry: keys with a TTL that are due, found by sampling. The leader
   * proposes an `expire` for each; the log decides, so every replica agrees.
   */
  sampleExpired(now: number, sampleSize = 20): TtlEntry[] {
    return this.#ttl.sampleDue(now, { sampleSize, rounds: 4, random: this.#random })
  }

  /** The node's expiry duty asks for at most `limit` due keys; found by sampling. */
  dueForExpiry(now: number, limit: number): { key: string; revision: number }[] {
    return this.sampleExpired(now)
      .slice(0, limit)
      .map((entry) => ({ key: entry.key, revision: entry.revision }))
  }

  get keysWithTtl(): number {
    return this.#ttl.size
  }

  cacheStats(): {
    kv: CacheStats
    versions: CacheStats
    latest: CacheStats
    redis: RedisCacheStats | undefined
  } {
    return {
      kv: this.#kvCache.stats(),
      versions: this.#versionCache.stats(),
      latest: this.#latestCache.stats(),
      redis: this.redis?.stats(),
    }
  }

  async close(): Promise<void> {
    this.watches.closeAll('the node is stopping')
    await this.redis?.close()
    await this.store.close()
  }
}
