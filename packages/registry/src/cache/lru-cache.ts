import { assert } from '../assert.js'

export interface LruCacheOptions {
  /** Entries held at most. */
  readonly capacity: number
  /**
   * The share of the capacity evicted at once when the cache is full (seed 001's "eviction
   * ratio"), least recently used first. Evicting in batches keeps the common insert path free of
   * per-insert eviction work; 0 evicts one entry at a time.
   */
  readonly evictionRatio: number
}

export interface CacheStats {
  readonly hits: number
  readonly misses: number
  readonly evictions: number
  readonly size: number
  readonly capacity: number
}

/**
 * An in-process least-recently-used cache. A Map keeps insertion order, so re-inserting on each
 * hit makes its first entry the least recently used one; every operation is O(1) (eviction is
 * O(batch)).
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, V>()
  readonly #capacity: number
  readonly #evictBatch: number
  #hits = 0
  #misses = 0
  #evictions = 0

  constructor(options: LruCacheOptions) {
    assert(
      Number.isSafeInteger(options.capacity) && options.capacity >= 0,
      `cache capacity ${options.capacity}`,
    )
    assert(
      options.evictionRatio >= 0 && options.evictionRatio <= 1,
      `eviction ratio ${options.evictionRatio} is outside 0..1`,
    )
    this.#capacity = options.capacity
    this.#evictBatch = Math.max(1, Math.floor(options.capacity * options.evictionRatio))
  }

  /** The cached value, counted as a hit or a miss. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    this.#entries.delete(key)
    this.#entries.set(key, value)
    return value
  }

  /** Whether the key is cached, without counting or touching it. */
  has(key: K): boolean {
    return this.#entries.has(key)
  }

  set(key: K, value: V): void {
    if (this.#capacity === 0) return
    if (this.#entries.has(key)) this.#entries.delete(key)
    else if (this.#entries.size >= this.#capacity) this.#evict()
    this.#entries.set(key, value)
  }

  delete(key: K): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }

  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      size: this.#entries.size,
      capacity: this.#capacity,
    }
  }

  #evict(): void {
    let left = this.#evictBatch
    for (const key of this.#entries.keys()) {
      if (left-- <= 0) break
      this.#entries.delete(key)
      this.#evictions++
    }
  }
}
