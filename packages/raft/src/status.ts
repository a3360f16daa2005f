import type { ClusterConfig, LogIndex, NodeId, Role, Term } from './types.js'

/** How the leader sees one follower's replication (etcd's Progress). */
export interface ProgressStatus {
  /** probe: one append at a time until the match is found; replicate: pipelined; snapshot: sending one. */
  readonly state: 'probe' | 'replicate' | 'snapshot'
  readonly matchIndex: LogIndex
  readonly nextIndex: LogIndex
  readonly inflightMessages: number
  readonly recentActive: boolean
}

/** A read-only view of one node, for operators, tests and the Lab. */
export interface Status {
  readonly id: NodeId
  readonly role: Role
  readonly term: Term
  readonly vote: NodeId | undefined
  readonly leaderId: NodeId | undefined
  readonly commitIndex: LogIndex
  readonly appliedIndex: LogIndex
  /** The index of the latest snapshot (everything up to it is compacted); 0 if none. */
  readonly snapshotIndex: LogIndex
  readonly lastIndex: LogIndex
  readonly lastTerm: Term
  /** The latest configuration in the log (committed or not: it is in force, §4.1). */
  readonly config: ClusterConfig
  /** The index of the entry that introduced `config` (0, or the snapshot's, for the initial one). */
  readonly configIndex: LogIndex
  readonly electionElapsedTicks: number
  readonly electionTimeoutTicks: number
  /** Only on the leader. */
  readonly progress: Readonly<Record<NodeId, ProgressStatus>> | undefined
  /** The member a leadership transfer is under way to, if any. */
  readonly transferTarget: NodeId | undefined
}
