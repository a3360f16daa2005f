/**
 * A linearizability checker for client histories, and the key-value model the simulator checks
 * its workload against.
 *
 * @module
 */
export { checkLinearizability, defaultMaxSearchSteps } from './check-linearizability.js'
export { checkKvHistory, kvModel } from './kv-model.js'
export type { KvInput, KvOutput, KvState } from './kv-model.js'
export type {
  CheckOptions,
  LinearizabilityResult,
  Model,
  Operation,
  Partition,
  StepResult,
} from './types.js'
