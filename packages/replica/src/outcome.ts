import type { NodeId } from '@raftkit/raft'

/**
 * Expected failures are values. `not-leader` names the leader when one is known, so the caller
 * can redirect; `dropped` means the entry was replaced by a new leader's (it never applied);
 * `timeout` means the outcome is unknown (it may still apply).
 */
export type ReplicaError =
  | { readonly error: 'not-leader'; readonly leaderId: NodeId | undefined }
  | { readonly error: 'no-leader' }
  | { readonly error: 'overloaded' }
  | { readonly error: 'transfer-in-progress'; readonly leaderId: NodeId }
  | { readonly error: 'dropped' }
  | { readonly error: 'timeout' }
  | { readonly error: 'stopped' }
  | { readonly error: 'rejected'; readonly message: string }

export type Outcome<T> = ({ readonly ok: true } & T) | ({ readonly ok: false } & ReplicaError)
