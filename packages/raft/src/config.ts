import { assert } from './assert.js'
import type { RaftEvent } from './events.js'
import type { NodeId } from './types.js'

/** A source of randomness, injected so that a seed reproduces a run exactly. */
export interface Random {
  /** Returns an integer in [0, boundExclusive). */
  nextInt(boundExclusive: number): number
}

/**
 * Safety rules that can be switched off on purpose, so that a person (or a test) can watch the
 * simulator's checks catch the resulting violations. Never set them on a real cluster.
 */
export interface UnsafeRules {
  /**
   * Commit an entry of an earlier term by counting replicas — the bug of Figure 8 in the Raft
   * paper. The correct rule (§5.4.2) only counts replicas of entries of the leader's own term.
   */
  readonly commitOldTerm?: boolean
}

export interface RaftConfig {
  readonly id: NodeId
  /** Followers start an election after this many ticks without a leader, randomized in [t, 2t). */
  readonly electionTimeoutTicks: number
  /** A leader sends heartbeats every this many ticks. Must be well below the election timeout. */
  readonly heartbeatIntervalTicks: number
  readonly random: Random
  /** Rehearse elections before bumping the term, so a rejoining node cannot disrupt (§9.6). */
  readonly preVote: boolean
  /**
   * A leader steps down when it has not heard from a quorum within an election timeout, and
   * followers that hear from a live leader ignore vote requests (leader lease, §6.2 / §4.2.3).
   */
  readonly checkQuorum: boolean
  /** A follower sends proposals to the leader it knows instead of refusing them. */
  readonly forwardProposals: boolean
  /** Flow control: at most this many entries and bytes in one AppendEntries. */
  readonly maxEntriesPerMessage: number
  readonly maxBytesPerMessage: number
  /** Flow control: at most this many AppendEntries (and bytes) in flight to one follower. */
  readonly maxInflightMessages: number
  readonly maxInflightBytes: number
  /** Proposals are refused (not dropped) while this many bytes are appended but not committed. */
  readonly maxUncommittedBytes: number
  /** At most this many committed entries are handed out in one Ready. */
  readonly maxCommittedEntriesPerReady: number
  /** Snapshots are streamed in chunks of this many bytes. */
  readonly snapshotChunkBytes: number
  readonly unsafe: UnsafeRules
  /** Receives every event synchronously, in order. Must not call back into the node. */
  readonly onEvent: ((event: RaftEvent) => void) | undefined
}

export type RaftOptions = Partial<RaftConfig> & Pick<RaftConfig, 'id' | 'random'>

export const defaultRaftConfig = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  preVote: true,
  checkQuorum: true,
  forwardProposals: true,
  maxEntriesPerMessage: 256,
  maxBytesPerMessage: 1 << 20,
  maxInflightMessages: 64,
  maxInflightBytes: 8 << 20,
  maxUncommittedBytes: 64 << 20,
  maxCommittedEntriesPerReady: 4096,
  snapshotChunkBytes: 256 << 10,
  unsafe: {},
  onEvent: undefined,
} as const satisfies Omit<RaftConfig, 'id' | 'random'>

export function resolveConfig(options: RaftOptions): RaftConfig {
  const config: RaftConfig = { ...defaultRaftConfig, ...options }
  assert(config.id.length > 0, 'config.id must be a non-empty string')
  assert(config.heartbeatIntervalTicks >= 1, 'heartbeatIntervalTicks must be at least 1')
  assert(
    config.electionTimeoutTicks > config.heartbeatIntervalTicks,
    'electionTimeoutTicks must be greater than heartbeatIntervalTicks',
  )
  assert(config.maxInflightMessages >= 1, 'maxInflightMessages must be at least 1')
  assert(config.maxEntriesPerMessage >= 1, 'maxEntriesPerMessage must be at least 1')
  assert(config.snapshotChunkBytes >= 1, 'snapshotChunkBytes must be at least 1')
  return config
}
