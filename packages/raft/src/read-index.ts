import type { LogIndex, NodeId } from './types.js'

interface PendingRead {
  readonly requestId: number
  /** The node that asked: the leader itself, or a follower that forwarded its read. */
  readonly from: NodeId
  /** The leader's commit index when the read arrived: the read is served once applied reaches it. */
  readonly index: LogIndex
  /** The heartbeat round that confirms leadership for this read. */
  readonly context: number
  readonly acks: Set<NodeId>
}

export interface ReleasedRead {
  readonly requestId: number
  readonly from: NodeId
  readonly index: LogIndex
}

/**
 * Book-keeping for ReadIndex reads (§6.4). On the leader, each read waits for a heartbeat round
 * that a quorum answers after the read arrived: only then is it certain that no newer leader
 * could have committed something the read must see. Reads are released in arrival order; a
 * quorum for a later round confirms every earlier one too. On a follower, it remembers the reads
 * forwarded to the leader so that an unanswered one fails cleanly when the leader changes.
 */
export class ReadIndexTracker {
  #pending: PendingRead[] = []
  #waitingForCommit: { requestId: number; from: NodeId }[] = []
  #forwarded = new Set<number>()
  #lastContext = 0

  /** Starts a read on the leader; returns the heartbeat context that will confirm it. */
  start(requestId: number, from: NodeId, index: LogIndex, leaderId: NodeId): number {
    const context = ++this.#lastContext
    this.#pending.push({ requestId, from, index, context, acks: new Set([leaderId]) })
    return context
  }

  /** The context to piggyback on regular heartbeats (the newest pending read), or 0. */
  latestContext(): number {
    return this.#pending.length === 0 ? 0 : this.#pending[this.#pending.length - 1]!.context
  }

  /** A voter answered the heartbeat round `context`; returns the reads that now have a quorum. */
  acknowledge(voter: NodeId, context: number, quorum: number): ReleasedRead[] {
    let confirmedUpTo = -1
    for (let i = 0; i < this.#pending.length; i++) {
      const read = this.#pending[i]!
      if (read.context > context) break
      read.acks.add(voter)
      if (read.acks.size >= quorum) confirmedUpTo = i
    }
    if (confirmedUpTo < 0) return []
    const released = this.#pending.slice(0, confirmedUpTo + 1)
    this.#pending = this.#pending.slice(confirmedUpTo + 1)
    return released.map(({ requestId, from, index }) => ({ requestId, from, index }))
  }

  waitForCommit(requestId: number, from: NodeId): void {
    this.#waitingForCommit.push({ requestId, from })
  }

  takeWaitingForCommit(): { requestId: number; from: NodeId }[] {
    const waiting = this.#waitingForCommit
    this.#waitingForCommit = []
    return waiting
  }

  /** Everything the leader still owes an answer to (it is stepping down). */
  takeAllLeaderReads(): { requestId: number; from: NodeId }[] {
    const all = [
      ...this.#pending.map(({ requestId, from }) => ({ requestId, from })),
      ...this.#waitingForCommit,
    ]
    this.#pending = []
    this.#waitingForCommit = []
    return all
  }

  forwarded(requestId: number): void {
    this.#forwarded.add(requestId)
  }

  /** A reply for a forwarded read arrived; false if it is no longer pending (already failed). */
  answered(requestId: number): boolean {
    return this.#forwarded.delete(requestId)
  }

  takeForwarded(): number[] {
    const ids = [...this.#forwarded]
    this.#forwarded.clear()
    return ids
  }
}
