/**
 * @module @raftkit/server — a raftkit node: the replicated key-value HTTP API over the replica,
 * the write-ahead log and the TCP peer transport.
 */
export { createApp, forwardedHeader, type AppDependencies } from './app.js'
export {
  ConfigError,
  isLoopback,
  loadNodeConfig,
  nodeConfigSchema,
  parseInitialCluster,
  type NodeConfig,
  type NodeConfigInput,
} from './config.js'
export { ApiError, statusByErrorCode, type ErrorCode } from './errors.js'
export { NodeMetrics } from './metrics.js'
export { startNode, type RunningNode } from './node.js'
export {
  ServerStateMachine,
  encodeServerCommand,
  type ServerCommand,
  type ServerResult,
} from './server-state-machine.js'
