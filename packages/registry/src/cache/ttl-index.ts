/** A key with a TTL, and the revision of the write that set it. */
export interface TtlEntry {
  readonly key: string
  readonly expiresAt: number
  readonly revision: number
}

/**
 * The keys that have a TTL, held in memory for Redis-style active expiry: sample a few at random,
 * expire those due, and sample again while many were due. Random sampling keeps the cost per
 * round fixed however many keys have a TTL, and a key that is due is found quickly on average.
 * The sampler only decides what the leader proposes: expiry itself goes through the log.
 *
 * An array plus an index map gives O(1) insert, delete and uniform random pick.
 */
export class TtlIndex {
  readonly #entries: TtlEntry[] = []
  readonly #position = new Map<string, number>()

  get size(): number {
    return this.#entries.length
  }

  set(entry: TtlEntry): void {
    const at = this.#position.get(entry.key)
    if (at !== undefined) {
      this.#entries[at] = entry
      return
    }
    this.#position.set(entry.key, this.#entries.length)
    this.#entries.push(entry)
  }

  delete(key: string): void {
    const at = this.#position.get(key)
    if (at === undefined) return
    const last = this.#entries.pop()!
    this.#position.delete(key)
    if (at < this.#entries.length) {
      this.#entries[at] = last
      this.#position.set(last.key, at)
    }
  }

  get(key: string): TtlEntry | undefined {
    const at = this.#position.get(key)
    return at === undefined ? undefined : this.#entries[at]
  }

  clear(): void {
    this.#entries.length = 0
    this.#position.clear()
  }

  /**
   * Redis's active expiry cycle: up to `rounds` rounds of `sampleSize` random keys; a round that
   * finds fewer than a quarter due ends the cycle. Returns the due entries (distinct keys).
   */
  sampleDue(
    now: number,
    options: { sampleSize: number; rounds: number; random: (n: number) => number },
  ): TtlEntry[] {
    const due = new Map<string, TtlEntry>()
    if (this.#entries.length === 0) return []
    // With few keys, looking at all of them is cheaper than sampling and misses nothing.
    if (this.#entries.length <= options.sampleSize) {
      for (const entry of this.#entries) if (entry.expiresAt <= now) due.set(entry.key, entry)
      return [...due.values()]
    }
    for (let round = 0; round < options.rounds; round++) {
      let dueInRound = 0
      for (let i = 0; i < options.sampleSize; i++) {
        const entry = this.#entries[options.random(this.#entries.length)]!
        if (entry.expiresAt <= now) {
          dueInRound++
          due.set(entry.key, entry)
        }
      }
      if (dueInRound * 4 < options.sampleSize) break
    }
    return [...due.values()]
  }
}
