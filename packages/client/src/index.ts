/**
 * @module @raftkit/client — the TypeScript SDK for a raftkit cluster: member discovery, leader
 * following, safe retries (client id + sequence), timeouts, and watches that survive failover.
 */
export { RaftkitClient } from './client.js'
export { Endpoints, normalizeUrl } from './endpoints.js'
export { RaftkitError, RaftkitUnavailableError, isRetryableStatus } from './errors.js'
export type { CallOptions, CallResult, ClientOptions } from './http-core.js'
export { HttpCore } from './http-core.js'
export { SessionLanes } from './sessions.js'
export type * from './types.js'
export { Watch, type WatchOptions, type WatchTarget } from './watch.js'
