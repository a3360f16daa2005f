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
  /**
   * Accept a configuration change that adds or removes more than one voter at once. Single-server
   * changes are safe because any majority of the old configuration overlaps any majority of the
   * new one (§4.1); with two voters changed at once the old and new majorities can be disjoint,
   * and each can elect a leader and commit on its own.
   */
  readonly multipleVoterChanges?: boolean
  /**
   * Let a leader change the configuration before it has committed an entry of its own term:
   * Ongaro's fix to single-server changes switched off (raft-dev, "bug in single-server
   * membership changes", 2015). A change then can overlap an uncommitted change of an earlier
   * term, and a committed entry can be lost.
   */
  readonly configChangeBeforeTermCommit?: boolean
}

export interface RaftConfig {
  readonly id: NodeId
  /**
   * Followers start an election after this many ticks without a leader, randomized in
   * [electionTimeoutTicks, electionTimeoutTicksMax]. A leader also uses it as the check-quorum
   * period, and followers as their leader lease.
   */
  readonly electionTimeoutTicks: number
  /** The top of the randomized election timeout; undefined means 2 * electionTimeoutTicks - 1. */
  readonly electionTimeoutTicksMax: number | undefined
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

/**
 * The settings that can change while a node runs (hashicorp's ReloadConfig): timing, pre-vote,
 * check-quorum, forwarding and the unsafe rules. Everything else is fixed for a node's life.
 */
export type RaftTuning = Pick<
  RaftConfig,
  | 'electionTimeoutTicks'
  | 'electionTimeoutTicksMax'
  | 'heartbeatIntervalTicks'
  | 'preVote'
  | 'checkQuorum'
  | 'forwardProposals'
  | 'unsafe'
>

export const defaultRaftConfig = {
  electionTimeoutTicks: 10,
  electionTimeoutTicksMax: undefined,
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
  const error = configError(config)
  assert(error === undefined, () => `invalid Raft config: ${error}`)
  return config
}

/** The top of the randomized election timeout, in ticks. */
export function electionTimeoutTicksMax(config: RaftConfig): number {
  return config.electionTimeoutTicksMax ?? 2 * config.electionTimeoutTicks - 1
}

/** Why `config` cannot run, or undefined when it can. */
export function configError(config: RaftConfig): string | undefined {
  const positiveInteger = (value: number): boolean => Number.isSafeInteger(value) && value >= 1
  if (config.id.length === 0) return 'id must be a non-empty string'
  if (!positiveInteger(config.heartbeatIntervalTicks))
    return 'heartbeatIntervalTicks must be an integer of at least 1'
  if (!positiveInteger(config.electionTimeoutTicks))
    return 'electionTimeoutTicks must be an integer of at least 1'
  if (config.electionTimeoutTicks <= config.heartbeatIntervalTicks)
    return 'electionTimeoutTicks must be greater than heartbeatIntervalTicks'
  const max = electionTimeoutTicksMax(config)
  if (!Number.isSafeInteger(max) || max < config.electionTimeoutTicks)
    return 'electionTimeoutTicksMax must be an integer of at least electionTimeoutTicks'
  if (!positiveInteger(config.maxInflightMessages)) return 'maxInflightMessages must be at least 1'
  if (!positiveInteger(config.maxEntriesPerMessage))
    return 'maxEntriesPerMessage must be at least 1'
  if (!positiveInteger(config.snapshotChunkBytes)) return 'snapshotChunkBytes must be at least 1'
  return undefined
}
