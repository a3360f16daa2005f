import type { VersionRecord } from '../versions/version-record.js'

/**
 * One change to the replicated state, as watchers receive it. `revision` is the log index of the
 * entry that made it, so changes are totally ordered and equal on every replica.
 */
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
      /** The key reached its TTL (the leader proposed its expiry). */
      readonly expired?: true
    }
  | {
      readonly kind: 'version'
      readonly type: 'add' | 'update' | 'delete'
      readonly revision: number
      /** The version after the change (for a delete: as it was). */
      readonly version: VersionRecord
      /** The version before an update. */
      readonly previous?: VersionRecord
    }

/** What a watcher asks for: keys with a prefix, or the versions of one platform (or all). */
export type WatchFilter =
  | { readonly kind: 'kv'; readonly prefix: string }
  | { readonly kind: 'version'; readonly platform: string | undefined }

/** Whether a change is one a watcher with this filter receives. */
export function matchesFilter(change: Change, filter: WatchFilter): boolean {
  if (change.kind === 'kv') return filter.kind === 'kv' && change.key.startsWith(filter.prefix)
  if (filter.kind !== 'version') return false
  if (filter.platform === undefined) return true
  return (
    change.version.platform === filter.platform || change.previous?.platform === filter.platform
  )
}
