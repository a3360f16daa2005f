import { Inflights } from './inflights.js'
import type { ProgressStatus } from './status.js'
import type { LogIndex } from './types.js'

/**
 * How far the leader believes one follower's log matches its own, and how it sends to it
 * (etcd's Progress). The states:
 * - probe: the match is unknown; send one AppendEntries, then wait for its reply or the next
 *   heartbeat before sending another (finding the match point with back-tracking hints).
 * - replicate: the match is known; stream entries optimistically, bounded by the inflight window.
 * - snapshot: the follower needs entries the leader compacted away; a snapshot is being sent.
 */
export class Progress {
  state: 'probe' | 'replicate' | 'snapshot' = 'probe'
  matchIndex: LogIndex = 0
  nextIndex: LogIndex
  /** In probe state: an append was sent and its reply is awaited (or the next heartbeat). */
  probeSent = false
  /** The match index seen at the previous heartbeat reply (a pipeline that stalls gets probed). */
  matchAtLastHeartbeat: LogIndex = -1
  /** Heard from since the last check-quorum round (§6.2: the leader must hear from a quorum). */
  recentActive = false
  /** In snapshot state: the snapshot index being sent and the byte offset the follower wants next. */
  snapshotIndex: LogIndex = 0
  snapshotOffset = 0
  /** In snapshot state: ticks since the last chunk was sent or acknowledged (to re-send a lost one). */
  snapshotIdleTicks = 0
  readonly inflights: Inflights

  constructor(nextIndex: LogIndex, maxInflightMessages: number, maxInflightBytes: number) {
    this.nextIndex = nextIndex
    this.inflights = new Inflights(maxInflightMessages, maxInflightBytes)
  }

  becomeProbe(): void {
    // After a snapshot, the follower holds at least the snapshot; probe from just after it.
    this.nextIndex =
      this.state === 'snapshot'
        ? Math.max(this.matchIndex + 1, this.snapshotIndex + 1)
        : this.matchIndex + 1
    this.state = 'probe'
    this.probeSent = false
    this.inflights.reset()
  }

  becomeReplicate(): void {
    this.state = 'replicate'
    this.nextIndex = this.matchIndex + 1
    this.probeSent = false
    this.inflights.reset()
  }

  becomeSnapshot(snapshotIndex: LogIndex): void {
    this.state = 'snapshot'
    this.snapshotIndex = snapshotIndex
    this.snapshotOffset = 0
    this.snapshotIdleTicks = 0
    this.probeSent = false
    this.inflights.reset()
  }

  /** Records a successful append up to `index`. Returns true if the match moved forward. */
  maybeUpdate(index: LogIndex): boolean {
    let updated = false
    if (index > this.matchIndex) {
      this.matchIndex = index
      updated = true
      this.probeSent = false
    }
    this.nextIndex = Math.max(this.nextIndex, index + 1)
    return updated
  }

  /** Whether the leader must hold off sending more appends to this follower now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent
      case 'replicate':
        return this.inflights.full()
      case 'snapshot':
        return true
    }
  }

  toStatus(): ProgressStatus {
    return {
      state: this.state,
      matchIndex: this.matchIndex,
      nextIndex: this.nextIndex,
      inflightMessages: this.inflights.count,
      recentActive: this.recentActive,
    }
  }
}

/**
 * A member counts as caught up when the leader replicates to it normally (not probing for the
 * match point, not sending it a snapshot) and it lacks at most this many entries, or one full
 * message if messages are larger: what one round of replication brings it.
 */
export const catchUpEntriesMin = 8

/**
 * Why a member is not caught up (for promotion from learner to voter, §4.2.1, and as a target of
 * leadership transfer, §3.10), or undefined when it is.
 */
export function catchUpLag(
  progress: Progress,
  lastIndex: LogIndex,
  maxEntriesPerMessage: number,
): string | undefined {
  const behind = lastIndex - progress.matchIndex
  if (progress.state !== 'replicate')
    return `match ${progress.matchIndex} of ${lastIndex}, ${progress.state}`
  if (behind > Math.max(catchUpEntriesMin, maxEntriesPerMessage))
    return `match ${progress.matchIndex} of ${lastIndex}, ${behind} entries behind`
  return undefined
}
