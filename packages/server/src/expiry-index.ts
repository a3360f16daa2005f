/**
 * The expiry times of keys with a TTL: a map for lookups plus a min-heap by time, so the leader
 * finds the keys that are due in O(log n) each instead of scanning (a scan that always starts at
 * the same keys can miss due ones behind a long run of keys that are not).
 *
 * Heap entries are not removed when a key's expiry changes or goes; they are skipped when they
 * surface and no longer match the map (lazy deletion). The heap is rebuilt when stale entries
 * outnumber live ones, so it stays within twice the live size.
 */
export class ExpiryIndex {
  readonly #byKey = new Map<string, number>()
  #heap: { at: number; key: string }[] = []

  get size(): number {
    return this.#byKey.size
  }

  get(key: string): number | undefined {
    return this.#byKey.get(key)
  }

  has(key: string): boolean {
    return this.#byKey.has(key)
  }

  set(key: string, at: number): void {
    this.#byKey.set(key, at)
    this.#push({ at, key })
    if (this.#heap.length > 2 * this.#byKey.size + 64) this.#rebuild()
  }

  delete(key: string): void {
    this.#byKey.delete(key)
  }

  clear(): void {
    this.#byKey.clear()
    this.#heap = []
  }

  entries(): IterableIterator<[string, number]> {
    return this.#byKey.entries()
  }

  /** Up to `limit` keys whose expiry is at or before `now`, earliest first. Changes nothing visible. */
  due(now: number, limit: number): string[] {
    const keys: string[] = []
    const skipped: { at: number; key: string }[] = []
    while (keys.length < limit && this.#heap.length > 0) {
      const top = this.#heap[0]!
      if (top.at > now) break
      this.#pop()
      if (this.#byKey.get(top.key) !== top.at) continue // stale: changed or deleted since
      keys.push(top.key)
      skipped.push(top)
    }
    // Due keys stay until an `expire` command removes them through the log.
    for (const entry of skipped) this.#push(entry)
    return keys
  }

  #rebuild(): void {
    this.#heap = []
    for (const [key, at] of this.#byKey) this.#push({ at, key })
  }

  #push(entry: { at: number; key: string }): void {
    const heap = this.#heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.at <= entry.at) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = entry
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()!
    if (heap.length === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left
      if (heap[child]!.at >= last.at) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
  }
}
