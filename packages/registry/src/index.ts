/**
 * @module @raftkit/registry — the version registry and the replicated state machine of a
 * raftkit node: SQL stores (SQLite, MySQL/MariaDB) that apply log entries transactionally,
 * read caches, the watch feed, snowflake ids, semantic-version ordering and signed API keys.
 */
export { RegistryInvariantViolation } from './assert.js'
export {
  decodeRegistryCommand,
  encodeRegistryCommand,
  validateRegistryCommand,
  validateVersionCommand,
  type RegistryDecodeResult,
} from './command-codec.js'
export type {
  MemberRecord,
  RegistryCommand,
  RegistryResult,
  VersionCommand,
  VersionFailure,
  VersionOp,
  VersionResult,
} from './commands.js'
export { registryLimits } from './limits.js'
export {
  dropMysqlDatabase,
  openMysqlStore,
  openSqliteStore,
  openStore,
  redact,
  type OpenStoreOptions,
  type StoreConfig,
} from './store/open-store.js'
export {
  RegistryStore,
  type ApplyOutcome,
  type KvRow,
  type RegistryStoreOptions,
  type VersionPage,
} from './store/registry-store.js'
export type { RegistryDatabase, StoreDialect } from './store/schema.js'
export { registrySnapshotFormat, type RegistrySnapshot } from './store/snapshot-codec.js'
export { decodeCursor, encodeCursor, type VersionCursor } from './versions/cursor.js'
export { compareVersionNos, parseVersionNo, type ParsedVersionNo } from './versions/semver-order.js'
export {
  SnowflakeGenerator,
  decodeSnowflake,
  snowflakeEpochMs,
  workerIdFromMemberId,
  type SnowflakeOptions,
} from './versions/snowflake.js'
export {
  platformPattern,
  versionIdPattern,
  versionJson,
  type VersionRecord,
} from './versions/version-record.js'
export { matchesFilter, type Change, type WatchFilter } from './watch/change.js'
export { LruCache, type CacheStats, type LruCacheOptions } from './cache/lru-cache.js'
export {
  RedisReadCache,
  type CacheAnswer,
  type RedisCacheSource,
  type RedisCacheStats,
  type RedisReadCacheOptions,
} from './cache/redis-read-cache.js'
export { TtlIndex, type TtlEntry } from './cache/ttl-index.js'
export {
  RegistryStateMachine,
  alreadyApplied,
  type RegistryStateMachineOptions,
} from './state-machine.js'
export {
  WatchHub,
  type ChangeHistory,
  type WatchEvent,
  type WatchSink,
  type WatchSubscription,
} from './watch/watch-hub.js'
export { apiKeyOf, requireScope, type RequireScopeOptions } from './security/api-key-middleware.js'
export {
  ApiKeyVerifier,
  apiKeySecretLengthMin,
  isApiScope,
  issueApiKey,
  scopeAllows,
  type ApiKeyVerdict,
  type ApiKeyVerifierOptions,
  type ApiScope,
  type IssueApiKeyOptions,
} from './security/api-keys.js'
export { registryNodeExtensions, storeConfigOf } from './node/registry-node.js'
export { VersionService, type VersionServiceDependencies } from './node/version-service.js'
export { addVersionRoutes } from './node/version-routes.js'
export { addDocsRoutes } from './node/docs-routes.js'
export { openApiDocument } from './node/openapi-document.js'
export {
  createWatchEndpoint,
  parseWatchRequest,
  watchKvPath,
  watchVersionsPath,
} from './node/watch-endpoint.js'
