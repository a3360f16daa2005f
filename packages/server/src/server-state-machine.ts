import { KvStateMachine, type KvCommand, type KvResult } from '@raftkit/kv'
import type { CommandEntry, Snapshot } from '@raftkit/raft'
import type { StateMachine } from '@raftkit/replica'
import { ExpiryIndex } from './expiry-index.js'
import {
  decodeSnapshotContent,
  decodeVersion1,
  encodeSnapshotContent,
  isVersion2,
  kvContentOf,
} from './snapshot-codec.js'
import { SortedKeys } from './sorted-keys.js'

/** A member's addresses, replicated through the log so every node can reach and name it. */
export interface MemberRecord {
  readonly id: string
  readonly peerAddr: string
  readonly clientUrl: string
  /** Promote to voter once caught up (a learner that joined to become a voter). */
  readonly promote: boolean
}

/**
 * The commands of a node's state machine: key-value commands (with an optional expiry time that
 * the node that took the request stamps, so every replica agrees on it), expiry of a key at a given revision, and
 * member address records.
 */
export type ServerCommand =
  | {
      readonly t: 'kv'
      readonly command: KvCommand
      readonly expiresAt?: number
      /**
       * The proposer's clock. A durable state machine (the registry's) treats keys past their
       * expiry at this time as absent, so compare-and-set agrees with readers; optional.
       */
      readonly at?: number
    }
  | { readonly t: 'expire'; readonly key: string; readonly revision: number }
  | { readonly t: 'member'; readonly member: MemberRecord }
  | { readonly t: 'member-remove'; readonly id: string }

export type ServerResult =
  | { readonly t: 'kv'; readonly result: KvResult }
  | { readonly t: 'expired'; readonly expired: boolean }
  | { readonly t: 'member'; readonly ok: true }
  | { readonly t: 'invalid'; readonly message: string }
  /** A version-registry command's result (typed by @raftkit/registry, which applies them). */
  | { readonly t: 'version'; readonly result: unknown }

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const expiryClientId = '__expiry'

export function encodeServerCommand(command: ServerCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command))
}

function decodeServerCommand(data: Uint8Array): ServerCommand | undefined {
  try {
    const value = JSON.parse(decoder.decode(data)) as ServerCommand
    if (typeof value !== 'object' || value === null || typeof value.t !== 'string') return undefined
    return value
  } catch {
    return undefined
  }
}

/** A key as a reader sees it. */
export interface KvRecordView {
  readonly value: string
  readonly revision: number
  /** Milliseconds since the epoch, for a key with a TTL. */
  readonly expiresAt?: number
}

/**
 * What the node's services need of its state machine, beyond the replica's port: local reads
 * (served after a ReadIndex barrier, or at once for stale reads), expiry sampling for the leader,
 * and the members' addresses. `ServerStateMachine` is the in-memory implementation; a durable
 * one (SQLite, MySQL) implements the same interface and also `appliedIndex()` of the port, and
 * is handed to `startNode` as `options.stateMachine`.
 */
export interface NodeStateMachine extends StateMachine<ServerResult> {
  /** May answer asynchronously: an SQL store reads from its database. */
  read(key: string, now: number): KvRecordView | undefined | Promise<KvRecordView | undefined>
  /**
   * A `consistency=stale` read, when the state machine has a faster place for it (the Redis
   * read cache); `read` otherwise.
   */
  readStale?(key: string, now: number): Promise<KvRecordView | undefined>
  list(
    prefix: string,
    limit: number,
    after: string | undefined,
    now: number,
  ):
    | { items: (KvRecordView & { key: string })[]; more: boolean }
    | Promise<{ items: (KvRecordView & { key: string })[]; more: boolean }>
  /** Keys whose TTL has passed at `now` (at most `limit`); the leader proposes their expiry. */
  dueForExpiry(now: number, limit: number): { key: string; revision: number }[]
  readonly keysWithTtl: number
  members(): MemberRecord[]
  member(id: string): MemberRecord | undefined
}

/**
 * The replicated state of a node: the key-value store, the expiry time of keys with a TTL, and
 * the members' addresses. Deterministic: the only time it knows is what the leader wrote into
 * the log; reads compare against the reader's clock but never change state.
 */
export class ServerStateMachine implements NodeStateMachine {
  readonly kv = new KvStateMachine({ digest: false })
  readonly #expiresAt = new ExpiryIndex()
  /** The keys in order, for listing (the kv package's list sorts on every call). */
  readonly #keys = new SortedKeys()
  readonly #members = new Map<string, MemberRecord>()

