import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { http, tryHttp } from './http.js'
import { sleep, waitFor } from './wait.js'

/** The built CLI: `npm test` runs `tsc -b` first, so apps/cli/dist is current. */
export const raftkitBin = fileURLToPath(new URL('../../bin/raftkit.js', import.meta.url))

export interface ProcessClusterOptions {
  readonly size?: number
  readonly debugFaults?: boolean
  readonly tickMs?: number
  readonly electionTicks?: number
  readonly logLevel?: string
  /** Server-side request timeout (RAFTKIT_REQUEST_TIMEOUT_MS); the CLI has no flag for it. */
  readonly requestTimeoutMs?: number
  /** A name for the temporary directory, to tell clusters apart in /tmp. */
  readonly name?: string
  /** Peers must prove they know it (passed as RAFTKIT_CLUSTER_SECRET, never on the command line). */
  readonly clusterSecret?: string
  /** More `raftkit node` flags for every node, e.g. ['--snapshot-every', '100']. */
  readonly extraArgs?: readonly string[]
}

export type NodeState = 'running' | 'paused' | 'killed' | 'exited'

/** One `raftkit node` child process, and what it printed. */
export class ProcessNode {
  readonly id: string
  readonly clientUrl: string
  readonly peerPort: number
  readonly peerAddr: string
  readonly dataDir: string
  child: ChildProcess | undefined
  state: NodeState = 'exited'
  /** Every line the process printed (stdout and stderr), across restarts, in order. */
  readonly lines: string[] = []
  /** Exits that the test did not ask for (a crash of the node). */
  readonly unexpectedExits: string[] = []
  starts = 0

  constructor(id: string, clientUrl: string, peerPort: number, dataDir: string) {
    this.id = id
    this.clientUrl = clientUrl
    this.peerPort = peerPort
    this.peerAddr = `127.0.0.1:${peerPort}`
    this.dataDir = dataDir
  }

  get walDir(): string {
    return join(this.dataDir, 'wal')
  }

  /** Log lines (JSON objects, as the node prints them) whose message contains `text`. */
  logged(text: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = []
    for (const line of this.lines) {
      if (!line.includes(text)) continue
      try {
        out.push(JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>)
      } catch {
        out.push({ msg: line })
      }
    }
    return out
  }
}

export interface ClusterStatus {
  readonly leaderId: string | null | undefined
  readonly term: number
  readonly commitIndex: number
  readonly appliedIndex: number
  readonly members: { id: string; state: string }[]
}

const liveChildren = new Set<ChildProcess>()
process.once('exit', () => {
  // A test process that dies must not leave nodes behind (SIGKILL reaches stopped ones too).
  for (const child of liveChildren) child.kill('SIGKILL')
})

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

/**
 * A cluster of real `node apps/cli/bin/raftkit.js node ...` processes on loopback, each with its
 * own data directory, that a test can kill -9, pause, resume, restart and partition.
 */
