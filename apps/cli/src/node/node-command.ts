import {
  ConfigError,
  loadNodeConfig,
  parseInitialCluster,
  startNode,
  type NodeConfigInput,
} from '@raftkit/server'
import type { Io } from '../io.js'
import { UsageError } from '../usage-error.js'

/** Flags of `raftkit node`, as commander hands them over (strings and booleans). */
export interface RawNodeFlags {
  readonly id?: string
  readonly dataDir?: string
  readonly listenClient?: string
  readonly listenPeer?: string
  readonly advertiseClient?: string
  readonly initialCluster?: string
  readonly initialClientUrls?: string
  readonly join?: string
  readonly config?: string
  readonly debugFaults?: boolean
  readonly insecure?: boolean
  readonly clusterSecret?: string
  readonly apiKey?: string[]
  readonly tickMs?: string
  readonly electionTicks?: string
  readonly snapshotEvery?: string
  readonly heartbeatTicks?: string
  readonly walSegmentBytes?: string
  readonly requestTimeoutMs?: string
  readonly codec?: string
  readonly logLevel?: string
  readonly store?: string
  readonly sqlitePath?: string
  readonly mysqlUrl?: string
  readonly cacheCapacity?: string
  readonly cacheEvictionRatio?: string
  readonly redisUrl?: string
  readonly redisResyncMs?: string
  readonly apiKeySecret?: string
  readonly corsOrigin?: string[]
}

function storeOf(flags: RawNodeFlags): NodeConfigInput['store'] | undefined {
  const kind =
    flags.store ??
    (flags.mysqlUrl !== undefined ? 'mysql' : flags.sqlitePath !== undefined ? 'sqlite' : undefined)
  if (kind === undefined) return undefined
  if (kind === 'sqlite')
    return flags.sqlitePath === undefined ? { kind } : { kind, path: flags.sqlitePath }
  if (kind === 'mysql') {
    if (flags.mysqlUrl === undefined) throw new UsageError('--store mysql needs --mysql-url')
    return { kind, url: flags.mysqlUrl }
  }
  throw new UsageError(`--store must be sqlite or mysql, got "${kind}"`)
}

function ratio(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isFinite(parsed))
    throw new UsageError(`--cache-eviction-ratio must be a number, got "${value}"`)
  return parsed
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isInteger(parsed))
    throw new UsageError(`--${name} must be an integer, got "${value}"`)
  return parsed
}

/** Runs one node until SIGINT or SIGTERM, then stops it cleanly. */
export async function runNodeCommand(
  flags: RawNodeFlags,
  context: { io: Io; signal: AbortSignal },
): Promise<number> {
  let config
  try {
    const input: { [K in keyof NodeConfigInput]?: NodeConfigInput[K] | undefined } = {
      id: flags.id,
      dataDir: flags.dataDir,
      listenClient: flags.listenClient,
      listenPeer: flags.listenPeer,
      advertiseClient: flags.advertiseClient,
      initialCluster:
        flags.initialCluster === undefined ? undefined : parseInitialCluster(flags.initialCluster),
      initialClientUrls:
        flags.initialClientUrls === undefined
          ? undefined
          : parseInitialCluster(flags.initialClientUrls),
      join: flags.join,
      debugFaults: flags.debugFaults,
      insecure: flags.insecure,
      clusterSecret: flags.clusterSecret,
      apiKeys: flags.apiKey,
      tickMs: integer('tick-ms', flags.tickMs),
      electionTimeoutTicks: integer('election-ticks', flags.electionTicks),
      snapshotEveryEntries: integer('snapshot-every', flags.snapshotEvery),
      heartbeatIntervalTicks: integer('heartbeat-ticks', flags.heartbeatTicks),
      walSegmentBytes: integer('wal-segment-bytes', flags.walSegmentBytes),
      requestTimeoutMs: integer('request-timeout-ms', flags.requestTimeoutMs),
      codec: flags.codec as NodeConfigInput['codec'],
      logLevel: flags.logLevel as NodeConfigInput['logLevel'],
      store: storeOf(flags),
      cache:
        flags.cacheCapacity === undefined && flags.cacheEvictionRatio === undefined
          ? undefined
          : {
              capacity: integer('cache-capacity', flags.cacheCapacity) ?? 10_000,
              evictionRatio: ratio(flags.cacheEvictionRatio) ?? 0.1,
            },
      redis:
        flags.redisUrl === undefined
          ? undefined
          : {
              url: flags.redisUrl,
              resyncIntervalMs: integer('redis-resync-ms', flags.redisResyncMs) ?? 60_000,
            },
      apiKeySecret: flags.apiKeySecret,
      corsOrigins: flags.corsOrigin,
    }
    config = await loadNodeConfig({ file: flags.config, env: process.env, flags: input })
  } catch (error) {
    if (error instanceof ConfigError) {
      context.io.stderr.write(`${error.message}\n`)
      return 2
    }
    throw error
  }
  let node
  try {
    // Every node runs the version registry: its SQL state machine (SQLite by default), routes,
    // watches, signed API keys and API docs.
    const { registryNodeExtensions } = await import('@raftkit/registry')
    node = await startNode(config, registryNodeExtensions(config))
  } catch (error) {
    // A port in use, a damaged write-ahead log (the message names the file and offset), a data
    // directory that cannot be written, a database that does not answer: say so in one line and
    // exit, never limp on.
    const reason = error instanceof Error ? error.message : String(error)
    context.io.stderr.write(`raftkit node ${config.id}: cannot start: ${reason}\n`)
    return 1
  }
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve()
    context.signal.addEventListener('abort', () => resolve(), { once: true })
    process.once('SIGTERM', () => resolve())
  })
  await node.stop()
  return 0
}