  apply(entry: CommandEntry): ServerResult {
    const command = decodeServerCommand(entry.data)
    if (command === undefined) {
      // Every replica rejects the same bad bytes the same way, so they stay equal.
      return { t: 'invalid', message: 'entry is not a valid command' }
    }
    switch (command.t) {
      case 'kv': {
        const result = this.kv.apply(entry.index, command.command)
        const key = command.command.key
        // A write that took effect now carries this entry's index as its revision. A retry that
        // the session table answered from its memory carries the first attempt's revision, and
        // must not touch the key's expiry: the key may hold another client's value by now.
        const wrote =
          (result.op === 'put' && result.revision === entry.index) ||
          (result.op === 'cas' && result.swapped && result.revision === entry.index) ||
          (result.op === 'delete' && result.existed && result.revision === entry.index)
        if (wrote) {
          if (command.expiresAt !== undefined && result.op !== 'delete')
            this.#expiresAt.set(key, command.expiresAt)
          else this.#expiresAt.delete(key)
          if (result.op === 'delete') this.#keys.delete(key)
          else this.#keys.add(key)
        }
        return { t: 'kv', result }
      }
      case 'expire': {
        const record = this.kv.get(command.key)
        const due =
          record !== undefined &&
          record.revision === command.revision &&
          this.#expiresAt.has(command.key)
        if (!due) return { t: 'expired', expired: false }
        this.kv.apply(entry.index, {
          op: 'delete',
          key: command.key,
          clientId: expiryClientId,
          seq: entry.index,
        })
        this.#expiresAt.delete(command.key)
        this.#keys.delete(command.key)
        return { t: 'expired', expired: true }
      }
      case 'member':
        this.#members.set(command.member.id, command.member)
        return { t: 'member', ok: true }
      case 'member-remove':
        this.#members.delete(command.id)
        return { t: 'member', ok: true }
      default:
        return { t: 'invalid', message: 'unknown command type' }
    }
  }

  /** A key as a reader at `now` sees it: keys past their expiry read as absent. */
  read(
    key: string,
    now: number,
  ): { value: string; revision: number; expiresAt?: number } | undefined {
    const record = this.kv.get(key)
    if (record === undefined) return undefined
    const expiresAt = this.#expiresAt.get(key)
    if (expiresAt !== undefined && expiresAt <= now) return undefined
    return expiresAt === undefined ? { ...record } : { ...record, expiresAt }
  }

  list(
    prefix: string,
    limit: number,
    after: string | undefined,
    now: number,
  ): { items: (KvRecordView & { key: string })[]; more: boolean } {
    const items: (KvRecordView & { key: string })[] = []
    const start = after !== undefined && after >= prefix ? after : prefix
    for (const key of this.#keys.from(start)) {
      if (!key.startsWith(prefix)) break
      if (after !== undefined && key <= after) continue
      const visible = this.read(key, now)
      if (visible === undefined) continue
      if (items.length === limit) return { items, more: true }
      items.push({ key, ...visible })
    }
    return { items, more: false }
  }

  /**
   * The keys whose expiry is due at `now` by this node's clock, earliest first. The leader
   * proposes an `expire` for each; the log decides, so every replica agrees.
   */
  dueForExpiry(now: number, limit: number): { key: string; revision: number }[] {
    const due: { key: string; revision: number }[] = []
    for (const key of this.#expiresAt.due(now, limit)) {
      const record = this.kv.get(key)
      if (record !== undefined) due.push({ key, revision: record.revision })
    }
    return due
  }

  get keysWithTtl(): number {
    return this.#expiresAt.size
  }

  members(): MemberRecord[] {
    return [...this.#members.values()].sort((a, b) => (a.id < b.id ? -1 : 1))
  }

  member(id: string): MemberRecord | undefined {
    return this.#members.get(id)
  }

  /**
   * The state as of the last applied entry. What it holds is copied now, synchronously (a pass
   * over the keys in order); the encoding happens a slice at a time afterwards, while later
   * entries may already be applied, so a large store does not stall the event loop.
   */
  snapshot(): Promise<Uint8Array> {
    const data: [string, string, number][] = []
    for (const key of this.#keys.all()) {
      const record = this.kv.get(key)
      if (record !== undefined) data.push([key, record.value, record.revision])
    }
    return encodeSnapshotContent({
      appliedIndex: this.kv.appliedIndex,
      data,
      sessions: this.kv.sessionRows(),
      ttls: [...this.#expiresAt.entries()],
      members: [...this.#members.values()],
    })
  }

  async restore(snapshot: Snapshot): Promise<void> {
    const bytes = snapshot.data
    this.#expiresAt.clear()
    this.#members.clear()
    if (isVersion2(bytes)) {
      const content = await decodeSnapshotContent(bytes)
      this.kv.restoreContent(kvContentOf(content))
      this.#keys.resetSorted(content.data.map((row) => row[0]))
      for (const [key, at] of content.ttls) this.#expiresAt.set(key, at)
      for (const member of content.members) this.#members.set(member.id, member)
      return
    }
    const { meta, kv } = decodeVersion1(bytes)
    this.kv.restore(kv)
    this.#keys.resetSorted(this.kv.list('', Number.MAX_SAFE_INTEGER).map((item) => item.key))
    for (const [key, at] of meta.expiresAt) this.#expiresAt.set(key, at)
    for (const member of meta.members) this.#members.set(member.id, member)
  }
}
