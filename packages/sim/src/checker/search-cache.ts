import type { Bitset } from './bitset.js'

/**
 * The configurations the search has entered, so that it never searches from one twice (Lowe's
 * memoization). A configuration is the set of determinate operations linearized, the set of
 * indeterminate ones linearized, and the model state reached.
 *
 * Beyond exact repeats, a configuration is dominated, and pruned, when another was entered with
 * the same determinate set and state but only a subset of its indeterminate operations. Whatever
 * the search could still do from the bigger set it can do from the smaller one, because an
 * indeterminate operation never has to be placed and never has to precede anything. So whether or
 * not the smaller configuration has a completion, searching from the bigger one adds nothing.
 */
export class SearchCache {
  // Keyed by determinate set and state; each value lists the indeterminate sets seen with them.
  readonly #seen = new Map<string, Uint32Array[]>()

  /** Whether a configuration was entered before, or is dominated by one that was. */
  covers(determinateKey: string, stateHash: string | number, indeterminate: Bitset): boolean {
    const seen = this.#seen.get(cacheKey(determinateKey, stateHash))
    return seen !== undefined && seen.some((subset) => indeterminate.includes(subset))
  }

  /** Records a configuration; returns false, recording nothing, if it is covered already. */
  enter(determinateKey: string, stateHash: string | number, indeterminate: Bitset): boolean {
    const key = cacheKey(determinateKey, stateHash)
    const seen = this.#seen.get(key)
    if (seen === undefined) {
      this.#seen.set(key, [indeterminate.snapshot()])
      return true
    }
    if (seen.some((subset) => indeterminate.includes(subset))) return false
    seen.push(indeterminate.snapshot())
    return true
  }
}

// The determinate key is prefix-free, so joining it to the hash cannot make two keys collide.
function cacheKey(determinateKey: string, stateHash: string | number): string {
  return `${determinateKey}|${String(stateHash)}`
}
