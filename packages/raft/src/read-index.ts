import type { LogIndex, NodeId } from './types.js'

/** At most this many reads wait in one node at a time; beyond it, reads fail as overloaded. */
export const pendingReadsMax = 4096

interface PendingRead {
  readonly requestId: number
  /** The node that asked: the leader itself, or a follower that forwarded its read. */
  readonly from: NodeId
  /** The leader's commit index when the read arrived: the read is served once applied reaches it. */
  readonly index: LogIndex
  /** The heartbeat round that confirms leadership for this read. */
  readonly context: number
  readonly acks: Set<NodeId>
  /** The tracker's tick count when the read arrived (reads expire, see `expire`). */
  readonly startedAt: number
}

interface WaitingRead {
  readonly requestId: number
  readonly from: NodeId
  readonly startedAt: number
}

interface ForwardedRead {
  /** The caller's id for the read; the wire carries an id of the core's own (see `forward`). */
  readonly requestId: number
  readonly startedAt: number
}

export interface ReleasedRead {
  readonly requestId: number
  readonly from: NodeId
  readonly index: LogIndex
}

/** A read the tracker gave up on: no answer came within the expiry. */
export interface ExpiredRead {
  readonly requestId: number
  readonly from: NodeId
}

/**
 * Book-keeping for ReadIndex reads (§6.4).
 *
 * On the leader, each read waits for a heartbeat round that a quorum answers after the read
 * arrived: only then is it certain that no newer leader could have committed something the read
 * must see. Reads are released in arrival order; a quorum for a later round confirms every earlier
 * one too. Before that, a leader that has not yet committed an entry of its own term does not know
 * the latest commit index (etcd-io/etcd#7331), so reads wait for that first commit.
 *
 * On a follower, it remembers the reads forwarded to the leader so that an unanswered one fails
 * cleanly when the leader changes or no answer comes in time. A forwarded read travels under an
 * id of the tracker's own, fresh for every attempt and salted per node life, so a late or
 * duplicated answer to an earlier attempt can never be taken for the answer to a later one — even
 * if the caller reuses its request ids, and across restarts (etcd-io/etcd#20418).
 *
 * Every pending read expires after `expiryTicks` ticks: a read whose messages were lost fails
 * with `timeout` instead of waiting forever, and memory stays bounded.
 */
export class ReadIndexTracker {
  #pending: PendingRead[] = []
  #waitingForCommit: WaitingRead[] = []
  readonly #forwarded = new Map<number, ForwardedRead>()
  #lastContext = 0
  #ticks = 0
  /** Wire ids of forwarded reads are `#wireSalt * 2^21 + #wireCounter`. */
  #wireSalt: number | undefined
  #wireCounter = 0
  readonly #drawSalt: () => number

  /** `drawSalt` returns a random integer in [0, 2^30), drawn at the first forwarded read. */
  constructor(drawSalt: () => number) {
    this.#drawSalt = drawSalt
  }

  /** Reads waiting here, of every kind. */
  get size(): number {
    return this.#pending.length + this.#waitingForCommit.length + this.#forwarded.size
  }

  get full(): boolean {
    return this.size >= pendingReadsMax
  }

  // ------------------------------------------------------------------ leader

  /** Starts a read on the leader; returns the heartbeat context that will confirm it. */
  start(requestId: number, from: NodeId, index: LogIndex, leaderId: NodeId): number {
    const context = ++this.#lastContext
    const acks = new Set([leaderId])
    this.#pending.push({ requestId, from, index, context, acks, startedAt: this.#ticks })
    return context
  }

  /** The context to piggyback on regular heartbeats (the newest pending read), or 0. */
  latestContext(): number {
    return this.#pending.length === 0 ? 0 : this.#pending[this.#pending.length - 1]!.context
  }

