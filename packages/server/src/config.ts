import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

/** `host:port`, with a port in 1..65535 (0 allowed for tests: pick a free port). */
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'expected HOST:PORT')
  .refine((value) => {
    // Only a value of the right shape gets this second complaint.
    const port = /:(\d{1,5})$/.exec(value)?.[1]
    return port === undefined || Number(port) <= 65535
  }, 'port must be 0..65535')

const memberId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'ids are 1-64 letters, digits, - or _')

/** An http(s) URL with an explicit port and nothing after it, such as http://127.0.0.1:7001. */
const listenUrl = z.string().refine((value) => {
  try {
    const url = new URL(value)
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.port !== '' &&
      (url.pathname === '/' || url.pathname === '') &&
      url.search === '' &&
      url.hash === ''
    )
  } catch {
    return false
  }
}, 'expected http://HOST:PORT, such as http://127.0.0.1:7001')

/** An http(s) URL (a member's client URL, a seed to join through). */
const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}, 'expected an http:// or https:// URL')

/** The configuration of one node, validated as a whole at start. */
export const nodeConfigSchema = z
  .object({
    id: memberId,
    dataDir: z.string().min(1),
    listenClient: listenUrl,
    listenPeer: hostPort,
    /** Advertised client URL of this node (defaults to listenClient). */
    advertiseClient: httpUrl.optional(),
    initialCluster: z.record(memberId, hostPort).optional(),
    /** Client URLs of the founding members, so any node can name the leader's URL. */
    initialClientUrls: z.record(memberId, httpUrl).optional(),
    join: httpUrl.optional(),
    debugFaults: z.boolean().default(false),
    insecure: z.boolean().default(false),
    clusterSecret: z.string().min(16, 'a cluster secret needs at least 16 characters').optional(),
    apiKeys: z.array(z.string().min(16, 'an API key needs at least 16 characters')).default([]),
    /**
     * The secret that signs API keys (`raftkit apikey issue`): keys carry an id, a scope
     * (read, write, admin) and an expiry, and nodes check them with the secret alone.
     */
    apiKeySecret: z.string().min(32, 'an API-key secret needs at least 32 characters').optional(),
    /** Ids of signed keys refused before their expiry. */
    revokedApiKeys: z.array(z.string().min(1)).default([]),
    /** Where the replicated state machine lives: an SQLite file (default) or a MySQL database. */
    store: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('sqlite'), path: z.string().min(1).optional() }).strict(),
        z
          .object({
            kind: z.literal('mysql'),
            url: z
              .string()
              .regex(/^mysql:\/\//, 'expected mysql://user[:password]@host:port/database'),
          })
          .strict(),
      ])
      .default({ kind: 'sqlite' }),
    /** The in-process LRU read cache: entries held, and the share evicted at once when full. */
    cache: z
      .object({
        capacity: z.number().int().min(0).max(10_000_000).default(10_000),
        evictionRatio: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .default({ capacity: 10_000, evictionRatio: 0.1 }),
    /** An optional Redis read cache for consistency=stale reads, re-synced on an interval. */
    redis: z
      .object({
        url: z.string().regex(/^rediss?:\/\//, 'expected redis://host:port'),
        prefix: z.string().min(1).max(200).optional(),
        resyncIntervalMs: z.number().int().min(100).default(60_000),
      })
      .strict()
      .optional(),
    /** Origins allowed to call the API from a browser (CORS); empty: none. `*`: any. */
    corsOrigins: z.array(z.string().min(1)).default([]),
    tickMs: z.number().int().min(1).max(1000).default(50),
    electionTimeoutTicks: z.number().int().min(3).max(1000).default(10),
    heartbeatIntervalTicks: z.number().int().min(1).max(100).default(1),
    snapshotEveryEntries: z.number().int().min(0).default(10_000),
    /** The WAL starts a new segment file past this size; old segments go once a snapshot covers them. */
    walSegmentBytes: z
      .number()
      .int()
      .min(64 << 10, 'WAL segments are at least 65536 bytes')
      .max(1 << 30)
      .default(64 << 20),
    requestTimeoutMs: z.number().int().min(10).max(600_000).default(5_000),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 << 20)
      .default(1 << 20),
    codec: z.enum(['msgpack', 'json']).default('msgpack'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.initialCluster === undefined && config.join === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give --initial-cluster or --join',
        path: ['initialCluster'],
      })
    }
    if (config.initialCluster !== undefined && !(config.id in config.initialCluster)) {
      ctx.addIssue({
        code: 'custom',
        message: `--initial-cluster must include this node (${config.id})`,
        path: ['initialCluster'],
      })
    }
    const clientHost = safeHostname(config.listenClient)
    // A listen URL that is itself wrong has its own complaint; judge exposure only on good ones.
    if (clientHost === undefined) return
    const peerHost = config.listenPeer.slice(0, config.listenPeer.lastIndexOf(':'))
    const exposed = !isLoopback(clientHost) || !isLoopback(peerHost)
    if (
      exposed &&
      !config.insecure &&
      (config.clusterSecret === undefined ||
        (config.apiKeys.length === 0 && config.apiKeySecret === undefined))
    ) {
      ctx.addIssue({
        code: 'custom',
        message: 'listening beyond loopback needs a cluster secret and an API key (or --insecure)',
        path: ['listenClient'],
      })
    }
  })

export type NodeConfig = z.infer<typeof nodeConfigSchema>
export type NodeConfigInput = z.input<typeof nodeConfigSchema>

function safeHostname(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.hostname : undefined
  } catch {
    return undefined
  }
}

export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
  )
}

