/** A key as the API returns it. */
export interface KvItem {
  readonly key: string
  readonly value: string
  readonly revision: number
  /** ISO 8601, for a key with a TTL. */
  readonly expiresAt?: string
}

export interface KvList {
  readonly items: KvItem[]
  readonly more: boolean
  /** Pass as `after` for the next page. */
  readonly next: string | null
}

export type CasResult =
  | ({ readonly swapped: true } & KvItem)
  | { readonly swapped: false; readonly current: KvItem | null }

/** A version as the API returns it. */
export interface Version {
  readonly id: string
  readonly versionNo: string
  readonly platform: string
  readonly createdAt: string
  readonly updatedAt: string
  readonly revision: number
}

export interface VersionList {
  readonly items: Version[]
  readonly nextCursor: string | null
}

export interface ClusterMember {
  readonly id: string
  readonly peerAddr: string
  readonly clientUrl: string | null
  readonly voter: boolean
  readonly state: string
  readonly matchIndex?: number
}

export interface ClusterStatus {
  readonly leaderId: string | null
  readonly term: number
  readonly commitIndex: number
  readonly appliedIndex: number
  readonly members: ClusterMember[]
}

export type Consistency = 'linearizable' | 'stale'

/** One change, as watchers receive it (revision = the log index that made it). */
export type Change =
  | {
      readonly kind: 'kv'
      readonly type: 'put'
      readonly revision: number
      readonly key: string
      readonly value: string
      readonly expiresAt?: number
    }
  | {
      readonly kind: 'kv'
      readonly type: 'delete'
      readonly revision: number
      readonly key: string
      readonly expired?: true
    }
  | {
      readonly kind: 'version'
      readonly type: 'add' | 'update' | 'delete'
      readonly revision: number
      readonly version: {
        id: string
        platform: string
        versionNo: string
        createdAt: number
        updatedAt: number
        revision: number
      }
      readonly previous?: {
        id: string
        platform: string
        versionNo: string
        createdAt: number
        updatedAt: number
        revision: number
      }
    }

export type WatchEvent =
  | { readonly type: 'change'; readonly change: Change }
  | { readonly type: 'progress'; readonly revision: number }
  | { readonly type: 'compacted'; readonly floor: number; readonly revision: number }
