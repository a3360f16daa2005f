import type { HardState, Message, MessageType } from '@raftkit/raft'

/**
 * Messages that promise nothing about this node's disk, so they may leave before the Ready's
 * writes are durable:
 * - a leader's AppendEntries and Heartbeat: the leader counts its own copy of an entry toward
 *   the commit quorum only after its own fsync (the core's `stable` index), and followers need
 *   not wait for it (Raft thesis §10.2.1; etcd sends them before its WAL save for the same
 *   reason), so the leader's fsync and the followers' run in parallel;
 * - heartbeat replies and ReadIndex traffic: they acknowledge a leader's term, which is durable
 *   already unless this very Ready changes it.
 *
 * Everything else waits for durability: votes (§5.2), append acknowledgements (§5.3), snapshot
 * acknowledgements, and any message of a Ready that changes the term or the vote.
 */
const independentOfDisk: ReadonlySet<MessageType> = new Set<MessageType>([
  'AppendEntries',
  'Heartbeat',
  'HeartbeatReply',
  'ReadIndexRequest',
  'ReadIndexReply',
])

export interface SplitMessages {
  readonly beforePersist: readonly Message[]
  readonly afterPersist: readonly Message[]
}

export function splitMessages(
  messages: readonly Message[],
  hardState: HardState | undefined,
  durable: HardState,
): SplitMessages {
  if (messages.length === 0) return { beforePersist: [], afterPersist: [] }
  if (
    hardState !== undefined &&
    (hardState.term !== durable.term || hardState.vote !== durable.vote)
  )
    return { beforePersist: [], afterPersist: messages }
  const beforePersist: Message[] = []
  const afterPersist: Message[] = []
  for (const message of messages) {
    if (independentOfDisk.has(message.type)) beforePersist.push(message)
    else afterPersist.push(message)
  }
  return { beforePersist, afterPersist }
}

/**
 * Whether a Ready's writes only move the commit index. The commit index is a hint that a restart
 * can learn again from the leader (the core clamps it to the stored log; a restarted node
 * re-applies its log up to what was written and waits for the leader for the rest), so such a
 * write need not hold up sending or applying, nor cost an fsync of its own: the replica keeps it
 * and writes it with the next entries or term change (etcd's MustSync makes the same call).
 */
export function onlyCommitMoved(
  entries: readonly unknown[],
  hardState: HardState | undefined,
  durable: HardState,
): boolean {
  return (
    entries.length === 0 &&
    hardState !== undefined &&
    hardState.term === durable.term &&
    hardState.vote === durable.vote
  )
}
