/**
 * The keys of the store in code-unit order (the same on every replica and runtime), so a prefix
 * listing costs O(log n + items) instead of sorting every key on every request.
 *
 * A list of sorted chunks of at most `chunkKeysMax` keys each: an insert or delete moves at most
 * a chunk's worth of pointers, and the chunk list changes only when a chunk splits or empties
 * (a B-tree with two levels, which is plenty below tens of millions of keys).
 */
const chunkKeysMax = 512

export class SortedKeys {
  #chunks: string[][] = []
  #size = 0

  get size(): number {
    return this.#size
  }

  clear(): void {
    this.#chunks = []
    this.#size = 0
  }

  /** Replaces the contents with `keys`, which must be sorted and distinct. */
  resetSorted(keys: readonly string[]): void {
    this.#chunks = []
    for (let i = 0; i < keys.length; i += chunkKeysMax / 2) {
      this.#chunks.push(keys.slice(i, i + chunkKeysMax / 2))
    }
    this.#size = keys.length
  }

  has(key: string): boolean {
    const chunk = this.#chunks[this.#chunkFor(key)]
    if (chunk === undefined) return false
    const at = lowerBound(chunk, key)
    return chunk[at] === key
  }

  add(key: string): void {
    if (this.#chunks.length === 0) {
      this.#chunks.push([key])
      this.#size = 1
      return
    }
    const c = this.#chunkFor(key)
    const chunk = this.#chunks[c]!
    const at = lowerBound(chunk, key)
    if (chunk[at] === key) return
    chunk.splice(at, 0, key)
    this.#size++
    if (chunk.length > chunkKeysMax) {
      const half = chunk.splice(chunk.length >> 1)
      this.#chunks.splice(c + 1, 0, half)
    }
  }

  delete(key: string): void {
    const c = this.#chunkFor(key)
    const chunk = this.#chunks[c]
    if (chunk === undefined) return
    const at = lowerBound(chunk, key)
    if (chunk[at] !== key) return
    chunk.splice(at, 1)
    this.#size--
    if (chunk.length === 0) this.#chunks.splice(c, 1)
  }

  /** Keys at or after `from`, in order. */
  *from(from: string): Generator<string> {
    let c = this.#chunkFor(from)
    let at = c < this.#chunks.length ? lowerBound(this.#chunks[c]!, from) : 0
    for (; c < this.#chunks.length; c++, at = 0) {
      const chunk = this.#chunks[c]!
      for (let i = at; i < chunk.length; i++) yield chunk[i]!
    }
  }

  /** Every key, in order. */
  all(): Generator<string> {
    return this.from('')
  }

  /** The chunk whose range holds `key`: the last chunk whose first key is <= key (or the first). */
  #chunkFor(key: string): number {
    let low = 0
    let high = this.#chunks.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if (this.#chunks[mid]![0]! <= key) low = mid
      else high = mid - 1
    }
    return low
  }
}

/** The first index in sorted `keys` whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (keys[mid]! < key) low = mid + 1
    else high = mid
  }
  return low
}
