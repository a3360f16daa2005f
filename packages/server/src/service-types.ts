import type { NodeId } from '@raftkit/raft'
import type { ApiError } from './errors.js'

/** A service call either succeeds with a value or fails with an API error (never throws for expected failures). */
export type ServiceResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError }

/** Thrown to make the HTTP layer forward the request to the leader. */
export class NotLeader extends Error {
  readonly leaderId: NodeId | undefined
  readonly leaderUrl: string | undefined

  constructor(leaderId: NodeId | undefined, leaderUrl: string | undefined) {
    super(leaderId === undefined ? 'no leader is known' : `the leader is ${leaderId}`)
    this.leaderId = leaderId
    this.leaderUrl = leaderUrl
  }
}

export interface KvItem {
  readonly key: string
  readonly value: string
  readonly revision: number
  readonly expiresAt?: number
}

/** Identifies a client request so that a retry is applied once (Raft thesis §6.3). */
export interface RequestIdentity {
  readonly clientId: string
  readonly seq: number
}

export interface KvService {
  put(
    key: string,
    value: string,
    ttlMs: number | undefined,
    identity: RequestIdentity | undefined,
  ): Promise<ServiceResult<KvItem>>
  get(
    key: string,
    consistency: 'linearizable' | 'stale',
  ): Promise<ServiceResult<KvItem | undefined>>
  delete(
    key: string,
    identity: RequestIdentity | undefined,
  ): Promise<ServiceResult<{ deleted: boolean; revision: number }>>
  cas(
    key: string,
    expected: string | null,
    value: string,
    identity: RequestIdentity | undefined,
  ): Promise<ServiceResult<{ swapped: boolean; current: KvItem | undefined }>>
  list(
    prefix: string,
    limit: number,
    after: string | undefined,
    consistency: 'linearizable' | 'stale',
  ): Promise<ServiceResult<{ items: KvItem[]; more: boolean }>>
}

export interface MemberView {
  readonly id: NodeId
  readonly peerAddr: string
  readonly clientUrl: string | null
  readonly voter: boolean
  readonly state: string
  readonly matchIndex?: number
}

export interface ClusterService {
  view(): {
    leaderId: NodeId | null
    term: number
    commitIndex: number
    appliedIndex: number
    members: MemberView[]
  }
  leader(): { id: NodeId; clientUrl: string | undefined } | undefined
  /** A leader is known and this node has applied everything it knows to be committed. */
  ready(): boolean
  addMember(member: {
    id: NodeId
    peerAddr: string
    clientUrl: string
    learner: boolean
  }): Promise<ServiceResult<{ index: number }>>
  removeMember(id: NodeId): Promise<ServiceResult<{ index: number }>>
  transferLeadership(to: NodeId | undefined): Promise<ServiceResult<{ to: NodeId }>>
}

export interface DebugFaults {
  block(ids: NodeId[]): void
  heal(): void
  blocked(): NodeId[]
}
