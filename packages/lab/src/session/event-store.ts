import type { LabEvent } from '../protocol/index.js'

/**
 * A session's events in order, as a window: the newest `capacity` are held, older ones let go
 * (a run can always be replayed to see them again), so a long run's memory stays bounded.
 */
export class EventStore {
  #events: LabEvent[] = []
  /** The sequence number of `#events[0]` (or of the next event, when empty). */
  #first = 1
  readonly #capacity: number

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** The last event's number (0: none). */
  get last(): number {
    return this.#first + this.#events.length - 1
  }

  get firstRetained(): number {
    return this.#first
  }

  get size(): number {
    return this.#events.length
  }

  has(seq: number): boolean {
    return seq >= this.#first && seq <= this.last
  }

  get(seq: number): LabEvent | undefined {
    return this.has(seq) ? this.#events[seq - this.#first] : undefined
  }

  /** Adds the next event; `event.seq` must be `last + 1`. */
  push(event: LabEvent): void {
    if (event.seq !== this.last + 1) {
      // After a truncation past the window, numbering continues from the replayed run.
      if (this.#events.length === 0) this.#first = event.seq
      else throw new Error(`event ${event.seq} out of order after ${this.last}`)
    }
    this.#events.push(event)
    if (this.#events.length > this.#capacity) {
      const drop = Math.max(1, Math.floor(this.#capacity / 10))
      this.#events = this.#events.slice(drop)
      this.#first += drop
    }
  }

  /** Events with seq > `after`, at most `limit`. */
  after(after: number, limit: number): LabEvent[] {
    const start = Math.max(0, after + 1 - this.#first)
    return this.#events.slice(start, start + limit)
  }

  /**
   * Forgets every event after `seq` (the run was rewound and changed course there). Returns a
   * function that puts them back, for a change of course that was then refused.
   */
  truncateAfter(seq: number): () => void {
    if (seq >= this.last) return () => {}
    const events = this.#events
    const first = this.#first
    if (seq < this.#first) {
      this.#events = []
      this.#first = seq + 1
    } else {
      this.#events = events.slice(0, seq - this.#first + 1)
    }
    return () => {
      this.#events = events
      this.#first = first
    }
  }
}
