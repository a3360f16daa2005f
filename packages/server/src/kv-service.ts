import type { KvCommand, KvResult } from '@raftkit/kv'
import type { Outcome, Replica } from '@raftkit/replica'
import { ApiError } from './errors.js'
import {
  encodeServerCommand,
  type ServerCommand,
  type ServerResult,
  type NodeStateMachine,
} from './server-state-machine.js'
import {
  NotLeader,
  type KvItem,
  type KvService,
  type RequestIdentity,
  type ServiceResult,
} from './service-types.js'

export interface KvServiceDependencies {
  readonly replica: Replica<ServerResult>
  readonly state: NodeStateMachine
  readonly requestTimeoutMs: number
  readonly now: () => number
  /** Client URL of a member, to redirect to the leader. */
  readonly clientUrlOf: (id: string) => string | undefined
  /** A per-node client id for requests that carry none (each gets a fresh sequence number). */
  readonly anonymousClientId: string
  /** Told the outcome of every proposal ('ok', or the error kind), for metrics. */
  readonly observeProposal?: (outcome: string) => void
}

/**
 * The key-value API on top of the replica: writes go through the log (on the leader; a
 * follower raises NotLeader so the HTTP layer forwards), linearizable reads use ReadIndex and
 * then read the local state, stale reads read the local state at once.
 */
export function createKvService(deps: KvServiceDependencies): KvService {
  let anonymousSeq = 0
  const identity = (given: RequestIdentity | undefined): RequestIdentity => {
    if (given !== undefined) return given
    anonymousSeq++
    return { clientId: deps.anonymousClientId, seq: anonymousSeq }
  }

  async function propose(command: ServerCommand): Promise<ServerResult> {
    const outcome = await deps.replica.propose(encodeServerCommand(command), deps.requestTimeoutMs)
    deps.observeProposal?.(outcome.ok ? 'ok' : outcome.error)
    if (!outcome.ok) throw toError(outcome, deps.clientUrlOf)
    return outcome.result
  }

  async function proposeKv(command: KvCommand, expiresAt?: number): Promise<KvResult> {
    // `at` lets a durable state machine judge expiry by the proposer's clock, deterministically.
    const at = deps.now()
    const result = await propose(
      expiresAt === undefined ? { t: 'kv', command, at } : { t: 'kv', command, expiresAt, at },
    )
    if (result.t !== 'kv') throw new ApiError('internal', 'unexpected state machine result')
    if (result.result.op === 'rejected')
      throw new ApiError('conflict', result.result.message, { reason: result.result.reason })
    return result.result
  }

  async function barrier(consistency: 'linearizable' | 'stale'): Promise<void> {
    if (consistency === 'stale') return
    const outcome = await deps.replica.read(deps.requestTimeoutMs)
    if (!outcome.ok) throw toError(outcome, deps.clientUrlOf)
  }

  return {
    async put(key, value, ttlMs, given): Promise<ServiceResult<KvItem>> {
      const id = identity(given)
      // The node that takes the request stamps the expiry time into the entry (by its clock),
      // so every replica agrees on it.
      const expiresAt = ttlMs === undefined ? undefined : deps.now() + ttlMs
      const result = await proposeKv({ op: 'put', key, value, ...id }, expiresAt)
      if (result.op !== 'put') throw new ApiError('internal', 'unexpected result')
      const item: KvItem =
        expiresAt === undefined
          ? { key, value, revision: result.revision }
          : { key, value, revision: result.revision, expiresAt }
      return { ok: true, value: item }
    },
    async get(key, consistency) {
      await barrier(consistency)
      const record =
        consistency === 'stale' && deps.state.readStale !== undefined
          ? await deps.state.readStale(key, deps.now())
          : await deps.state.read(key, deps.now())
      return { ok: true, value: record === undefined ? undefined : { key, ...record } }
    },
    async delete(key, given) {
      const result = await proposeKv({ op: 'delete', key, ...identity(given) })
      if (result.op !== 'delete') throw new ApiError('internal', 'unexpected result')
      return { ok: true, value: { deleted: result.existed, revision: result.revision } }
    },
    async cas(key, expected, value, given) {
      const result = await proposeKv({ op: 'cas', key, expected, value, ...identity(given) })
      if (result.op !== 'cas') throw new ApiError('internal', 'unexpected result')
      const current =
        result.current === null
          ? undefined
          : { key, value: result.current, revision: result.revision }
      return { ok: true, value: { swapped: result.swapped, current } }
    },
    async list(prefix, limit, after, consistency) {
      await barrier(consistency)
      return { ok: true, value: await deps.state.list(prefix, limit, after, deps.now()) }
    },
  }
}

/** Maps a replica failure to what the HTTP layer does with it. */
export function toError(
  outcome: Extract<Outcome<object>, { ok: false }>,
  clientUrlOf: (id: string) => string | undefined,
): Error {
  switch (outcome.error) {
    case 'not-leader':
      return new NotLeader(
        outcome.leaderId,
        outcome.leaderId === undefined ? undefined : clientUrlOf(outcome.leaderId),
      )
    case 'no-leader':
      return new NotLeader(undefined, undefined)
    case 'transfer-in-progress':
      return new ApiError('unavailable', 'leadership is being transferred; retry shortly', {
        leaderId: outcome.leaderId,
      })
    case 'overloaded':
      return new ApiError('overloaded', 'too many uncommitted writes; retry shortly')
    case 'dropped':
      return new ApiError('unavailable', 'the leader changed and the write was not applied; retry')
    case 'timeout':
      return new ApiError(
        'timeout',
        'timed out; the write may or may not have been applied (retry with the same client id and seq)',
      )
    case 'stopped':
      return new ApiError('unavailable', 'this node is stopping or has stopped')
    case 'rejected':
      return new ApiError('conflict', outcome.message)
  }
}