export class ProcessCluster {
  readonly nodes: ProcessNode[]
  readonly root: string
  readonly #options: Required<Omit<ProcessClusterOptions, 'name' | 'clusterSecret'>> & {
    clusterSecret: string | undefined
  }
  /** Nodes started with --join (not founders); killed with the cluster. */
  readonly joiners: ProcessNode[] = []
  readonly #initialCluster: string
  readonly #initialClientUrls: string

  private constructor(
    root: string,
    nodes: ProcessNode[],
    options: Required<Omit<ProcessClusterOptions, 'name' | 'clusterSecret'>> & {
      clusterSecret: string | undefined
    },
  ) {
    this.root = root
    this.nodes = nodes
    this.#options = options
    this.#initialCluster = nodes.map((n) => `${n.id}=${n.peerAddr}`).join(',')
    this.#initialClientUrls = nodes.map((n) => `${n.id}=${n.clientUrl}`).join(',')
  }

  static async start(options: ProcessClusterOptions = {}): Promise<ProcessCluster> {
    if (!existsSync(new URL('../../dist/main.js', import.meta.url))) {
      throw new Error('apps/cli/dist is missing: run `npx tsc -b` (npm test does) first')
    }
    const size = options.size ?? 3
    const root = await mkdtemp(join(tmpdir(), `raftkit-${options.name ?? 'procs'}-`))
    const nodes: ProcessNode[] = []
    for (let i = 1; i <= size; i++) {
      const clientPort = await freePort()
      const peerPort = await freePort()
      nodes.push(
        new ProcessNode(`n${i}`, `http://127.0.0.1:${clientPort}`, peerPort, join(root, `n${i}`)),
      )
    }
    const cluster = new ProcessCluster(root, nodes, {
      size,
      debugFaults: options.debugFaults ?? false,
      tickMs: options.tickMs ?? 10,
      electionTicks: options.electionTicks ?? 10,
      logLevel: options.logLevel ?? 'warn',
      requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
      clusterSecret: options.clusterSecret,
      extraArgs: options.extraArgs ?? [],
    })
    try {
      await Promise.all(nodes.map((n) => cluster.start(n.id)))
      await cluster.leader({ timeoutMs: 30_000 })
    } catch (error) {
      await cluster.destroy()
      throw error
    }
    return cluster
  }

  node(id: string): ProcessNode {
    const node = this.nodes.find((n) => n.id === id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  url(id: string): string {
    return this.node(id).clientUrl
  }

  get ids(): string[] {
    return this.nodes.map((n) => n.id)
  }

  /** Nodes that can answer right now (not killed, not paused). */
  get running(): ProcessNode[] {
    return this.nodes.filter((n) => n.state === 'running')
  }

  /**
   * Starts a new node that joins the running cluster through `seed`'s client URL (`--join`), with
   * its own data directory under the cluster's; `clusterSecret` overrides the cluster's (a node
   * that does not know it, to show it cannot join). Resolves once it serves HTTP, which it does
   * while its join is still in progress.
   */
  async spawnJoiner(
    id: string,
    seed: string,
    options: { clusterSecret?: string | undefined } = {},
  ): Promise<ProcessNode> {
    return this.#spawnExtra(id, ['--join', this.url(seed)], options)
  }

  /**
   * Starts a node that believes it is one of the founders: its `--initial-cluster` lists the
   * cluster's members and itself, so it campaigns for votes the members never promised it.
   */
  async spawnRogue(
    id: string,
    options: { clusterSecret?: string | undefined } = {},
  ): Promise<ProcessNode> {
    const peerPort = await freePort()
    return this.#spawnExtra(
      id,
      ['--initial-cluster', `${this.#initialCluster},${id}=127.0.0.1:${peerPort}`],
      options,
      peerPort,
    )
  }

  async #spawnExtra(
    id: string,
    membershipArgs: string[],
    options: { clusterSecret?: string | undefined },
    peerPort?: number,
  ): Promise<ProcessNode> {
    const node = new ProcessNode(
      id,
      `http://127.0.0.1:${await freePort()}`,
      peerPort ?? (await freePort()),
      join(this.root, id),
    )
    this.joiners.push(node)
    const args = [
      raftkitBin,
      'node',
      '--id',
      id,
      '--data-dir',
      node.dataDir,
      '--listen-client',
      node.clientUrl,
      '--listen-peer',
      node.peerAddr,
      ...membershipArgs,
      '--tick-ms',
      String(this.#options.tickMs),
      '--election-ticks',
      String(this.#options.electionTicks),
      '--log-level',
      this.#options.logLevel,
      ...this.#options.extraArgs,
    ]
    const secret = 'clusterSecret' in options ? options.clusterSecret : this.#options.clusterSecret
    await this.#spawn(node, args, secret, undefined)
    return node
  }

  /** Spawns the node (again, with the same data directory) and waits until it serves HTTP. */
  async start(id: string, options: { timeoutMs?: number } = {}): Promise<void> {
    const node = this.node(id)
    if (node.child !== undefined) throw new Error(`${id} is already running`)
    const args = [
      raftkitBin,
      'node',
      '--id',
      node.id,
      '--data-dir',
      node.dataDir,
      '--listen-client',
      node.clientUrl,
      '--listen-peer',
      node.peerAddr,
      '--initial-cluster',
      this.#initialCluster,
      '--initial-client-urls',
      this.#initialClientUrls,
      '--tick-ms',
      String(this.#options.tickMs),
      '--election-ticks',
      String(this.#options.electionTicks),
      '--log-level',
      this.#options.logLevel,
      ...(this.#options.debugFaults ? ['--debug-faults'] : []),
      ...this.#options.extraArgs,
    ]
    await this.#spawn(node, args, this.#options.clusterSecret, options.timeoutMs)
  }

  async #spawn(
    node: ProcessNode,
    args: string[],
    clusterSecret: string | undefined,
    timeoutMs: number | undefined,
  ): Promise<void> {
    const id = node.id
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of Object.keys(env)) if (name.startsWith('RAFTKIT_')) delete env[name]
    env.RAFTKIT_REQUEST_TIMEOUT_MS = String(this.#options.requestTimeoutMs)
    if (clusterSecret !== undefined) env.RAFTKIT_CLUSTER_SECRET = clusterSecret
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    liveChildren.add(child)
    node.child = child
    node.state = 'running'
    node.starts++
    const start = node.starts
    const onLine = (line: string): void => {
      node.lines.push(`[start ${start}] ${line}`)
      if (process.env.RAFTKIT_TEST_LOGS === '1') process.stderr.write(`[${node.id}] ${line}\n`)
    }
    pipeLines(child.stdout, onLine)
    pipeLines(child.stderr, onLine)
    child.once('exit', (code, signal) => {
      liveChildren.delete(child)
      if (node.child === child) {
        node.child = undefined
        if (node.state !== 'killed') {
          node.unexpectedExits.push(`start ${start}: code ${code}, signal ${signal}`)
          node.state = 'exited'
        }
      }
    })
    await waitFor(
      `${id} to serve /healthz`,
      async () => {
        if (node.child !== child) throw new Error(`${id} exited: ${node.unexpectedExits.at(-1)}`)
        return (
          (await http(node.clientUrl, 'GET', '/healthz', undefined, { timeoutMs: 1000 })).status ===
          200
        )
      },
      { timeoutMs: timeoutMs ?? 20_000, intervalMs: 25 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.#tailOf(node)}`)
    })
  }

  /** kill -9, and wait until the process is gone. */
  async kill(id: string): Promise<void> {
    const node = this.node(id)
    const child = node.child
    if (child === undefined) return
    node.state = 'killed'
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGKILL')
    await exited
  }

  /** kill -9 of every node at the same instant. */
  async killAll(options: { joiners?: boolean } = {}): Promise<void> {
    const all = options.joiners === true ? [...this.nodes, ...this.joiners] : this.nodes
    const children = all.flatMap((n) => (n.child === undefined ? [] : [n]))
    const exits = children.map(
      (n) => new Promise<void>((resolve) => n.child!.once('exit', () => resolve())),
    )
    for (const n of children) {
      n.state = 'killed'
      n.child!.kill('SIGKILL')
    }
    await Promise.all(exits)
  }

  async restart(id: string): Promise<void> {
    await this.kill(id)
    await this.start(id)
  }

  /** SIGSTOP: the process keeps its sockets and memory but runs no code at all. */
  pause(id: string): void {
    const node = this.node(id)
    if (node.child === undefined || node.state !== 'running')
      throw new Error(`${id} is not running`)
    node.child.kill('SIGSTOP')
    node.state = 'paused'
  }

  /** SIGCONT. */
  resume(id: string): void {
    const node = this.node(id)
    if (node.child === undefined || node.state !== 'paused') throw new Error(`${id} is not paused`)
    node.child.kill('SIGCONT')
    node.state = 'running'
  }

  /** Cuts `ids` off from every other member, on both sides of the cut (--debug-faults). */
  async isolate(ids: readonly string[]): Promise<void> {
    const inside = new Set(ids)
    const outside = this.ids.filter((id) => !inside.has(id))
    await Promise.all([
      ...ids.map((id) => this.#block(id, outside)),
      ...outside.map((id) => this.#block(id, [...inside])),
    ])
  }

  /** Cuts the link between two members only (each still talks to everyone else). */
  async cutLink(a: string, b: string): Promise<void> {
    await Promise.all([this.#block(a, [b]), this.#block(b, [a])])
  }

  /** Heals the network on every running node. */
  async heal(): Promise<void> {
    await Promise.all(
      this.running.map((n) =>
        http(n.clientUrl, 'DELETE', '/v1/debug/network', undefined, { timeoutMs: 5_000 }).then(
          (reply) => {
            if (reply.status !== 200) throw new Error(`heal on ${n.id}: ${reply.status}`)
          },
        ),
      ),
    )
  }

  async #block(id: string, peers: readonly string[]): Promise<void> {
    const node = this.node(id)
    if (node.state !== 'running') return
    const reply = await http(
      node.clientUrl,
      'POST',
      '/v1/debug/network',
      { block: peers },
      { timeoutMs: 5_000 },
    )
    if (reply.status !== 200) throw new Error(`block on ${id}: ${reply.status} ${reply.text}`)
  }

  /** GET /v1/cluster on one node. */
  async status(id: string, timeoutMs = 2_000): Promise<ClusterStatus> {
    const reply = await http(this.url(id), 'GET', '/v1/cluster', undefined, { timeoutMs })
    if (reply.status !== 200) throw new Error(`GET /v1/cluster on ${id}: ${reply.status}`)
    return reply.json as ClusterStatus
  }

  /** GET /v1/cluster/leader on one node: the leader it knows of, if any. */
  async leaderSeenBy(id: string, timeoutMs = 2_000): Promise<string | undefined> {
    const reply = await tryHttp(this.url(id), 'GET', '/v1/cluster/leader', undefined, {
      timeoutMs,
    })
    return reply.status === 200 ? (reply.json as { id: string }).id : undefined
  }

  /**
   * Waits for a leader that a majority of the cluster (counting only nodes that answer) names
   * through GET /v1/cluster/leader, and that names itself. `exclude` skips a deposed leader.
   */
  async leader(
    options: { timeoutMs?: number; exclude?: readonly string[] } = {},
  ): Promise<{ id: string; url: string }> {
    const majority = Math.floor(this.nodes.length / 2) + 1
    const id = await waitFor(
      'a leader that a majority agrees on',
      async () => {
        const seen = await Promise.all(
          this.running.map(async (n) => [n.id, await this.leaderSeenBy(n.id, 1_000)] as const),
        )
        const votes = new Map<string, number>()
        for (const [, leader] of seen)
          if (leader !== undefined) votes.set(leader, (votes.get(leader) ?? 0) + 1)
        for (const [leader, count] of votes) {
          if (count < majority || options.exclude?.includes(leader)) continue
          if (seen.some(([node, l]) => node === leader && l === leader)) return leader
        }
        return undefined
      },
      { timeoutMs: options.timeoutMs ?? 20_000 },
    )
    return { id, url: this.url(id) }
  }

  /**
   * Waits until every running node knows the same leader and has applied everything that leader
   * has committed, twice in a row (so nothing was still in flight).
   */
  async converged(timeoutMs = 30_000): Promise<{ leader: string; commitIndex: number }> {
    let previous: string | undefined
    return waitFor(
      'every node to agree on the leader and apply its commit index',
      async () => {
        const statuses = await Promise.all(this.running.map((n) => this.status(n.id, 1_000)))
        const leaderId = statuses[0]?.leaderId
        if (leaderId === undefined || leaderId === null) return undefined
        const leaderStatus = statuses[this.running.findIndex((n) => n.id === leaderId)]
        if (leaderStatus === undefined) return undefined
        const ok = statuses.every(
          (s) =>
            s.leaderId === leaderId &&
            s.term === leaderStatus.term &&
            s.appliedIndex === leaderStatus.commitIndex,
        )
        const fingerprint = `${leaderId}/${leaderStatus.term}/${leaderStatus.commitIndex}`
        const stable = ok && fingerprint === previous
        previous = ok ? fingerprint : undefined
        return stable ? { leader: leaderId, commitIndex: leaderStatus.commitIndex } : undefined
      },
      { timeoutMs, intervalMs: 150 },
    )
  }

  /** The last lines of one node's output, for failure messages. */
  tail(id: string, lines = 30): string {
    return this.#tailOf(this.node(id), lines)
  }

  #tailOf(node: ProcessNode, lines = 30): string {
    return [`--- last ${lines} lines of ${node.id} ---`, ...node.lines.slice(-lines)].join('\n')
  }

  /** Everything worth knowing when a test fails: states, unexpected exits, recent output. */
  describe(lines = 15): string {
    return this.nodes
      .map(
        (n) =>
          `${n.id}: ${n.state}, started ${n.starts}x, unexpected exits: ${
            n.unexpectedExits.join('; ') || 'none'
          }\n${this.tail(n.id, lines)}`,
      )
      .join('\n')
  }

  /** Kills every process and removes the data directories (keeps them with RAFTKIT_KEEP_DATA=1). */
  async destroy(): Promise<void> {
    await this.killAll({ joiners: true })
    await sleep(10)
    if (process.env.RAFTKIT_KEEP_DATA === '1') {
      process.stderr.write(`raftkit test data kept in ${this.root}\n`)
      return
    }
    await rm(this.root, { recursive: true, force: true })
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return
  let buffer = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      onLine(buffer.slice(0, newline))
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
    }
  })
  stream.on('end', () => {
    if (buffer.length > 0) onLine(buffer)
  })
}
