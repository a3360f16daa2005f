import { randomBytes, randomInt } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import type { ClusterConfig, NodeId } from '@raftkit/raft'
import { Replica, type Scheduler } from '@raftkit/replica'
import { FileLogStore } from '@raftkit/storage'
import { TcpTransport } from '@raftkit/transport'
import { pino, type Logger } from 'pino'
import { createApp, forwardedHeader, type ForwardedRequest } from './app.js'
import { createClusterService } from './cluster-service.js'
import type { NodeConfig } from './config.js'
import { createKvService } from './kv-service.js'
import { NodeMetrics } from './metrics.js'
import {
  encodeServerCommand,
  ServerStateMachine,
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
  stop(): Promise<void>
}

function splitHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':')
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) }
}

/**
 * Starts one raftkit node: recovers its write-ahead log, joins its peers over TCP, and serves
 * the HTTP API. Resolves once it is listening; `stop()` shuts everything down in order.
 */
export async function startNode(
  config: NodeConfig,
  options: { logger?: Logger } = {},
): Promise<RunningNode> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { node: config.id } })
  await mkdir(config.dataDir, { recursive: true })
  const store = await FileLogStore.open(join(config.dataDir, 'wal'))
  const persisted = store.recovered
  const fresh =
    persisted.entries.length === 0 &&
    persisted.snapshot === undefined &&
    persisted.hardState.term === 0

  const initialPeers = new Map<NodeId, string>(Object.entries(config.initialCluster ?? {}))
  const initialClientUrls = new Map<NodeId, string>(Object.entries(config.initialClientUrls ?? {}))
  const advertisedClient = config.advertiseClient ?? config.listenClient
  initialClientUrls.set(config.id, advertisedClient)
  const initialConfig: ClusterConfig =
    config.initialCluster !== undefined
      ? { voters: Object.keys(config.initialCluster).sort(), learners: [] }
      : { voters: [], learners: [] }

  const metrics = new NodeMetrics()
  const state = new ServerStateMachine()
  const transport = new TcpTransport({
    nodeId: config.id,
    listen: splitHostPort(config.listenPeer),
    peers: [...initialPeers].filter(([id]) => id !== config.id),
    codec: config.codec,
    clusterSecret: config.clusterSecret,
    logger: logger.child({ component: 'transport' }),
  })

  let lastLeader: string | undefined
  const replica: Replica<ServerResult> = new Replica<ServerResult>({
    raft: {
      id: config.id,
      random: { nextInt: (bound) => randomInt(bound) },
      initialConfig,
      electionTimeoutTicks: config.electionTimeoutTicks,
      heartbeatIntervalTicks: config.heartbeatIntervalTicks,
      // The HTTP layer forwards client requests to the leader, so the core refuses instead.
      forwardProposals: false,
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
        // Rate: once per heartbeat or probe until repaired, which is short; worth every line.
        logger.warn(
          { peer: event.peer, expectedIndex: event.expectedIndex, lastIndex: event.lastIndex, term: event.term },
          `acknowledged entries missing: ${event.rule}`,
        )
      }
    },
    onReadyHandled: (info) => {
      if (info.entries > 0) metrics.observePersist(info.persistMs)
    },
  })
  transport.onMessage((message) => replica.receive(message))
  await transport.start()

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
  })
  const blocked = new Set<NodeId>()
  const app = createApp({
    nodeId: config.id,
    kv,
    cluster,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
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
    forward: (request, leaderUrl) =>
      forwardRequest(request, leaderUrl, config.id, config.requestTimeoutMs),
    logger,
  })

  const clientUrl = new URL(config.listenClient)
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      { fetch: app.fetch, hostname: clientUrl.hostname, port: Number(clientUrl.port) },
      () => resolve(s),
    )
  })
  const boundPort = (server.address() as AddressInfo).port
  const url = `${clientUrl.protocol}//${clientUrl.hostname}:${boundPort}`
  await replica.start()

  // Background duties: keep transport peers in line with the replicated member records,
  // refresh gauges, and on the leader expire TTL keys and promote caught-up learners.
  const timers: (() => void)[] = []
  timers.push(nodeScheduler.every(500, () => syncPeers()))
  timers.push(nodeScheduler.every(1000, () => metrics.observeStatus(replica.status())))
  timers.push(nodeScheduler.every(100, () => void expireKeys()))
  timers.push(nodeScheduler.every(500, () => void promoteLearners()))

  let recordingMembers = false
  function syncPeers(): void {
    const status = replica.status()
    const missing: { id: string; peerAddr: string; clientUrl: string }[] = []
    for (const id of [...status.config.voters, ...status.config.learners]) {
      const addr = cluster.peerAddrOf(id)
      const clientUrlOfMember = cluster.clientUrlOf(id)
      if (state.member(id) === undefined && addr !== undefined && clientUrlOfMember !== undefined) {
        missing.push({ id, peerAddr: addr, clientUrl: clientUrlOfMember })
      }
      if (id === config.id) continue
      if (addr !== undefined && transport.peers().get(id) !== addr) transport.setPeer(id, addr)
    }
    // The founders' addresses come from configuration; the leader writes them into the log so
    // that members who join later (and know only a seed URL) can reach everyone.
    if (status.role === 'leader' && missing.length > 0 && !recordingMembers) {
      recordingMembers = true
      void Promise.all(
        missing.map((member) =>
          replica.propose(
            encodeServerCommand({ t: 'member', member: { ...member, promote: false } }),
            config.requestTimeoutMs,
          ),
        ),
      ).finally(() => {
        recordingMembers = false
      })
    }
  }

  let expiring = false
  async function expireKeys(): Promise<void> {
    if (expiring || replica.status().role !== 'leader') return
    expiring = true
    try {
      // Redis's active expiry: sample, expire what is due, and go again while a quarter or more
      // of the sample was due (bounded rounds per tick).
      for (let round = 0; round < 4; round++) {
        const due = state.sampleExpired(Date.now(), 20)
        if (due.length === 0) break
        await Promise.all(
          due.map((d) =>
            replica.propose(
              encodeServerCommand({ t: 'expire', key: d.key, revision: d.revision }),
              config.requestTimeoutMs,
            ),
          ),
        )
        if (due.length < 5) break
      }
    } finally {
      expiring = false
    }
  }

  let promoting = false
  async function promoteLearners(): Promise<void> {
    const status = replica.status()
    if (promoting || status.role !== 'leader' || status.config.learners.length === 0) return
    for (const learner of status.config.learners) {
      const member = state.member(learner)
      const progress = status.progress?.[learner]
      if (member?.promote !== true || progress === undefined) continue
      // Caught up: within a few entries of the leader and replicating normally.
      if (progress.state !== 'replicate' || status.lastIndex - progress.matchIndex > 8) continue
      promoting = true
      try {
        const outcome = await replica.proposeConfigChange(
          {
            voters: [...status.config.voters, learner],
            learners: status.config.learners.filter((l) => l !== learner),
          },
          config.requestTimeoutMs,
        )
        logger.info({ learner, ok: outcome.ok }, 'promoting a caught-up learner to voter')
      } finally {
        promoting = false
      }
      return
    }
  }

  logger.info(
    { clientUrl: url, peer: config.listenPeer, fresh, voters: initialConfig.voters },
    'node started',
  )

  if (fresh && config.join !== undefined) {
    await joinCluster(
      config.join,
      { id: config.id, peerAddr: config.listenPeer, clientUrl: advertisedClient },
      logger,
      (id, addr) => {
        if (id !== config.id) transport.setPeer(id, addr)
      },
    )
  }

  return {
    id: config.id,
    clientUrl: url,
    peerPort: transport.address.port,
    replica,
    async stop() {
      for (const cancel of timers) cancel()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await replica.stop()
      await transport.close()
      await store.close()
      logger.info({}, 'node stopped')
    },
  }
}

