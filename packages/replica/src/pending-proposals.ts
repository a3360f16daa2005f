import type { LogIndex, Term } from '@raftkit/raft'
import type { Outcome, ReplicaError } from './outcome.js'
import type { Scheduler } from './ports.js'

type Settle<Result> = (outcome: Outcome<{ index: LogIndex; result: Result }>) => void

interface Pending<Result> {
  readonly term: Term
  readonly settle: Settle<Result>
  readonly cancelTimer: () => void
}

/**
 * Proposals waiting for their entry to be applied, by log index. An entry applied at the index
 * with the proposal's term is the proposal (Log Matching); any other term means a new leader
 * replaced it, and the proposal certainly did not take effect.
 */
export class PendingProposals<Result> {
  readonly #byIndex = new Map<LogIndex, Pending<Result>>()

  get size(): number {
    return this.#byIndex.size
  }

  add(
    index: LogIndex,
    term: Term,
    timeoutMs: number,
    scheduler: Scheduler,
  ): Promise<Outcome<{ index: LogIndex; result: Result }>> {
    return new Promise((resolve) => {
      const cancelTimer = scheduler.after(timeoutMs, () => {
        // The outcome is unknown: the entry may still commit later.
        if (this.#byIndex.get(index)?.settle === settle) this.#byIndex.delete(index)
        resolve({ ok: false, error: 'timeout' })
      })
      const settle: Settle<Result> = (outcome) => {
        cancelTimer()
        resolve(outcome)
      }
      this.#byIndex.get(index)?.settle({ ok: false, error: 'dropped' })
      this.#byIndex.set(index, { term, settle, cancelTimer })
    })
  }

  applied(index: LogIndex, term: Term, result: Result): void {
    const pending = this.#byIndex.get(index)
    if (pending === undefined) return
    this.#byIndex.delete(index)
    if (pending.term === term) pending.settle({ ok: true, index, result })
    else pending.settle({ ok: false, error: 'dropped' })
  }

  /** A snapshot replaced the log up to `index`: whether those proposals applied is unknown. */
  failUpTo(index: LogIndex): void {
    for (const [at, pending] of this.#byIndex) {
      if (at > index) continue
      this.#byIndex.delete(at)
      pending.settle({ ok: false, error: 'timeout' })
    }
  }

  failAll(error: ReplicaError): void {
    for (const pending of this.#byIndex.values()) pending.settle({ ok: false, ...error })
    this.#byIndex.clear()
  }
}
