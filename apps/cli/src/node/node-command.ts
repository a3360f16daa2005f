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
    node = await startNode(config)
  } catch (error) {
    // A port in use, a damaged write-ahead log (the message names the file and offset), a data
    // directory that cannot be written: say so in one line and exit, never limp on.
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
