import { randomBytes, randomInt } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import type { ClusterConfig, NodeId } from '@raftkit/raft'
import { Replica, type Scheduler } from '@raftkit/replica'
import { FileLogStore } from '@raftkit/storage'
import { TcpTransport } from '@raftkit/transport'
import type { Hono } from 'hono'
import { pino, type Logger } from 'pino'
import type { ApiKeyCheck } from './api-keys.js'
import { createApp } from './app.js'
import { createClusterService } from './cluster-service.js'
import type { NodeConfig } from './config.js'
import { startDuties } from './duties.js'
import { EventHub } from './event-stream.js'
import { attachEventStream } from './events-endpoint.js'
import { Forwarder } from './forward.js'
import { joinCluster } from './join.js'
import { verifyJoinProof } from './join-proof.js'
import { createKvService } from './kv-service.js'
import { NodeMetrics } from './metrics.js'
import {
  ServerStateMachine,
  type NodeStateMachine,
  type ServerResult,
} from './server-state-machine.js'

export const nodeScheduler: Scheduler = {
  every(intervalMs, callback) {
    const timer = setInterval(callback, intervalMs)
    return () => clearInterval(timer)
  },
  after(delayMs, callback) {
    const timer = setTimeout(callback, delayMs)
    return () => clearTimeout(timer)
  },
  defer(callback) {
    setImmediate(callback)
  },
}

export interface RunningNode {
  readonly id: NodeId
  readonly clientUrl: string
  readonly peerPort: number
  readonly replica: Replica<ServerResult>
  readonly state: NodeStateMachine
  readonly events: EventHub
  readonly metrics: NodeMetrics
  stop(): Promise<void>
}

/** What another replicated service (the version registry) plugs into a node. */
export interface NodeExtensions {
  readonly logger?: Logger
  /**
   * The state machine to replicate; default: the in-memory `ServerStateMachine`. A durable one
   * (SQLite, MySQL) also implements `appliedIndex()`, so a restart neither restores an older
   * snapshot over it nor applies an entry twice. It may be created from the node's data
   * directory, which exists when this is called.
   */
  readonly stateMachine?: (context: {
    dataDir: string
    logger: Logger
  }) => NodeStateMachine | Promise<NodeStateMachine>
  /** Adds routes to the node's HTTP app (after the key-value and cluster routes). */
  readonly routes?: (
    app: Hono,
    node: {
      replica: Replica<ServerResult>
      state: NodeStateMachine
      config: NodeConfig
      /** A member's client URL, to name the leader in a redirect or forward. */
      clientUrlOf: (id: NodeId) => string | undefined
    },
  ) => void
  /** Checks API keys with scopes (signed keys); replaces the check of the plain `apiKeys`. */
  readonly apiKeyCheck?: ApiKeyCheck
  /**
   * Takes WebSocket upgrades on other paths than the event stream (e.g. watches); returns true
   * when it took the request.
   */
  readonly upgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean
  /** Registers more metrics (cache hit ratios, ...). */
  readonly metrics?: (metrics: NodeMetrics) => void
  /** The key a joining node sends to the cluster (default: the first configured plain key). */
  readonly joinApiKey?: string
  /** Runs after the replica has stopped (close the store, caches, sockets). */
  readonly stop?: () => Promise<void>
}

function splitHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':')
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) }
}

/**
 * Starts one raftkit node: recovers its write-ahead log (and snapshot), joins its peers over
 * TCP, and serves the HTTP API and the event stream. Resolves once it is listening; `stop()`
 * shuts everything down in order: HTTP first (no new requests), then the replica (pending
 * requests fail), then the transport and the log.
 */
