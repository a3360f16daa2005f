/**
 * @module @raftkit/server — a raftkit node: the replicated key-value HTTP API over the replica,
 * the write-ahead log and the TCP peer transport, plus the live event stream.
 */
export { createApp, forwardedHeader, type AppDependencies, type ForwardedRequest } from './app.js'
export {
  ConfigError,
  isLoopback,
  loadNodeConfig,
  nodeConfigSchema,
  parseInitialCluster,
  type NodeConfig,
  type NodeConfigInput,
} from './config.js'
export { apiKeyGuard, plainKeyCheck, type ApiKeyCheck, type ApiKeyScope } from './api-keys.js'
export { ApiError, errorBody, problem, statusByErrorCode, type ErrorCode } from './errors.js'
export { toError } from './kv-service.js'
export { bodyText, boundedBody } from './request-body.js'
export {
  defaultEventStreamLimits,
  EventHub,
  type EventSocket,
  type EventStreamLimits,
  type SubscribeOptions,
} from './event-stream.js'
export { messageJson, raftEventJson } from './event-json.js'
export { eventsPath } from './events-endpoint.js'
export { joinProof, verifyJoinProof } from './join-proof.js'
export { NodeMetrics } from './metrics.js'
export { nodeScheduler, startNode, type NodeExtensions, type RunningNode } from './node.js'
export {
  ServerStateMachine,
  encodeServerCommand,
  type KvRecordView,
  type MemberRecord,
  type NodeStateMachine,
  type ServerCommand,
  type ServerResult,
} from './server-state-machine.js'
export {
  NotLeader,
  type KvService,
  type ClusterService,
  type RequestIdentity,
} from './service-types.js'
