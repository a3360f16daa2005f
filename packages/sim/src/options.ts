/**
 * The simulator's public contract: what a run is asked to do and what it reports. The CLI
 * (`raftkit sim ... --json`) prints `SeedResult` objects field for field.
 */

export const faultKinds = [
  'crash',
  'restart',
  'partition',
  'drop',
  'delay',
  'duplicate',
  'reorder',
  'membership',
] as const
export type FaultKind = (typeof faultKinds)[number]

/**
 * Safety rules the simulator can switch off on purpose, to show that its checks bite.
 * - commit-old-term: a leader commits entries of earlier terms by counting replicas (Figure 8).
 * - forget-vote: a restarting node forgets the vote it cast (two leaders in one term).
 * - stale-read: reads are answered from the local state machine of whichever node is asked,
 *   without ReadIndex (caught by the linearizability checker).
 * - two-voter-changes: a configuration change may add or remove two voters at once, so old and
 *   new majorities need not overlap (the membership fault then makes such changes).
 * - config-before-term-commit: a new leader may change the configuration before it has committed
 *   an entry of its term (Ongaro's fix to single-server changes, switched off).
 * - no-sessions: the state machine ignores client sessions and applies every copy of a command,
 *   so a retried write takes effect twice (thesis §6.3; caught by the linearizability checker).
 */
export const unsafeRules = [
  'commit-old-term',
  'forget-vote',
  'stale-read',
  'two-voter-changes',
  'config-before-term-commit',
  'no-sessions',
] as const
export type UnsafeRule = (typeof unsafeRules)[number]

export interface SimOptions {
  /** Number of nodes in the cluster (1..9). */
  readonly nodes: number
  readonly seed: number
  /** Number of simulator events to process (message deliveries, ticks, client operations, faults). */
  readonly steps: number
  readonly faults: readonly FaultKind[]
  readonly unsafe?: UnsafeRule | undefined
  /** Concurrent clients of the key-value workload. */
  readonly clients?: number
  readonly preVote?: boolean
  readonly checkQuorum?: boolean
}

export type ViolationKind =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'commit-regression'
  | 'linearizability'
  | 'liveness'
  | 'invariant'

export interface Violation {
  readonly kind: ViolationKind
  /** The simulator step (0-based event count) at which it was detected. */
  readonly step: number
  /** Virtual time at detection. */
  readonly time: number
  readonly message: string
}

export interface SeedResult {
  readonly seed: number
  readonly ok: boolean
  readonly violations: readonly Violation[]
  readonly steps: number
  readonly virtualTime: number
  /** The highest commit index any node reached. */
  readonly committed: number
  /** Elections started (real, term-bumping ones; pre-votes are not counted). */
  readonly elections: number
  /** How many times a new leader was elected. */
  readonly leaderChanges: number
  readonly snapshotsInstalled: number
  readonly membershipChanges: number
  readonly transfers: number
  readonly clientOps: {
    readonly ok: number
    readonly failed: number
    readonly indeterminate: number
    /** Writes re-sent with the same sequence number (applied once, thesis §6.3). */
    readonly retried: number
  }
  readonly faultsInjected: number
  /**
   * How the quiet phase went, in virtual ms (null: it did not happen before the run ended).
   * Added by the simulator; optional so that hand-built results stay valid.
   */
  readonly liveness?: LivenessReport
}

/** Timings of the quiet phase that liveness is judged on. */
export interface LivenessReport {
  /** From the heal (faults stopped, every node restarted) to a leader that a majority follows. */
  readonly leaderElectedMs: number | null
  /** From the start of the drain to the completion of every client's final write. */
  readonly finalWritesMs: number | null
  /** From then until every node had applied the same last index with equal state. */
  readonly convergedMs: number | null
}
