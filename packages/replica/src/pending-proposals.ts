import type { LogIndex, Term } from '@raftkit/raft'
import type { Outcome, ReplicaError } from './outcome.js'
import type { Scheduler } from './ports.js'

type Settled<Result> = Outcome<{ index: LogIndex; result: Result }>

interface Pending<Result> {
  /** Where the entry went, when it was appended here (on the leader); unknown when forwarded. */
  readonly placement: { readonly index: LogIndex; readonly term: Term } | undefined
  readonly settle: (outcome: Settled<Result>) => void
}

/**
 * Proposals waiting for their entry to be applied here.
 *
 * A command proposal has an id carried in its entry (see proposal-envelope.ts), so it is found
 * when its entry applies, wherever it was appended. A proposal appended on this node also knows
 * its index and term: an entry of another term applied at that index means a new leader replaced
 * it (Log Matching), so it certainly did not take effect. A forwarded one (a follower's) has no
 * such proof; if the leader changes before it applies, its outcome is unknown.
 */
export class PendingProposals<Result> {
  readonly #byId = new Map<number, Pending<Result>>()
  readonly #idByIndex = new Map<LogIndex, number>()
  #nextId = 0

  get size(): number {
    return this.#byId.size
  }

  /** A fresh proposal id (32 bits; it wraps after four billion proposals of one run). */
  nextId(): number {
    this.#nextId = (this.#nextId + 1) >>> 0
    return this.#nextId
  }

  add(
    id: number,
    placement: { index: LogIndex; term: Term } | undefined,
    timeoutMs: number,
    scheduler: Scheduler,
  ): Promise<Settled<Result>> {
    return new Promise((resolve) => {
      const cancelTimer = scheduler.after(timeoutMs, () => {
        // The outcome is unknown: the entry may still commit later.
        if (this.#byId.get(id) === pending) this.#remove(id, pending)
        resolve({ ok: false, error: 'timeout' })
      })
      const pending: Pending<Result> = {
        placement,
        settle: (outcome) => {
          cancelTimer()
          resolve(outcome)
        },
      }
      this.#byId.set(id, pending)
      if (placement !== undefined) {
        const replaced = this.#idByIndex.get(placement.index)
        if (replaced !== undefined) this.#settle(replaced, { ok: false, error: 'dropped' })
        this.#idByIndex.set(placement.index, id)
      }
    })
  }

  /** An entry was applied at `index` in `term`; `id` is the proposal it carries, if ours. */
  applied(index: LogIndex, term: Term, id: number | undefined, result: Result): void {
    const placed = this.#idByIndex.get(index)
    if (placed !== undefined && placed !== id) {
      const pending = this.#byId.get(placed)
      if (pending?.placement?.term === term && id === undefined) {
        // Our own entry that carries no id: a configuration change.
        this.#settle(placed, { ok: true, index, result })
      } else {
        // Another entry at this index: a new leader replaced ours.
        this.#settle(placed, { ok: false, error: 'dropped' })
      }
    }
    if (id !== undefined) this.#settle(id, { ok: true, index, result })
  }

  /** A snapshot replaced the log up to `index`: whether those proposals applied is unknown. */
  failUpTo(index: LogIndex): void {
    for (const [at, id] of [...this.#idByIndex]) {
      if (at <= index) this.#settle(id, { ok: false, error: 'timeout' })
    }
  }

  /** The leader changed: forwarded proposals may be lost or may still apply. */
  failForwarded(): void {
    for (const [id, pending] of [...this.#byId]) {
      if (pending.placement === undefined) this.#settle(id, { ok: false, error: 'timeout' })
    }
  }

  failAll(error: ReplicaError): void {
    for (const id of [...this.#byId.keys()]) this.#settle(id, { ok: false, ...error })
  }

  #settle(id: number, outcome: Settled<Result>): void {
    const pending = this.#byId.get(id)
    if (pending === undefined) return
    this.#remove(id, pending)
    pending.settle(outcome)
  }

  #remove(id: number, pending: Pending<Result>): void {
    this.#byId.delete(id)
    if (pending.placement !== undefined && this.#idByIndex.get(pending.placement.index) === id) {
      this.#idByIndex.delete(pending.placement.index)
    }
  }
}
