/**
 * The commands the key-value state machine applies, and its results. Every command carries the
 * client's session id and a sequence number, so that a command that reaches the log twice (a
 * client retry, a duplicated network message) takes effect once and the retry gets the first
 * answer again (Raft thesis §6.3).
 */

/** Fields every command carries: who sent it, and its place in that client's sequence. */
interface CommandEnvelope {
  /** The client's session id. A client uses one id for its lifetime. */
  readonly clientId: string
  /** Increases with each new request of the client (a retry reuses it); starts at 1. */
  readonly seq: number
}

/** Sets `key` to `value`. */
export interface PutCommand extends CommandEnvelope {
  readonly op: 'put'
  readonly key: string
  readonly value: string
}

/** Reads `key` through the log, which makes the read linearizable at the cost of a log entry. */
export interface GetCommand extends CommandEnvelope {
  readonly op: 'get'
  readonly key: string
}

/** Removes `key`. */
export interface DeleteCommand extends CommandEnvelope {
  readonly op: 'delete'
  readonly key: string
}

/** Sets `key` to `value` only if it holds `expected` now; `expected: null` means "only if absent". */
export interface CasCommand extends CommandEnvelope {
  readonly op: 'cas'
  readonly key: string
  readonly expected: string | null
  readonly value: string
}

export type KvCommand = PutCommand | GetCommand | DeleteCommand | CasCommand
export type KvOp = KvCommand['op']

/**
 * What applying a command produced. Revisions are log indexes: a key's revision is the index of
 * the entry that last wrote it, so revisions are unique, ordered, and equal on every replica.
 */
export type KvResult =
  /** `revision` is this write's log index. */
  | { readonly op: 'put'; readonly revision: number }
  /** `value` is null when the key is absent; `revision` is then 0. */
  | { readonly op: 'get'; readonly value: string | null; readonly revision: number }
  /** `revision` is this delete's log index when the key existed, else 0. */
  | { readonly op: 'delete'; readonly existed: boolean; readonly revision: number }
  /** `current` and `revision` describe the key after the command, swapped or not. */
  | {
      readonly op: 'cas'
      readonly swapped: boolean
      readonly current: string | null
      readonly revision: number
    }
  /**
   * The command changed nothing. `stale-request`: the client has already moved on to a later
   * sequence number, so this is a late copy of a request whose answer is gone. `invalid-command`:
   * the entry did not decode to a valid command.
   */
  | {
      readonly op: 'rejected'
      readonly reason: 'stale-request' | 'invalid-command'
      readonly message: string
    }
