import type { KvResult } from './commands.js'
import { assert } from './assert.js'

/** A client's session: its latest applied sequence number and the answer it got (thesis §6.3). */
export interface Session {
  readonly seq: number
  readonly result: KvResult
}

/** What to do with a command, given the client's session. */
export type SessionVerdict =
  | { readonly kind: 'apply' }
  | { readonly kind: 'duplicate'; readonly result: KvResult }
  | { readonly kind: 'stale'; readonly latestSeq: number }

/**
 * The exactly-once session table of the Raft thesis §6.3. Each client's latest request number and
 * its result are remembered, so a retried request that already took effect is answered from the
 * table instead of being applied twice.
 *
 * A client has one request outstanding at a time, so only the latest result is kept. Memory is
 * bounded: at most `sessionsMax` sessions, evicting the least recently used. Eviction depends only
 * on the order of applied commands, so every replica evicts the same sessions. An unknown client
 * opens a session implicitly with any sequence number (a client whose first requests were lost
 * starts later than 1); the price is that a late copy of a request from an evicted session is
 * applied again, which is why the bound is generous.
 */
export class SessionTable {
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  readonly #sessions = new Map<string, Session>()
  readonly #sessionsMax: number

  constructor(sessionsMax: number) {
    assert(Number.isSafeInteger(sessionsMax) && sessionsMax >= 1, `sessionsMax ${sessionsMax}`)
    this.#sessionsMax = sessionsMax
  }

  get size(): number {
    return this.#sessions.size
  }

  /** Decides whether a command with this (clientId, seq) is new, a retry, or a stale copy. */
  check(clientId: string, seq: number): SessionVerdict {
    const session = this.#sessions.get(clientId)
    if (session === undefined || seq > session.seq) return { kind: 'apply' }
    if (seq === session.seq) {
      this.#touch(clientId, session)
      return { kind: 'duplicate', result: session.result }
    }
    return { kind: 'stale', latestSeq: session.seq }
  }

  /**
   * Records the result of a command that was applied. Returns the session it evicted to stay
   * within the bound, if any.
   */
  record(clientId: string, seq: number, result: KvResult): [string, Session] | undefined {
    const session = this.#sessions.get(clientId)
    assert(
      session === undefined || seq > session.seq,
      () => `session ${clientId}: recording seq ${seq} after ${session?.seq}`,
    )
    this.#touch(clientId, { seq, result })
    if (this.#sessions.size <= this.#sessionsMax) return undefined
    const oldest = this.#sessions.entries().next()
    if (oldest.done === true) return undefined
    this.#sessions.delete(oldest.value[0])
    return oldest.value
  }

  get(clientId: string): Session | undefined {
    return this.#sessions.get(clientId)
  }

  /** Sessions from least to most recently used (the order a snapshot must preserve). */
  entries(): IterableIterator<[string, Session]> {
    return this.#sessions.entries()
  }

  clear(): void {
    this.#sessions.clear()
  }

  #touch(clientId: string, session: Session): void {
    this.#sessions.delete(clientId)
    this.#sessions.set(clientId, session)
  }
}