/** Asks a member of a running cluster (any node: it forwards to the leader) to add this node. */
async function joinCluster(
  seedUrl: string,
  self: { id: string; peerAddr: string; clientUrl: string },
  logger: Logger,
  learnPeer: (id: string, peerAddr: string) => void,
): Promise<void> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      // Learn where the members are first: the leader's appends must be answerable at once.
      const view = await fetch(new URL('/v1/cluster', seedUrl))
      if (view.ok) {
        const body = (await view.json()) as { members: { id: string; peerAddr: string }[] }
        for (const member of body.members)
          if (member.peerAddr !== '') learnPeer(member.id, member.peerAddr)
      }
      const response = await fetch(new URL('/v1/cluster/members', seedUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...self, learner: false }),
      })
      if (response.ok || response.status === 409) {
        logger.info(
          { seed: seedUrl, status: response.status },
          'joined the cluster as a learner; promotion follows once caught up',
        )
        return
      }
      logger.warn(
        { seed: seedUrl, status: response.status, body: await response.text() },
        'join refused; retrying',
      )
    } catch (error) {
      logger.warn({ seed: seedUrl, err: (error as Error).message }, 'join failed; retrying')
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)))
  }
  throw new Error(`could not join the cluster through ${seedUrl}`)
}

/** Passes a client request to the leader and its answer back, marked so it is not forwarded again. */
async function forwardRequest(
  request: ForwardedRequest,
  leaderUrl: string,
  selfId: string,
  timeoutMs: number,
): Promise<Response> {
  const headers = new Headers(request.headers)
  headers.set(forwardedHeader, selfId)
  for (const name of ['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive'])
    headers.delete(name)
  const response = await fetch(new URL(request.pathAndQuery, leaderUrl), {
    method: request.method,
    headers,
    body: request.body ?? null,
    signal: AbortSignal.timeout(timeoutMs + 1000),
  })
  const out = new Headers(response.headers)
  for (const name of [
    'content-encoding',
    'content-length',
    'transfer-encoding',
    'connection',
    'keep-alive',
  ])
    out.delete(name)
  return new Response(await response.arrayBuffer(), { status: response.status, headers: out })
}