/** Parses `n1=127.0.0.1:7101,n2=127.0.0.1:7102`. */
export function parseInitialCluster(value: string): Record<string, string> {
  const cluster: Record<string, string> = {}
  for (const part of value.split(',').filter((p) => p.length > 0)) {
    const eq = part.indexOf('=')
    if (eq <= 0) throw new ConfigError([`--initial-cluster: "${part}" is not ID=HOST:PORT`])
    cluster[part.slice(0, eq)] = part.slice(eq + 1)
  }
  return cluster
}

export class ConfigError extends Error {
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.problems = problems
  }
}

/**
 * Builds the configuration from, in rising precedence: a YAML file, RAFTKIT_* environment
 * variables, and command-line flags. Every wrong value is reported at once, by name.
 */
export async function loadNodeConfig(options: {
  file?: string | undefined
  env?: Record<string, string | undefined>
  /** Flags given on the command line; undefined means "not given". */
  flags: { readonly [K in keyof NodeConfigInput]?: NodeConfigInput[K] | undefined }
}): Promise<NodeConfig> {
  let fromFile: Record<string, unknown> = {}
  if (options.file !== undefined) {
    const text = await readFile(options.file, 'utf8').catch((error: Error) => {
      throw new ConfigError([`cannot read config file ${options.file}: ${error.message}`])
    })
    let parsed: unknown
    try {
      parsed = parseYaml(text)
    } catch (error) {
      const first = (error as Error).message.split('\n')[0]
      throw new ConfigError([`${options.file} is not valid YAML: ${first}`])
    }
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed)))
      throw new ConfigError([`${options.file}: expected a YAML mapping of settings`])
    fromFile = (parsed ?? {}) as Record<string, unknown>
  }
  const envProblems: string[] = []
  const fromEnv = configFromEnv(options.env ?? {}, envProblems)
  const merged = { ...fromFile, ...fromEnv, ...stripUndefined(options.flags) }
  const result = nodeConfigSchema.safeParse(merged, {
    error: (issue) =>
      issue.input === undefined && issue.code === 'invalid_type' ? 'required' : undefined,
  })
  const problems = [...envProblems]
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(describeIssue(issue.path, issue.message))
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return result.data!
}

/** `--data-dir (RAFTKIT_DATA_DIR, dataDir in the file): required`: every name it goes by. */
function describeIssue(path: readonly PropertyKey[], message: string): string {
  const [key, ...rest] = path.map(String)
  if (key === undefined) return `config: ${message}`
  const flag = flagNames[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
  const env = key === 'initialClientUrls' || key === 'advertiseClient' ? '' : `${envName(key)}, `
  const where = rest.length > 0 ? ` ${rest.join('.')}` : ''
  return `${flag}${where} (${env}${key} in the file): ${message}`
}

/** Flags whose name is not the kebab-case of the setting. */
const flagNames: Record<string, string> = {
  electionTimeoutTicks: '--election-ticks',
  snapshotEveryEntries: '--snapshot-every',
  walSegmentBytes: '--wal-segment-bytes',
  apiKeys: '--api-key',
  requestTimeoutMs: '--request-timeout-ms',
  maxBodyBytes: '--max-body-bytes',
  heartbeatIntervalTicks: '--heartbeat-ticks',
}

const envNumbers = [
  'tickMs',
  'electionTimeoutTicks',
  'heartbeatIntervalTicks',
  'snapshotEveryEntries',
  'walSegmentBytes',
  'requestTimeoutMs',
  'maxBodyBytes',
] as const
const envStrings = [
  'id',
  'dataDir',
  'listenClient',
  'listenPeer',
  'advertiseClient',
  'join',
  'clusterSecret',
  'codec',
  'logLevel',
  'apiKeySecret',
] as const

function envName(key: string): string {
  return `RAFTKIT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`
}

function configFromEnv(
  env: Record<string, string | undefined>,
  problems: string[],
): Record<string, unknown> {
  const config: Record<string, unknown> = {}
  for (const key of envStrings) if (env[envName(key)] !== undefined) config[key] = env[envName(key)]
  for (const key of envNumbers) {
    const raw = env[envName(key)]
    if (raw === undefined) continue
    const value = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(value))
      problems.push(`${envName(key)}: expected a number, got ${JSON.stringify(raw)}`)
    else config[key] = value
  }
  if (env.RAFTKIT_API_KEYS !== undefined)
    config.apiKeys = env.RAFTKIT_API_KEYS.split(',').filter((k) => k.length > 0)
  if (env.RAFTKIT_INITIAL_CLUSTER !== undefined)
    config.initialCluster = parseInitialCluster(env.RAFTKIT_INITIAL_CLUSTER)
  if (env.RAFTKIT_STORE === 'sqlite') config.store = { kind: 'sqlite' }
  else if (env.RAFTKIT_STORE !== undefined || env.RAFTKIT_MYSQL_URL !== undefined)
    config.store = { kind: env.RAFTKIT_STORE ?? 'mysql', url: env.RAFTKIT_MYSQL_URL }
  if (env.RAFTKIT_REDIS_URL !== undefined) config.redis = { url: env.RAFTKIT_REDIS_URL }
  if (env.RAFTKIT_CORS_ORIGINS !== undefined)
    config.corsOrigins = env.RAFTKIT_CORS_ORIGINS.split(',').filter((o) => o.length > 0)
  if (env.RAFTKIT_INSECURE !== undefined)
    config.insecure = env.RAFTKIT_INSECURE === 'true' || env.RAFTKIT_INSECURE === '1'
  if (env.RAFTKIT_DEBUG_FAULTS !== undefined)
    config.debugFaults = env.RAFTKIT_DEBUG_FAULTS === 'true' || env.RAFTKIT_DEBUG_FAULTS === '1'
  return config
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
