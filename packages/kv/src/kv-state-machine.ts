import { assert } from './assert.js'
import { decodeCommand } from './codec.js'
import type { KvCommand, KvResult } from './commands.js'
import { MultisetHash } from './digest.js'
import { kvLimits } from './limits.js'
import { SessionTable } from './sessions.js'
import { decodeSnapshot, encodeSnapshot, type KvSnapshotContent } from './snapshot.js'

/** A key's value and the log index of the entry that last wrote it. */
export interface KvRecord {
  readonly value: string
  readonly revision: number
}

export interface KvStateMachineOptions {
  /** Exactly-once sessions kept at most (least recently used evicted). */
  readonly sessionsMax?: number
  /**
   * Unsafe on purpose, for the simulator's `no-sessions` rule: apply every copy of a command, so
   * a retried write takes effect twice. Never set it in a real deployment.
   */
  readonly unsafeIgnoreSessions?: boolean
  /**
   * Maintain `digest()` (default true). Hashing every key and value on every write costs a few
   * microseconds per kilobyte; a node that never compares digests turns it off.
   */
  readonly digest?: boolean
}

/**
 * The deterministic key-value state machine that raftkit replicates. Every replica applies the
 * same committed commands in the same order and so reaches the same state: nothing here reads a
 * clock, draws randomness or depends on iteration order that replicas could disagree on.
 *
 * Writes are stamped with their log index (the key's revision). Each command is applied at most
 * once per client request, through the session table (Raft thesis §6.3).
 */
export class KvStateMachine {
  readonly #data = new Map<string, KvRecord>()
  readonly #sessions: SessionTable
  readonly #ignoreSessions: boolean
  readonly #dataHash: RecordHash
  readonly #sessionHash: RecordHash
  readonly #digestEnabled: boolean
  #appliedIndex = 0

  constructor(options: KvStateMachineOptions = {}) {
    this.#sessions = new SessionTable(options.sessionsMax ?? kvLimits.sessionsMax)
    this.#ignoreSessions = options.unsafeIgnoreSessions === true
    this.#digestEnabled = options.digest ?? true
    this.#dataHash = this.#digestEnabled ? new MultisetHash() : noHash
    this.#sessionHash = this.#digestEnabled ? new MultisetHash() : noHash
  }

  /** The log index of the last command applied (or restored from a snapshot); 0 if none. */
  get appliedIndex(): number {
    return this.#appliedIndex
  }

  /** The number of keys. */
  get size(): number {
    return this.#data.size
  }

  /** The number of client sessions held. */
  get sessionCount(): number {
    return this.#sessions.size
  }

  /**
   * Applies the command of the log entry at `index`. Indexes must increase (gaps are the log's
   * other entries: no-ops and configuration changes). A retry of the client's latest request gets
   * the first answer again without effect; a copy of an older request is rejected.
   */
  apply(index: number, command: KvCommand): KvResult {
    assert(
      Number.isSafeInteger(index) && index > this.#appliedIndex,
      () => `apply at index ${index} after ${this.#appliedIndex}: entries applied out of order`,
    )
    this.#appliedIndex = index
    if (this.#ignoreSessions) return this.#execute(index, command)
    const verdict = this.#sessions.check(command.clientId, command.seq)
    switch (verdict.kind) {
      case 'duplicate':
        return verdict.result
      case 'stale':
        return {
          op: 'rejected',
          reason: 'stale-request',
          message: `client ${command.clientId} is at seq ${verdict.latestSeq}; seq ${command.seq} is a late copy`,
        }
      case 'apply':
        break
    }
    const result = this.#execute(index, command)
    const previous = this.#sessions.get(command.clientId)
    if (previous !== undefined) this.#sessionHash.remove(command.clientId, '', previous.seq)
    const evicted = this.#sessions.record(command.clientId, command.seq, result)
    this.#sessionHash.add(command.clientId, '', command.seq)
    if (evicted !== undefined) this.#sessionHash.remove(evicted[0], '', evicted[1].seq)
    return result
  }

  /**
   * Decodes and applies an entry's bytes. A malformed entry is answered with an `invalid-command`
   * rejection and changes nothing, the same way on every replica.
   */
  applyEncoded(index: number, data: Uint8Array): KvResult {
    const decoded = decodeCommand(data)
    if (decoded.ok) return this.apply(index, decoded.command)
    assert(index > this.#appliedIndex, () => `apply at ${index} after ${this.#appliedIndex}`)
    this.#appliedIndex = index
    return { op: 'rejected', reason: 'invalid-command', message: decoded.error }
  }

  #execute(index: number, command: KvCommand): KvResult {
    const current = this.#data.get(command.key)
    switch (command.op) {
      case 'put':
        this.#write(command.key, current, { value: command.value, revision: index })
        return { op: 'put', revision: index }
      case 'get':
        return { op: 'get', value: current?.value ?? null, revision: current?.revision ?? 0 }
      case 'delete':
        if (current === undefined) return { op: 'delete', existed: false, revision: 0 }
        this.#write(command.key, current, undefined)
        return { op: 'delete', existed: true, revision: index }
      case 'cas': {
        if ((current?.value ?? null) !== command.expected) {
          return {
            op: 'cas',
            swapped: false,
            current: current?.value ?? null,
            revision: current?.revision ?? 0,
          }
        }
        this.#write(command.key, current, { value: command.value, revision: index })
        return { op: 'cas', swapped: true, current: command.value, revision: index }
      }
    }
  }

  #write(key: string, current: KvRecord | undefined, next: KvRecord | undefined): void {
    if (current !== undefined) this.#dataHash.remove(key, current.value, current.revision)
    if (next === undefined) {
      this.#data.delete(key)
      return
    }
    this.#data.set(key, next)
    this.#dataHash.add(key, next.value, next.revision)
  }

