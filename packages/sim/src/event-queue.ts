import { assert } from './assert.js'

/**
 * The simulator's agenda: a binary min-heap of events ordered by (time, insertion sequence).
 * Events at the same virtual time come out in the order they were scheduled, so a run never
 * depends on how the heap happens to break ties. Times, sequence numbers and payloads live in
 * parallel arrays to keep the hot path free of wrapper objects.
 */
export class EventQueue<T> {
  readonly #times: number[] = []
  readonly #seqs: number[] = []
  readonly #items: T[] = []
  #nextSeq = 0

  get size(): number {
    return this.#items.length
  }

  /** Schedules `item` at virtual time `time`. */
  push(time: number, item: T): void {
    assert(Number.isFinite(time), () => `event time ${time}`)
    let i = this.#items.length
    this.#times.push(time)
    this.#seqs.push(this.#nextSeq++)
    this.#items.push(item)
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#less(i, parent)) break
      this.#swap(i, parent)
      i = parent
    }
  }

  /** The time of the next event, or undefined if there is none. */
  peekTime(): number | undefined {
    return this.#times[0]
  }

  /** Removes and returns the next event (earliest time, then earliest scheduled). */
  pop(): T | undefined {
    const count = this.#items.length
    if (count === 0) return undefined
    const top = this.#items[0]!
    const last = count - 1
    if (last > 0) {
      this.#times[0] = this.#times[last]!
      this.#seqs[0] = this.#seqs[last]!
      this.#items[0] = this.#items[last]!
    }
    this.#times.pop()
    this.#seqs.pop()
    this.#items.pop()
    // Sift down.
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= last) break
      const right = left + 1
      const child = right < last && this.#less(right, left) ? right : left
      if (!this.#less(child, i)) break
      this.#swap(i, child)
      i = child
    }
    return top
  }

  #less(i: number, j: number): boolean {
    const ti = this.#times[i]!
    const tj = this.#times[j]!
    return ti < tj || (ti === tj && this.#seqs[i]! < this.#seqs[j]!)
  }

  #swap(i: number, j: number): void {
    const time = this.#times[i]!
    this.#times[i] = this.#times[j]!
    this.#times[j] = time
    const seq = this.#seqs[i]!
    this.#seqs[i] = this.#seqs[j]!
    this.#seqs[j] = seq
    const item = this.#items[i]!
    this.#items[i] = this.#items[j]!
    this.#items[j] = item
  }
}
