import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { NodeConfig, NodeExtensions, NodeMetrics } from '@raftkit/server'
import type { Logger } from 'pino'
import { ApiKeyVerifier, issueApiKey } from '../security/api-keys.js'
import { RegistryStateMachine } from '../state-machine.js'
import { openStore, redact, type StoreConfig } from '../store/open-store.js'
import { SnowflakeGenerator, workerIdFromMemberId } from '../versions/snowflake.js'
import { addDocsRoutes } from './docs-routes.js'
import { VersionService } from './version-service.js'
import { addVersionRoutes } from './version-routes.js'
import { createWatchEndpoint } from './watch-endpoint.js'

/** Where a node's state machine lives, from its configuration (SQLite in the data dir by default). */
export function storeConfigOf(config: NodeConfig): StoreConfig {
  const store = config.store
  if (store.kind === 'mysql') return { kind: 'mysql', url: store.url }
  return { kind: 'sqlite', path: store.path ?? join(config.dataDir, 'state.sqlite') }
}

/**
 * Everything the version registry adds to a raftkit node: the SQL state machine (SQLite or
 * MySQL, with the LRU and optional Redis read caches), the `/v1/versions` and `/v1/platforms`
 * routes, watches over WebSocket, signed API keys with scopes, the OpenAPI document and its
 * page, and the cache metrics. Pass it to `startNode`.
 */
export function registryNodeExtensions(
  config: NodeConfig,
  options: { logger?: Logger } = {},
): NodeExtensions & {
  /** The state machine, once the node has created it. */
  readonly machine: () => RegistryStateMachine | undefined
} {
  let machine: RegistryStateMachine | undefined
  let watchEndpoint: ReturnType<typeof createWatchEndpoint> | undefined
  const verifier = new ApiKeyVerifier({
    secret: config.apiKeySecret,
    staticKeys: config.apiKeys,
    revokedKeyIds: config.revokedApiKeys,
  })
  // A joining node that holds the signing secret makes itself a short-lived admin key.
  const joinApiKey =
    config.apiKeys[0] ??
    (config.apiKeySecret === undefined
      ? undefined
      : issueApiKey({
          secret: config.apiKeySecret,
          keyId: `join-${config.id}`.slice(0, 32),
          scope: 'admin',
          expiresAt: new Date(Date.now() + 10 * 60_000),
        }))

  const stateMachineOf = async (context: { logger: Logger }): Promise<RegistryStateMachine> => {
    const storeConfig = storeConfigOf(config)
    const store = await openStore(storeConfig)
    context.logger.info(
      {
        store: storeConfig.kind,
        where: storeConfig.kind === 'sqlite' ? storeConfig.path : redact(storeConfig.url),
        appliedIndex: store.appliedIndex,
      },
      'state machine store opened',
    )
    const logger = context.logger.child({ component: 'registry' })
    machine = await RegistryStateMachine.open({
      store,
      cache: config.cache,
      ...(config.redis !== undefined
        ? {
            redis: {
              url: config.redis.url,
              prefix: config.redis.prefix ?? `raftkit:${config.id}:`,
              resyncIntervalMs: config.redis.resyncIntervalMs,
            },
          }
        : {}),
      logger,
    })
    watchEndpoint = createWatchEndpoint(machine.watches, { logger })
    return machine
  }

  return {
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    machine: () => machine,
    stateMachine: stateMachineOf,
    apiKeyCheck: verifier,
    ...(joinApiKey !== undefined ? { joinApiKey } : {}),
    routes(app, node) {
      const service = new VersionService({
        replica: node.replica,
        state: machine!,
        ids: new SnowflakeGenerator({
          workerId: workerIdFromMemberId(config.id),
          now: () => Date.now(),
        }),
        requestTimeoutMs: config.requestTimeoutMs,
        now: () => Date.now(),
        clientUrlOf: node.clientUrlOf,
        anonymousClientId: `${config.id}-v-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
      })
      addVersionRoutes(app, service)
      addDocsRoutes(app)
    },
    upgrade: (request, socket, head) => watchEndpoint?.upgrade(request, socket, head) ?? false,
    metrics: (metrics) => registerCacheMetrics(metrics, () => machine),
    async stop() {
      watchEndpoint?.close()
      await machine?.close()
    },
  }
}

function registerCacheMetrics(
  metrics: NodeMetrics,
  machine: () => RegistryStateMachine | undefined,
): void {
  const stats = (): ReturnType<RegistryStateMachine['cacheStats']> | undefined =>
    machine()?.cacheStats()
  const ratio = (hits: number, misses: number): number =>
    hits + misses === 0 ? 0 : hits / (hits + misses)
  for (const name of ['kv', 'versions', 'latest'] as const) {
    metrics.gauge(
      `raftkit_cache_${name}_hits`,
      `LRU read cache hits (${name})`,
      () => stats()?.[name].hits ?? 0,
    )
    metrics.gauge(
      `raftkit_cache_${name}_misses`,
      `LRU read cache misses (${name})`,
      () => stats()?.[name].misses ?? 0,
    )
    metrics.gauge(`raftkit_cache_${name}_hit_ratio`, `LRU read cache hit ratio (${name})`, () => {
      const s = stats()?.[name]
      return s === undefined ? 0 : ratio(s.hits, s.misses)
    })
    metrics.gauge(
      `raftkit_cache_${name}_entries`,
      `LRU read cache entries (${name})`,
      () => stats()?.[name].size ?? 0,
    )
  }
  metrics.gauge(
    'raftkit_redis_cache_hits',
    'Redis read cache hits',
    () => stats()?.redis?.hits ?? 0,
  )
  metrics.gauge(
    'raftkit_redis_cache_misses',
    'Redis read cache misses',
    () => stats()?.redis?.misses ?? 0,
  )
  metrics.gauge('raftkit_redis_cache_hit_ratio', 'Redis read cache hit ratio', () => {
    const s = stats()?.redis
    return s === undefined ? 0 : ratio(s.hits, s.misses)
  })
  metrics.gauge('raftkit_redis_cache_synced', '1 while the Redis mirror is complete', () =>
    stats()?.redis?.synced === true ? 1 : 0,
  )
  metrics.gauge(
    'raftkit_redis_cache_resyncs',
    'Full Redis re-syncs done',
    () => stats()?.redis?.resyncs ?? 0,
  )
  metrics.gauge('raftkit_watchers', 'Open watch subscriptions', () => machine()?.watches.size ?? 0)
  metrics.gauge(
    'raftkit_store_applied_index',
    'Applied index the SQL store holds',
    () => machine()?.store.appliedIndex ?? 0,
  )
}
