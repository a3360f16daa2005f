import { assert } from './assert.js'
import type { LogIndex } from './types.js'

/**
 * The AppendEntries a leader has sent to one follower and not yet seen acknowledged: a bounded
 * window in both message count and bytes (etcd's MaxInflightMsgs and MaxInflightBytes). The
 * byte bound keeps a slow follower from making the leader buffer without limit.
 */
export class Inflights {
  readonly #maxMessages: number
  readonly #maxBytes: number
  /** Last index of each message in flight, in send order (so ascending). */
  #lastIndexes: LogIndex[] = []
  #sizes: number[] = []
  #bytes = 0

  constructor(maxMessages: number, maxBytes: number) {
    this.#maxMessages = maxMessages
    this.#maxBytes = maxBytes
  }

  get count(): number {
    return this.#lastIndexes.length
  }

  get bytes(): number {
    return this.#bytes
  }

  full(): boolean {
    return this.#lastIndexes.length >= this.#maxMessages || this.#bytes >= this.#maxBytes
  }

  add(lastIndex: LogIndex, bytes: number): void {
    const previous = this.#lastIndexes[this.#lastIndexes.length - 1]
    assert(
      previous === undefined || lastIndex > previous,
      () => `inflight ${lastIndex} not after ${previous}`,
    )
    this.#lastIndexes.push(lastIndex)
    this.#sizes.push(bytes)
    this.#bytes += bytes
  }

  /** Frees every message whose last index is at or below `index` (acknowledged by a match). */
  freeLE(index: LogIndex): void {
    let n = 0
    while (n < this.#lastIndexes.length && this.#lastIndexes[n]! <= index) {
      this.#bytes -= this.#sizes[n]!
      n++
    }
    if (n > 0) {
      this.#lastIndexes.splice(0, n)
      this.#sizes.splice(0, n)
    }
  }

  reset(): void {
    this.#lastIndexes = []
    this.#sizes = []
    this.#bytes = 0
  }
}
