import type { ClusterConfig, Entry, LogIndex, NodeId, Term } from './types.js'

/**
 * The messages Raft nodes exchange, as a discriminated union: each variant carries exactly its
 * own fields, and an exhaustive `switch` on `type` finds every handler when a variant is added.
 * Every message carries the sender's term; a higher term always wins (§5.1).
 */
interface Envelope {
  readonly from: NodeId
  readonly to: NodeId
  readonly term: Term
}

/** RequestVote (§5.2), or its pre-vote rehearsal (§9.6) that does not disturb terms. */
export interface RequestVote extends Envelope {
  readonly type: 'RequestVote'
  readonly preVote: boolean
  readonly lastLogIndex: LogIndex
  readonly lastLogTerm: Term
  /** Set when a leader asked this candidate to take over: voters skip their leader-lease check. */
  readonly transfer: boolean
}

export interface RequestVoteReply extends Envelope {
  readonly type: 'RequestVoteReply'
  readonly preVote: boolean
  readonly granted: boolean
}

/** AppendEntries (§5.3): the consistency check on (prevLogIndex, prevLogTerm), then new entries. */
export interface AppendEntries extends Envelope {
  readonly type: 'AppendEntries'
  readonly prevLogIndex: LogIndex
  readonly prevLogTerm: Term
  readonly entries: readonly Entry[]
  /** The leader's commit index; the follower commits up to min(this, last index of this message). */
  readonly leaderCommit: LogIndex
}

/**
 * The reply to AppendEntries. On success `matchIndex` is the last index known to match the
 * leader. On rejection the follower names the rejected `prevLogIndex` (so stale rejections can be
 * ignored) and a hint for fast back-tracking: the term of its conflicting entry and the first
 * index it holds of that term, or its last index + 1 when its log is too short.
 */
export interface AppendEntriesReply extends Envelope {
  readonly type: 'AppendEntriesReply'
  readonly success: boolean
  readonly matchIndex: LogIndex
  readonly rejectedIndex: LogIndex
  readonly hintIndex: LogIndex
  readonly hintTerm: Term
}

/**
 * A leader's heartbeat. It carries `commit = min(leader commit, follower match)` so a follower
 * never commits an entry it is not known to hold, and an optional ReadIndex context (§6.4).
 */
export interface Heartbeat extends Envelope {
  readonly type: 'Heartbeat'
  readonly commit: LogIndex
  readonly readContext: number
}

export interface HeartbeatReply extends Envelope {
  readonly type: 'HeartbeatReply'
  readonly readContext: number
}

/** Commands a follower forwards to the leader it knows (instead of refusing them). */
export interface Propose extends Envelope {
  readonly type: 'Propose'
  readonly commands: readonly Uint8Array[]
}

/** One chunk of a snapshot (§7). Chunks are sent in order; a lost chunk is re-sent from its offset. */
export interface InstallSnapshot extends Envelope {
  readonly type: 'InstallSnapshot'
  readonly snapshotIndex: LogIndex
  readonly snapshotTerm: Term
  readonly config: ClusterConfig
  readonly offset: number
  readonly totalBytes: number
  readonly chunk: Uint8Array
}

/** Acknowledges snapshot bytes: `receivedBytes` is the offset the follower wants next. */
export interface InstallSnapshotReply extends Envelope {
  readonly type: 'InstallSnapshotReply'
  readonly snapshotIndex: LogIndex
  readonly receivedBytes: number
  readonly done: boolean
}

/** Leadership transfer (§3.10): the leader tells a caught-up target to start an election now. */
export interface TimeoutNow extends Envelope {
  readonly type: 'TimeoutNow'
}

/** A follower asks the leader for a read index on behalf of a local linearizable read (§6.4). */
export interface ReadIndexRequest extends Envelope {
  readonly type: 'ReadIndexRequest'
  readonly requestId: number
}

/** The leader's answer; `index` is undefined when it cannot serve reads (not leader, not yet ready). */
export interface ReadIndexReply extends Envelope {
  readonly type: 'ReadIndexReply'
  readonly requestId: number
  readonly index: LogIndex | undefined
}

export type Message =
  | RequestVote
  | RequestVoteReply
  | AppendEntries
  | AppendEntriesReply
  | Heartbeat
  | HeartbeatReply
  | Propose
  | InstallSnapshot
  | InstallSnapshotReply
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexReply

export type MessageType = Message['type']

/** Whether a message is a reply (replies never start elections or change who is leader). */
export function isReply(message: Message): boolean {
  switch (message.type) {
    case 'RequestVoteReply':
    case 'AppendEntriesReply':
    case 'HeartbeatReply':
    case 'InstallSnapshotReply':
    case 'ReadIndexReply':
      return true
    default:
      return false
  }
}