  /** A local read (not linearizable on its own: the caller decides what it may serve). */
  get(key: string): KvRecord | undefined {
    return this.#data.get(key)
  }

  /** Keys starting with `prefix`, in code-unit order, at most `limit` of them. */
  list(prefix: string, limit: number): { key: string; value: string; revision: number }[] {
    const keys: string[] = []
    for (const key of this.#data.keys()) if (key.startsWith(prefix)) keys.push(key)
    keys.sort(compareKeys)
    const items: { key: string; value: string; revision: number }[] = []
    for (const key of keys.slice(0, Math.max(0, limit))) {
      const record = this.#data.get(key)!
      items.push({ key, value: record.value, revision: record.revision })
    }
    return items
  }

  /**
   * A cheap fingerprint of the whole state (keys, values, revisions and sessions), maintained
   * incrementally: replicas that applied the same entries have equal digests, and replicas that
   * diverged almost surely do not. 32 hex digits.
   */
  digest(): string {
    assert(this.#digestEnabled, 'digest() of a KvStateMachine created with digest: false')
    return this.#dataHash.hex() + this.#sessionHash.hex()
  }

  /**
   * Serializes the state: the applied index, the keys in sorted order (so equal states give equal
   * bytes) and the sessions in least-recently-used order (which decides future evictions).
   */
  snapshot(): Uint8Array {
    const data: [string, string, number][] = []
    const keys = [...this.#data.keys()].sort(compareKeys)
    for (const key of keys) {
      const record = this.#data.get(key)!
      data.push([key, record.value, record.revision])
    }
    const sessions = [...this.#sessions.entries()].map(
      ([clientId, session]) => [clientId, session.seq, session.result] as const,
    )
    return encodeSnapshot({ appliedIndex: this.#appliedIndex, data, sessions })
  }

  /**
   * Replaces the whole state with a snapshot's. A snapshot that does not decode means the stored
   * or received bytes are corrupt; that is not a state a replica may continue from, so it throws.
   */
  restore(bytes: Uint8Array): void {
    this.restoreContent(decodeSnapshot(bytes))
  }

  /**
   * The snapshot's content without its encoding, for a wrapper that writes snapshots in its own
   * (incremental) format: the records in key order are the caller's to gather with `records()`
   * and `get()`; the sessions come from here, least recently used first.
   */
  sessionRows(): [string, number, KvResult][] {
    return [...this.#sessions.entries()].map(([clientId, session]) => [
      clientId,
      session.seq,
      session.result,
    ])
  }

  /** Every key and its record, in no particular order. */
  records(): IterableIterator<[string, KvRecord]> {
    return this.#data.entries()
  }

  /** Replaces the whole state with decoded snapshot content (see `restore`). */
  restoreContent(snapshot: KvSnapshotContent): void {
    this.#data.clear()
    this.#sessions.clear()
    this.#dataHash.clear()
    this.#sessionHash.clear()
    for (const [key, value, revision] of snapshot.data) {
      this.#data.set(key, { value, revision })
      this.#dataHash.add(key, value, revision)
    }
    for (const [clientId, seq, result] of snapshot.sessions) {
      const evicted = this.#sessions.record(clientId, seq, result)
      this.#sessionHash.add(clientId, '', seq)
      if (evicted !== undefined) this.#sessionHash.remove(evicted[0], '', evicted[1].seq)
    }
    this.#appliedIndex = snapshot.appliedIndex
  }
}

/** Code-unit order, the same on every replica and runtime (unlike localeCompare). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** What the state machine needs of a digest; `noHash` when digests are off. */
interface RecordHash {
  add(a: string, b: string, n: number): void
  remove(a: string, b: string, n: number): void
  clear(): void
  hex(): string
}

const noHash: RecordHash = {
  add() {},
  remove() {},
  clear() {},
  hex: () => '',
}
