import type { KvCommand, KvResult } from '@raftkit/kv'
import type { NodeId, PersistedState, ProposeResult, RaftEvent, ReadFailure } from '@raftkit/raft'
import type { NetworkOptions } from './network.js'
import type { UnsafeRule } from './options.js'

/**
 * The types of SimCluster's API: its options, its observer hooks and the outcomes of its
 * interactive commands (membership, leadership transfer, reads, runtime settings).
 */

export interface SimClusterOptions {
  /** Number of nodes, named n1..nN (1..9). */
  readonly nodes: number
  readonly seed: number
  /** Election timeout in ticks (randomized in [t, 2t) by the core). Default 10. */
  readonly electionTimeoutTicks?: number
  /** Default 1: a leader sends heartbeats every tick. */
  readonly heartbeatIntervalTicks?: number
  readonly preVote?: boolean
  readonly checkQuorum?: boolean
  /** Flow control (the core's defaults otherwise): entries per AppendEntries, appends in flight. */
  readonly maxEntriesPerMessage?: number
  readonly maxInflightMessages?: number
  /** Snapshots are streamed in chunks of this many bytes (the core's default otherwise). */
  readonly snapshotChunkBytes?: number
  /** Each node snapshots its state machine and compacts its log every this many entries (0: never, the default). */
  readonly snapshotEveryEntries?: number
  /** Virtual ms between two ticks of a node. Default 10. */
  readonly tickMs?: number
  /** A disk write completes 0..this many ms after it starts. Default 3. */
  readonly diskLatencyMsMax?: number
  /** Probability that a crash tears the write in flight rather than losing it whole. Default 0.5. */
  readonly tornWriteProbability?: number
  readonly network?: Partial<NetworkOptions>
  /** A safety rule to switch off on purpose (see `unsafeRules`). */
  readonly unsafe?: UnsafeRule | undefined
  /**
   * A member whose removal committed is stopped for good (retired) 0..this many ms later
   * (default 0: at once). Until then it runs on, as a removed server does until its operator
   * shuts it down.
   */
  readonly retireDelayMsMax?: number
  /** What each node's disk holds at the start, by node id (empty disks otherwise). */
  readonly persisted?: Readonly<Record<NodeId, PersistedState>>
  /** Stop at the first safety violation (default true); an exception in the core always stops. */
  readonly stopOnViolation?: boolean
}

/** Hooks for code that runs on top of the cluster (the client workload, scripted tests, the Lab). */
export interface ClusterObserver {
  /** A node applied a key-value command to its state machine. */
  commandApplied?(node: NodeId, index: number, command: KvCommand, result: KvResult): void
  nodeCrashed?(node: NodeId): void
  raftEvent?(event: RaftEvent): void
  /** A linearizable read (see `SimCluster.read`) was served, or failed. */
  readDone?(outcome: ClusterReadOutcome): void
  /** A new node was started to join the cluster (see `addMember`). */
  memberAdded?(node: NodeId): void
  /** A node left the cluster for good: its removal was committed, or its addition was lost. */
  nodeRetired?(node: NodeId, reason: string): void
}

/** A proposal's outcome, or `down` when the node it was sent to is not running. */
export type ClusterProposeResult = ProposeResult | { readonly ok: false; readonly error: 'down' }

/** The outcome of `addMember`, `removeMember` and `changeMembership`. */
export type MembershipResult =
  | {
      readonly ok: true
      /** The member added or removed (for `changeMembership`, the leader that took the change). */
      readonly id: NodeId
      /** Where the configuration entry was appended in the leader's log. */
      readonly index: number
    }
  | { readonly ok: false; readonly error: string }

/** How a linearizable read ended. */
export type ClusterReadOutcome =
  | {
      readonly ok: true
      readonly requestId: number
      /** The node that served it. */
      readonly node: NodeId
      readonly key: string
      readonly value: string | null
      readonly revision: number
      /** The read index: the state the answer reflects includes every entry up to it. */
      readonly index: number
    }
  | {
      readonly ok: false
      readonly requestId: number
      readonly node: NodeId
      readonly key: string
      /** The core's reason (see ReadFailure), or `down` if the node crashed or was retired first. */
      readonly reason: ReadFailure['reason'] | 'down'
      readonly leaderId: NodeId | undefined
    }

/** The outcome of starting a read: its id, or why it could not start. */
export type ClusterReadStart =
  | { readonly ok: true; readonly requestId: number }
  | { readonly ok: false; readonly error: 'down' | 'unknown-node' }

/** Settings that can be switched while the cluster runs (see `setTuning`). */
export interface ClusterTuning {
  readonly preVote?: boolean
  readonly checkQuorum?: boolean
  /** One unsafe rule on, or null for none. */
  readonly unsafe?: UnsafeRule | null
}