  /**
   * A node answered the heartbeat round `context`; returns the reads that now have a quorum.
   * `hasQuorum` judges a set of acknowledging nodes against the configuration in force now, so
   * that a voter removed since it answered no longer counts.
   */
  acknowledge(
    node: NodeId,
    context: number,
    hasQuorum: (acks: ReadonlySet<NodeId>) => boolean,
  ): ReleasedRead[] {
    let confirmedUpTo = -1
    for (let i = 0; i < this.#pending.length; i++) {
      const read = this.#pending[i]!
      if (read.context > context) break
      read.acks.add(node)
    }
    // Later reads' acknowledgements are a subset of earlier ones', so scan from the newest.
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const read = this.#pending[i]!
      if (read.context > context) continue
      if (hasQuorum(read.acks)) {
        confirmedUpTo = i
        break
      }
    }
    if (confirmedUpTo < 0) return []
    const released = this.#pending.slice(0, confirmedUpTo + 1)
    this.#pending = this.#pending.slice(confirmedUpTo + 1)
    return released.map(({ requestId, from, index }) => ({ requestId, from, index }))
  }

  waitForCommit(requestId: number, from: NodeId): void {
    this.#waitingForCommit.push({ requestId, from, startedAt: this.#ticks })
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
      ...this.#waitingForCommit.map(({ requestId, from }) => ({ requestId, from })),
    ]
    this.#pending = []
    this.#waitingForCommit = []
    return all
  }

  // ------------------------------------------------------------------ follower

  /** Remembers a read forwarded to the leader; returns the id it must travel under. */
  forward(requestId: number): number {
    if (this.#wireSalt === undefined || this.#wireCounter >= wireCounterLimit) {
      this.#wireSalt =
        this.#wireSalt === undefined ? this.#drawSalt() : (this.#wireSalt + 1) % 2 ** 30
      this.#wireCounter = 0
    }
    const wireId = this.#wireSalt * wireCounterLimit + ++this.#wireCounter
    this.#forwarded.set(wireId, { requestId, startedAt: this.#ticks })
    return wireId
  }

  /**
   * The leader answered the forwarded read `wireId`. Returns the caller's request id, or
   * undefined if that read is no longer pending (already answered, failed or expired).
   */
  answered(wireId: number): number | undefined {
    const read = this.#forwarded.get(wireId)
    if (read === undefined) return undefined
    this.#forwarded.delete(wireId)
    return read.requestId
  }

  /** The caller's ids of every forwarded read still pending, which are forgotten. */
  takeForwarded(): number[] {
    const ids = [...this.#forwarded.values()].map((read) => read.requestId)
    this.#forwarded.clear()
    return ids
  }

  // ------------------------------------------------------------------ expiry

  /**
   * Counts one tick and returns the reads that have waited `expiryTicks` ticks or more, which are
   * forgotten: the leader's (its own and those it serves for followers) and the caller's ids of
   * forwarded ones. Each list is in arrival order, so only its head needs looking at.
   */
  tick(expiryTicks: number): { leaderReads: ExpiredRead[]; forwarded: number[] } {
    this.#ticks++
    const deadline = this.#ticks - expiryTicks
    const expired: ExpiredRead[] = []
    const forwarded: number[] = []
    while (this.#pending.length > 0 && this.#pending[0]!.startedAt <= deadline) {
      const read = this.#pending.shift()!
      expired.push({ requestId: read.requestId, from: read.from })
    }
    while (this.#waitingForCommit.length > 0 && this.#waitingForCommit[0]!.startedAt <= deadline) {
      const read = this.#waitingForCommit.shift()!
      expired.push({ requestId: read.requestId, from: read.from })
    }
    for (const [wireId, read] of this.#forwarded) {
      if (read.startedAt > deadline) break
      this.#forwarded.delete(wireId)
      forwarded.push(read.requestId)
    }
    return { leaderReads: expired, forwarded }
  }
}

/** A forwarded read's wire id is salt * 2^21 + counter: 2^51 at most, an exact integer. */
const wireCounterLimit = 2 ** 21