export async function startNode(
  config: NodeConfig,
  options: NodeExtensions = {},
): Promise<RunningNode> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { node: config.id } })
  await mkdir(config.dataDir, { recursive: true })
  const metrics = new NodeMetrics()
  const store = await FileLogStore.open(join(config.dataDir, 'wal'), {
    segmentBytesMax: config.walSegmentBytes,
    // Zero-filled segments: each fdatasync then flushes data only, no block allocation.
    preallocateSegments: true,
    onSync: (durationMs) => metrics.observeFsync(durationMs),
  })
  const persisted = store.recovered
  const fresh =
    persisted.entries.length === 0 &&
    persisted.snapshot === undefined &&
    persisted.hardState.term === 0
  if (store.stats.recoveryRepairs.length > 0)
    logger.warn({ repairs: store.stats.recoveryRepairs }, 'write-ahead log repaired on recovery')

  const initialPeers = new Map<NodeId, string>(Object.entries(config.initialCluster ?? {}))
  const initialClientUrls = new Map<NodeId, string>(Object.entries(config.initialClientUrls ?? {}))
  const advertisedClient = config.advertiseClient ?? config.listenClient
  initialClientUrls.set(config.id, advertisedClient)
  const initialConfig: ClusterConfig =
    config.initialCluster !== undefined
      ? { voters: Object.keys(config.initialCluster).sort(), learners: [] }
      : { voters: [], learners: [] }

  const state =
    (await options.stateMachine?.({ dataDir: config.dataDir, logger })) ?? new ServerStateMachine()
  const transport = new TcpTransport({
    nodeId: config.id,
    listen: splitHostPort(config.listenPeer),
    peers: [...initialPeers].filter(([id]) => id !== config.id),
    codec: config.codec,
    clusterSecret: config.clusterSecret,
    logger: logger.child({ component: 'transport' }),
  })

  // The event hub needs the status of services created after the replica; it asks lazily.
  let statusForStream: () => Record<string, unknown> = () => ({})
  const events = new EventHub({ nodeId: config.id, status: () => statusForStream() })

  let lastLeader: string | undefined
  const replica: Replica<ServerResult> = new Replica<ServerResult>({
    raft: {
      id: config.id,
      random: { nextInt: (bound) => randomInt(bound) },
      initialConfig,
      electionTimeoutTicks: config.electionTimeoutTicks,
      heartbeatIntervalTicks: config.heartbeatIntervalTicks,
      // A follower hands writes to the leader through the core (Propose messages over the peer
      // connection, batched per turn) and answers once it applies them itself; HTTP forwarding
      // remains for what only the leader can do (membership, leadership transfer).
      forwardProposals: true,
    },
    persisted,
    logStore: store,
    transport: { send: (message) => transport.send(message) },
    stateMachine: state,
    scheduler: nodeScheduler,
    tickMs: config.tickMs,
    snapshotEveryEntries: config.snapshotEveryEntries,
    logger: logger.child({ component: 'replica' }),
    now: () => Date.now(),
    onEvent: (event) => {
      metrics.observeEvent(event)
      events.publish(event)
      if (event.type === 'role-changed') {
        logger.info(
          {
            term: event.term,
            from: event.from,
            to: event.to,
            leader: event.leaderId,
            rule: event.rule,
          },
          `became ${event.to}`,
        )
        if (event.leaderId !== undefined && event.leaderId !== lastLeader) {
          lastLeader = event.leaderId
          logger.info({ term: event.term, leader: event.leaderId }, 'leader changed')
        }
      } else if (event.type === 'config-changed') {
        logger.info(
          { index: event.index, voters: event.config.voters, learners: event.config.learners },
          'configuration changed',
        )
      } else if (event.type === 'snapshot-installed') {
        logger.info({ index: event.index }, 'snapshot installed from the leader')
      } else if (event.type === 'entries-missing') {
        // Once per heartbeat or probe until repaired, which is short; worth every line.
        logger.warn(
          {
            peer: event.peer,
            expectedIndex: event.expectedIndex,
            lastIndex: event.lastIndex,
            term: event.term,
          },
          `acknowledged entries missing: ${event.rule}`,
        )
      }
    },
    onReadyHandled: (info) => {
      if (info.entries > 0) metrics.observeReady(info.entries, info.persistMs)
    },
  })
  transport.onMessage((message) => replica.receive(message))
  // From here on, a failure to start must release what is already open (a half-started node
  // that holds its peer port would keep the process alive and the port taken).
  const undo: (() => Promise<void>)[] = [() => store.close()]
  if (options.stop !== undefined) undo.push(options.stop)
  const release = async (): Promise<void> => {
    for (const step of undo.reverse()) await step().catch(() => undefined)
  }
  try {
    await transport.start()
  } catch (error) {
    await release()
    throw error
  }
  undo.push(() => transport.close())

  const cluster = createClusterService({
    nodeId: config.id,
    replica,
    state,
    requestTimeoutMs: config.requestTimeoutMs,
    initialPeers,
    initialClientUrls,
  })
  const kv = createKvService({
    replica,
    state,
    requestTimeoutMs: config.requestTimeoutMs,
    now: () => Date.now(),
    clientUrlOf: cluster.clientUrlOf,
    anonymousClientId: `${config.id}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
    observeProposal: (outcome) => metrics.observeProposal(outcome),
  })
  statusForStream = () => {
    const status = replica.status()
    return {
      ...status,
      clientUrl: advertisedClient,
      peerAddr: config.listenPeer,
      members: cluster.view().members,
    }
  }
  metrics.watchStatus(() => replica.status())
  metrics.watchTransport(() => transport.stats())
  metrics.gauge('raftkit_wal_segments', 'WAL segment files on disk', () => store.stats.segmentCount)
  metrics.gauge('raftkit_ttl_keys', 'Keys with a TTL', () => state.keysWithTtl)
  metrics.gauge(
    'raftkit_event_streams',
    'Open /v1/cluster/events streams',
    () => events.subscriberCount,
  )

  const forwarder = new Forwarder(config.id, config.requestTimeoutMs)
  const blocked = new Set<NodeId>()
  const app = createApp({
    nodeId: config.id,
    kv,
    cluster,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    apiKeys: config.apiKeys,
    apiKeyCheck: options.apiKeyCheck,
    corsOrigins: config.corsOrigins,
    verifyJoin:
      config.clusterSecret === undefined
        ? undefined
        : (member, proof) => verifyJoinProof(config.clusterSecret!, member, proof),
    debugFaults: config.debugFaults
      ? {
          block(ids) {
            for (const id of ids) blocked.add(id)
            transport.block([...blocked])
            logger.warn({ blocked: [...blocked] }, 'debug: blocking peers')
          },
          heal() {
            blocked.clear()
            transport.unblock()
            logger.warn({}, 'debug: network healed')
          },
          blocked: () => [...blocked],
        }
      : undefined,
    forward: (request, leaderUrl) => forwarder.forward(request, leaderUrl),
    extend:
      options.routes === undefined
        ? undefined
        : (hono) =>
            options.routes!(hono, { replica, state, config, clientUrlOf: cluster.clientUrlOf }),
    logger,
  })

  const clientUrl = new URL(config.listenClient)
  let server: ServerType
  try {
    server = await new Promise((resolve, reject) => {
      const s = serve(
        { fetch: app.fetch, hostname: clientUrl.hostname, port: Number(clientUrl.port) },
        () => resolve(s),
      )
      s.once('error', reject)
    })
  } catch (error) {
    await release()
    throw error
  }
  options.metrics?.(metrics)
  const detachEvents = attachEventStream(server as Server, events, logger, options.upgrade)
  const boundPort = (server.address() as AddressInfo).port
  const url = `${clientUrl.protocol}//${clientUrl.hostname}:${boundPort}`
  await replica.start()
  const stopDuties = startDuties({
    selfId: config.id,
    replica,
    state,
    transport,
    scheduler: nodeScheduler,
    logger,
    requestTimeoutMs: config.requestTimeoutMs,
    peerAddrOf: cluster.peerAddrOf,
    clientUrlOf: cluster.clientUrlOf,
    now: () => Date.now(),
  })

  logger.info(
    {
      clientUrl: url,
      peer: config.listenPeer,
      fresh,
      voters: initialConfig.voters,
      recovered: {
        snapshotIndex: persisted.snapshot?.meta.index ?? 0,
        entries: persisted.entries.length,
        term: persisted.hardState.term,
      },
    },
    'node started',
  )

  const running: RunningNode = {
    id: config.id,
    clientUrl: url,
    peerPort: transport.address.port,
    replica,
    state,
    events,
    metrics,
    async stop() {
      stopDuties()
      detachEvents()
      ;(server as Server).closeIdleConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      forwarder.close()
      await replica.stop()
      await options.stop?.()
      await transport.close()
      await store.close()
      logger.info({}, 'node stopped')
    },
  }

  if (fresh && config.join !== undefined) {
    // A node the cluster refuses (it lacks the secret or the key) must not linger half-started.
    try {
      await joinCluster(
        config.join,
        { id: config.id, peerAddr: config.listenPeer, clientUrl: advertisedClient },
        {
          logger,
          apiKey: options.joinApiKey ?? config.apiKeys[0],
          clusterSecret: config.clusterSecret,
          learnPeer: (id, addr) => {
            if (id !== config.id) transport.setPeer(id, addr)
          },
        },
      )
    } catch (error) {
      await running.stop()
      throw error
    }
  }
  return running
}
