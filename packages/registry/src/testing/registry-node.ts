import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  nodeConfigSchema,
  startNode,
  type NodeConfig,
  type NodeConfigInput,
  type RunningNode,
} from '@raftkit/server'
import { pino } from 'pino'
import { registryNodeExtensions } from '../node/registry-node.js'
import type { RegistryStateMachine } from '../state-machine.js'

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

export interface RegistryTestCluster {
  readonly nodes: RunningNode[]
  readonly machines: RegistryStateMachine[]
  readonly urls: string[]
  readonly dataDir: string
  /** Stops node `index` (0-based) and starts it again on the same data. */
  restart(index: number, change?: (config: NodeConfig) => NodeConfig): Promise<void>
  /** Stops node `index` (0-based) without starting it again. */
  stopNode(index: number): Promise<void>
  /** Starts a stopped node again. */
  startNode(index: number): Promise<void>
  /** The leader's client URL once every node knows it. */
  leaderUrl(timeoutMs?: number): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts `size` registry nodes in this process on free loopback ports (fast ticks), each with
 * its SQL state machine under a temporary directory, and waits for a leader.
 */
export async function startRegistryCluster(
  size: number,
  extra: Partial<NodeConfigInput> | ((id: string) => Partial<NodeConfigInput>) = {},
): Promise<RegistryTestCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'raftkit-registry-'))
  const ids = Array.from({ length: size }, (_, i) => `n${i + 1}`)
  const peers: Record<string, string> = {}
  const clientUrls: Record<string, string> = {}
  for (const id of ids) {
    peers[id] = `127.0.0.1:${await freePort()}`
    clientUrls[id] = `http://127.0.0.1:${await freePort()}`
  }
  const nodes: RunningNode[] = []
  const machines: RegistryStateMachine[] = []
  const configs = ids.map((id) =>
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
      logLevel: 'silent',
      ...(typeof extra === 'function' ? extra(id) : extra),
    }),
  )
  const launch = async (index: number): Promise<void> => {
    const extensions = registryNodeExtensions(configs[index]!)
    nodes[index] = await startNode(configs[index]!, {
      ...extensions,
      logger: pino({ level: process.env['LOG'] ?? 'silent' }),
    })
    machines[index] = extensions.machine()!
  }
  for (let index = 0; index < ids.length; index++) await launch(index)
  const stopped = new Set<number>()
  const urls = ids.map((id) => clientUrls[id]!)
  const cluster: RegistryTestCluster = {
    nodes,
    machines,
    urls,
    dataDir,
    async leaderUrl(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        for (const [index, url] of urls.entries()) {
          if (stopped.has(index)) continue
          const response = await fetch(`${url}/v1/cluster/leader`).catch(() => undefined)
          if (response?.ok === true) {
            const leader = (await response.json()) as { clientUrl: string | null }
            if (leader.clientUrl !== null) {
              const ready = await fetch(`${url}/readyz`).catch(() => undefined)
              if (ready?.ok === true) return leader.clientUrl
            }
          }
        }
        if (Date.now() > deadline) throw new Error('no leader in time')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    async restart(index, change) {
      await nodes[index]!.stop()
      if (change !== undefined) configs[index] = change(configs[index]!)
      await launch(index)
    },
    async stopNode(index) {
      await nodes[index]!.stop()
      stopped.add(index)
    },
    async startNode(index) {
      stopped.delete(index)
      await launch(index)
    },
    async stop() {
      await Promise.all(
        nodes.map((node, index) =>
          stopped.has(index) ? undefined : node.stop().catch(() => undefined),
        ),
      )
      await rm(dataDir, { recursive: true, force: true })
    },
  }
  await cluster.leaderUrl()
  return cluster
}
