import type { LogIndex } from '@raftkit/raft'
import type { Outcome, ReplicaError } from './outcome.js'
import type { Scheduler } from './ports.js'

type Settle = (outcome: Outcome<{ index: LogIndex }>) => void

/**
 * Linearizable reads in flight: first waiting for the leader to confirm a read index, then for
 * the local state machine to apply up to it. Request ids are unique per attempt and never reused
 * across restarts (they start from a base the caller derives from the clock): a late answer to
 * an old request must never be taken for a new one (etcd-io/etcd#20418).
 */
export class PendingReads {
  #nextId: number
  readonly #unconfirmed = new Map<number, Settle>()
  /** Confirmed reads waiting for the apply index, in no particular order (few at a time). */
  #waiting: { index: LogIndex; settle: Settle }[] = []
  #applied = 0

  constructor(idBase = 0) {
    this.#nextId = idBase
  }

  add(
    timeoutMs: number,
    scheduler: Scheduler,
  ): { requestId: number; promise: Promise<Outcome<{ index: LogIndex }>> } {
    const requestId = ++this.#nextId
    const promise = new Promise<Outcome<{ index: LogIndex }>>((resolve) => {
      let done = false
      const cancelTimer = scheduler.after(timeoutMs, () => settle({ ok: false, error: 'timeout' }))
      const settle: Settle = (outcome) => {
        if (done) return
        done = true
        cancelTimer()
        this.#unconfirmed.delete(requestId)
        resolve(outcome)
      }
      this.#unconfirmed.set(requestId, settle)
    })
    return { requestId, promise }
  }

  confirmed(requestId: number, index: LogIndex): void {
    const settle = this.#unconfirmed.get(requestId)
    if (settle === undefined) return
    this.#unconfirmed.delete(requestId)
    if (index <= this.#applied) settle({ ok: true, index })
    else this.#waiting.push({ index, settle })
  }

  failed(requestId: number, error: ReplicaError): void {
    this.#unconfirmed.get(requestId)?.({ ok: false, ...error })
  }

  appliedTo(applied: LogIndex): void {
    this.#applied = applied
    if (this.#waiting.length === 0) return
    const still: { index: LogIndex; settle: Settle }[] = []
    for (const read of this.#waiting) {
      if (read.index <= applied) read.settle({ ok: true, index: read.index })
      else still.push(read)
    }
    this.#waiting = still
  }

  failAll(error: ReplicaError): void {
    for (const settle of [...this.#unconfirmed.values()]) settle({ ok: false, ...error })
    for (const read of this.#waiting) read.settle({ ok: false, ...error })
    this.#unconfirmed.clear()
    this.#waiting = []
  }
}
