import type { Random } from '@raftkit/raft'
import { assert } from './assert.js'

const twoTo32 = 0x1_0000_0000

/**
 * A seeded pseudo-random number generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128 bits of state, passes PractRand and BigCrush), seeded through splitmix32 so that
 * neighbouring seeds give unrelated streams. Not cryptographic.
 *
 * `fork(label)` derives an independent stream from this generator's seed and the label, without
 * drawing from this stream. The simulator gives each concern its own fork (network, faults,
 * workload, each node's election timer), so that a change in how often one concern draws does not
 * shift what the others see, and a failing seed stays reproducible while unrelated code changes.
 */
export class PRNG implements Random {
  /** The 32-bit key this stream was derived from; forks hash it with their label. */
  #key: number
  #a = 0
  #b = 0
  #c = 0
  #d = 0

  /** `seed` is any safe integer; all its bits matter. */
  constructor(seed: number) {
    assert(Number.isSafeInteger(seed), () => `PRNG seed must be a safe integer, not ${seed}`)
    const low = seed >>> 0
    const high = Math.floor(seed / twoTo32) >>> 0
    this.#key = fmix32(low ^ fmix32(high + 0x9e3779b9))
    this.#seedFrom(this.#key)
  }

  /** An independent stream for `label`. The same label always gives the same stream. */
  fork(label: string): PRNG {
    let key = this.#key ^ 0x5bd1e995
    for (let i = 0; i < label.length; i++) key = Math.imul(key ^ label.charCodeAt(i), 0x01000193)
    const child = new PRNG(0)
    child.#key = fmix32(key ^ label.length)
    child.#seedFrom(child.#key)
    return child
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    // sfc32: a += b-mix, with a counter in d so the period is at least 2^32.
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  /** An integer in [0, boundExclusive), without modulo bias. `boundExclusive` is 1..2^32. */
  nextInt(boundExclusive: number): number {
    assert(
      Number.isInteger(boundExclusive) && boundExclusive >= 1 && boundExclusive <= twoTo32,
      () => `nextInt bound must be an integer in 1..2^32, not ${boundExclusive}`,
    )
    // Reject the few values at the bottom that would make some results more likely.
    const threshold = (twoTo32 - boundExclusive) % boundExclusive
    for (;;) {
      const value = this.nextUint32()
      if (value >= threshold) return value % boundExclusive
    }
  }

  /** An integer in [min, max], both inclusive. */
  intBetween(min: number, max: number): number {
    assert(max >= min, () => `intBetween(${min}, ${max})`)
    return min + this.nextInt(max - min + 1)
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number {
    return this.nextUint32() / twoTo32
  }

  /** True with probability `p` (0 never, 1 always). */
  chance(p: number): boolean {
    if (p <= 0) return false
    if (p >= 1) return true
    return this.nextFloat() < p
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick from an empty array')
    return items[this.nextInt(items.length)]!
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const copy = [...items]
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1)
      const swap = copy[i]!
      copy[i] = copy[j]!
      copy[j] = swap
    }
    return copy
  }

  #seedFrom(key: number): void {
    let state = key
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0
      return fmix32(state)
    }
    this.#a = next()
    this.#b = next()
    this.#c = next()
    this.#d = 1
    // Let the state mix before the first output is used (the reference implementation skips 12).
    for (let i = 0; i < 12; i++) this.nextUint32()
  }
}

/** MurmurHash3's 32-bit finalizer (splitmix32's output function). */
function fmix32(value: number): number {
  let h = value | 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
