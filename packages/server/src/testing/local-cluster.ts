import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { nodeConfigSchema } from '../config.js'
import { startNode, type RunningNode } from '../node.js'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

export interface LocalCluster {
  readonly nodes: RunningNode[]
  readonly urls: Map<string, string>
  readonly dataDir: string
  stop(): Promise<void>
  restart(id: string): Promise<RunningNode>
  leaderUrl(timeoutMs?: number): Promise<string>
  /** Waits until every node knows the leader and has applied what it knows to be committed. */
  allReady(timeoutMs?: number): Promise<void>
}

/** Starts `size` nodes in this process on free loopback ports, with fast ticks for tests. */
export async function startLocalCluster(
  size: number,
  options: { debugFaults?: boolean; snapshotEveryEntries?: number; apiKeys?: string[] } = {},
): Promise<LocalCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'raftkit-cluster-'))
  const ids = Array.from({ length: size }, (_, i) => `n${i + 1}`)
  const peers: Record<string, string> = {}
  const clientUrls: Record<string, string> = {}
  for (const id of ids) {
    peers[id] = `127.0.0.1:${await freePort()}`
    clientUrls[id] = `http://127.0.0.1:${await freePort()}`
  }
  const configFor = (id: string) =>
    nodeConfigSchema.parse({
      id,
      dataDir: join(dataDir, id),
      listenClient: clientUrls[id],
      listenPeer: peers[id],
      initialCluster: peers,
      initialClientUrls: clientUrls,
      tickMs: 10,
      electionTimeoutTicks: 10,
      requestTimeoutMs: 3000,
      debugFaults: options.debugFaults ?? false,
      snapshotEveryEntries: options.snapshotEveryEntries ?? 10_000,
      apiKeys: options.apiKeys ?? [],
      logLevel: 'silent',
    })
  const nodes: RunningNode[] = []
  for (const id of ids)
    nodes.push(
      await startNode(configFor(id), { logger: pino({ level: process.env.LOG ?? 'silent' }) }),
    )
  const urls = new Map(ids.map((id) => [id, clientUrls[id]!]))
  return {
    nodes,
    urls,
    dataDir,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)))
      await rm(dataDir, { recursive: true, force: true })
    },
    async restart(id) {
      const index = nodes.findIndex((n) => n.id === id)
      await nodes[index]!.stop()
      const node = await startNode(configFor(id), {
        logger: pino({ level: process.env.LOG ?? 'silent' }),
      })
      nodes[index] = node
      return node
    },
    async allReady(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (const url of urls.values()) {
        while (
          !(await fetch(`${url}/readyz`).then(
            (r) => r.ok,
            () => false,
          ))
        ) {
          if (Date.now() > deadline) throw new Error(`${url} not ready`)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      }
    },
    async leaderUrl(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const leader = nodes.find((n) => n.replica.status().role === 'leader')
        if (leader !== undefined) return leader.clientUrl
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      throw new Error('no leader elected')
    },
  }
}
