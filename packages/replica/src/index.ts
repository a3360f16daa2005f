/**
 * @module @raftkit/replica — runs the pure Raft core as a live node against ports for durable
 * storage, the network, a state machine and time.
 */
export type { Outcome, ReplicaError } from './outcome.js'
export {
  silentLogger,
  type Logger,
  type LogStore,
  type Scheduler,
  type StateMachine,
  type Transport,
} from './ports.js'
export { Replica, type ReplicaOptions } from './replica.js'
