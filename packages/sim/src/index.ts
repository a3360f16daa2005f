/**
 * @module @raftkit/sim — the deterministic simulator: the real Raft core on virtual time, with a
 * seeded random source, a faulty network, simulated disks, crash and restart, a client workload,
 * Raft's safety properties checked after every step and a linearizability check of the clients'
 * history at the end.
 */
export * from './checker/index.js'
export { EventQueue } from './event-queue.js'
export { defaultFaultOptions, FaultScheduler, type FaultOptions } from './faults.js'
export {
  SafetyChecker,
  type LogView,
  type RecoveredLog,
  type ViolationReporter,
} from './invariants.js'
export {
  defaultNetworkOptions,
  noLinkFaults,
  SimNetwork,
  type LinkFaults,
  type LossReason,
  type NetworkOptions,
} from './network.js'
export {
  faultKinds,
  unsafeRules,
  type FaultKind,
  type LivenessReport,
  type SeedResult,
  type SimOptions,
  type UnsafeRule,
  type Violation,
  type ViolationKind,
} from './options.js'
export { PRNG } from './prng.js'
export {
  SimCluster,
  type ClusterObserver,
  type ClusterProposeResult,
  type ClusterReadOutcome,
  type ClusterReadStart,
  type ClusterTuning,
  type MembershipResult,
  type SimClusterOptions,
} from './sim-cluster.js'
export { clusterLimits } from './sim-membership.js'
export { SimDisk } from './sim-disk.js'
export type { CrashedWrite } from './sim-node.js'
export { runShape, simulate, type SimulateHooks } from './simulate.js'
export type { TraceBody, TraceListener, TraceRecord } from './trace.js'
export {
  defaultWorkloadOptions,
  Workload,
  type ClientOpCounts,
  type WorkloadOptions,
} from './workload.js'
