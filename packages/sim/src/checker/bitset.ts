const fullWord = 0xffff_ffff

/**
 * A fixed-size set of small integers (operation numbers), one bit each in 32-bit words.
 *
 * The search keys its cache by the set of operations linearized so far. Operations are numbered
 * in call order and the search linearizes old operations before it gets far past them, so the set
 * is nearly always a run of full words, a few mixed words, then empty ones. `key()` encodes only
 * the mixed middle, which keeps cache keys short however long the history is.
 */
export class Bitset {
  readonly #words: Uint32Array

  constructor(sizeBits: number) {
    this.#words = new Uint32Array(Math.ceil(sizeBits / 32))
  }

  has(bit: number): boolean {
    return ((this.#words[bit >>> 5]! >>> (bit & 31)) & 1) === 1
  }

  set(bit: number): void {
    this.#words[bit >>> 5]! |= 1 << (bit & 31)
  }

  clear(bit: number): void {
    this.#words[bit >>> 5]! &= ~(1 << (bit & 31))
  }

  /** A copy of the words, for `includes`. */
  snapshot(): Uint32Array {
    return this.#words.slice()
  }

  /** Whether every bit set in `snapshot` (taken from a set of the same size) is set here. */
  includes(snapshot: Uint32Array): boolean {
    const words = this.#words
    for (let index = 0; index < words.length; index++) {
      if ((snapshot[index]! & ~words[index]!) !== 0) return false
    }
    return true
  }

  /**
   * A string that identifies the set among all sets of the same size. It is prefix-free (it
   * starts with its own length), so other text can follow it in a cache key without ambiguity.
   */
  key(): string {
    const words = this.#words
    let start = 0
    while (start < words.length && words[start] === fullWord) start++
    let end = words.length
    while (end > start && words[end - 1] === 0) end--
    const count = end - start
    let key = String.fromCharCode(start & 0xffff, start >>> 16, count & 0xffff, count >>> 16)
    for (let index = start; index < end; index++) {
      const word = words[index]!
      key += String.fromCharCode(word & 0xffff, word >>> 16)
    }
    return key
  }
}
