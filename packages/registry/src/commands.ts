import type { KvCommand, KvResult } from '@raftkit/kv'
import type { VersionRecord } from './versions/version-record.js'

/** A member's addresses, replicated through the log so every node can reach and name it. */
export interface MemberRecord {
  readonly id: string
  readonly peerAddr: string
  readonly clientUrl: string
  /** Promote to voter once caught up (a learner that joined to become a voter). */
  readonly promote: boolean
}

/** Who sent a command and its place in that client's sequence (Raft thesis §6.3). */
interface Envelope {
  readonly clientId: string
  readonly seq: number
}

/**
 * Version commands. Ids and times are decided by the node that received the request, before it
 * proposes, and travel in the entry: every replica stores the same id and timestamps.
 */
export type VersionCommand =
  | (Envelope & {
      readonly op: 'add'
      readonly id: string
      readonly platform: string
      readonly versionNo: string
      /** The proposer's wall clock, ms since the Unix epoch: createdAt and updatedAt. */
      readonly at: number
      /** The id was generated (not the client's): on a collision the proposer makes another. */
      readonly generated?: boolean
    })
  | (Envelope & {
      readonly op: 'update'
      readonly id: string
      readonly platform?: string
      readonly versionNo?: string
      /** Apply only if the version's revision is this one (HTTP If-Match). */
      readonly ifRevision?: number
      readonly at: number
    })
  | (Envelope & { readonly op: 'delete'; readonly id: string; readonly ifRevision?: number })

export type VersionOp = VersionCommand['op']

/** Why a version command changed nothing. */
export type VersionFailure =
  'not_found' | 'duplicate_id' | 'duplicate_version' | 'revision_mismatch'

export type VersionResult =
  | { readonly op: VersionOp; readonly ok: true; readonly version: VersionRecord }
  | {
      readonly op: VersionOp
      readonly ok: false
      readonly error: VersionFailure
      readonly message: string
      /** The version as it stands, for a conflict (duplicate or revision mismatch). */
      readonly current?: VersionRecord
    }
  | {
      readonly op: 'rejected'
      readonly ok: false
      readonly error: 'stale_request'
      readonly message: string
    }

/**
 * The commands of a node's state machine: key-value commands (with an expiry time that the
 * proposer stamps, so every replica agrees on it), the expiry of a key at a given revision
 * (proposed by the leader after sampling, as Redis does), member address records, and version
 * commands. The encoding of the first four is the one `@raftkit/server` has always written, so an
 * existing log replays unchanged.
 */
export type RegistryCommand =
  | {
      readonly t: 'kv'
      readonly command: KvCommand
      /** When a write's key expires (ms since the Unix epoch), stamped by the proposer. */
      readonly expiresAt?: number
      /**
       * The proposer's clock. Keys past their expiry at this time count as absent, so a
       * compare-and-set agrees with what readers see even before the expiry entry is applied.
       */
      readonly at?: number
    }
  | { readonly t: 'expire'; readonly key: string; readonly revision: number }
  | { readonly t: 'member'; readonly member: MemberRecord }
  | { readonly t: 'member-remove'; readonly id: string }
  | { readonly t: 'version'; readonly command: VersionCommand }

export type RegistryResult =
  | { readonly t: 'kv'; readonly result: KvResult }
  | { readonly t: 'expired'; readonly expired: boolean }
  | { readonly t: 'member'; readonly ok: true }
  | { readonly t: 'version'; readonly result: VersionResult }
  | { readonly t: 'invalid'; readonly message: string }
