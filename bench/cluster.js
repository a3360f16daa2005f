// The real-cluster benchmark: throughput and latency of a three-node raftkit cluster (real
// `raftkit node` processes, fsync on) at 1, 16, 64 and 256 concurrent clients with 256-byte
// values, and of a three-member etcd cluster on the same machine under the same load, side by
// side. etcd comes from Debian's etcd-server package; when it is missing the bench installs it
// with apt-get if it can (RAFTKIT_BENCH_NO_INSTALL=1 skips that) and otherwise reports raftkit
// alone.
//
// The load generator is a closed loop of keep-alive HTTP/1.1 connections (node:http with one
// socket per client): each client sends a request, waits for the answer, and sends the next, so
// "clients" is the number of requests in flight. Clients are spread over the three members
// round-robin (followers forward writes to the leader; both systems do that). Reads are
// linearizable on both: raftkit's default GET, etcd's range with serializable=false.
//
// Knobs (environment): RAFTKIT_BENCH_SECONDS (per measurement, default 5),
// RAFTKIT_BENCH_CLIENTS (default 1,16,64,256).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../apps/cli/bin/raftkit.js', import.meta.url))
const valueBytes = 256
const keySpace = 1000

const seconds = Number(process.env.RAFTKIT_BENCH_SECONDS ?? 5)
const clientCounts = (process.env.RAFTKIT_BENCH_CLIENTS ?? '1,16,64,256')
  .split(',')
  .map((n) => Number(n.trim()))
  .filter((n) => Number.isInteger(n) && n > 0)

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const value = await probe()
      if (value) return value
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

/** A child process whose stderr is kept (the tail is shown if it dies). */
function launch(command, args, env = {}) {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let tail = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk) => {
      tail = (tail + chunk).slice(-4000)
    })
  }
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return {
    child,
    tail: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

// ------------------------------------------------------------------ the systems under test

export async function startRaftkit(root, extraArgs = []) {
  const members = []
  for (let i = 1; i <= 3; i++) {
    members.push({
      id: `n${i}`,
      client: `http://127.0.0.1:${await freePort()}`,
      peer: `127.0.0.1:${await freePort()}`,
    })
  }
  const initialCluster = members.map((m) => `${m.id}=${m.peer}`).join(',')
  const clientUrls = members.map((m) => `${m.id}=${m.client}`).join(',')
  // RAFTKIT_BENCH_NODE_FLAGS passes flags to Node itself (e.g. --cpu-prof) for profiling.
  const nodeFlags = (process.env.RAFTKIT_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const processes = members.map((m) =>
    launch(process.execPath, [
      ...nodeFlags,
      cli,
      'node',
      '--id',
      m.id,
      '--data-dir',
      join(root, m.id),
      '--listen-client',
      m.client,
      '--listen-peer',
      m.peer,
      '--initial-cluster',
      initialCluster,
      '--initial-client-urls',
      clientUrls,
      '--log-level',
      'warn',
      ...extraArgs,
    ]),
  )
  const urls = members.map((m) => m.client)
  await waitFor('a raftkit leader', async () => {
    const response = await fetch(`${urls[0]}/v1/cluster/leader`)
    return response.ok
  })
  for (const url of urls)
    await waitFor(`${url} to be ready`, async () => (await fetch(`${url}/readyz`)).ok)
  return {
    name: 'raftkit',
    urls,
    pids: processes.map((p) => p.child.pid),
    put: (key, value) => ({
      method: 'PUT',
      path: `/v1/kv/${encodeURIComponent(key)}`,
      body: JSON.stringify({ value }),
      ok: (status) => status === 200,
    }),
    get: (key) => ({
      method: 'GET',
      path: `/v1/kv/${encodeURIComponent(key)}`,
      ok: (status) => status === 200,
    }),
    stop: () => Promise.all(processes.map((p) => p.stop())),
    describe: () => processes.map((p) => p.tail()).join('\n'),
  }
}

function etcdAvailable() {
  if (existsSync('/usr/bin/etcd')) return true
  if (process.env.RAFTKIT_BENCH_NO_INSTALL === '1') return false
  console.log(
    '  installing etcd-server and etcd-client with apt-get (RAFTKIT_BENCH_NO_INSTALL=1 skips)...',
  )
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', 'etcd-server', 'etcd-client'], {
      env,
      stdio: 'ignore',
    })
  if (install().status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' })
    install()
  }
  return existsSync('/usr/bin/etcd')
}

async function startEtcd(root) {
  const members = []
  for (let i = 1; i <= 3; i++) {
    members.push({
      name: `e${i}`,
      client: `http://127.0.0.1:${await freePort()}`,
      peer: `http://127.0.0.1:${await freePort()}`,
    })
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peer}`).join(',')
  const processes = members.map((m) =>
    launch('/usr/bin/etcd', [
      '--name',
      m.name,
      '--data-dir',
      join(root, m.name),
      '--listen-client-urls',
      m.client,
      '--advertise-client-urls',
      m.client,
      '--listen-peer-urls',
      m.peer,
      '--initial-advertise-peer-urls',
      m.peer,
      '--initial-cluster',
      initialCluster,
      '--initial-cluster-state',
      'new',
      '--initial-cluster-token',
      'raftkit-bench',
      '--log-level',
      'warn',
      '--logger',
      'zap',
    ]),
  )
  const urls = members.map((m) => m.client)
  const b64 = (text) => Buffer.from(text, 'utf8').toString('base64')
  for (const url of urls) {
    await waitFor(`etcd at ${url}`, async () => {
      const response = await fetch(`${url}/health`)
      return response.ok && (await response.json()).health === 'true'
    })
  }
  return {
    name: 'etcd',
    urls,
    put: (key, value) => ({
      method: 'POST',
      path: '/v3/kv/put',
      body: JSON.stringify({ key: b64(key), value: b64(value) }),
      ok: (status) => status === 200,
    }),
    get: (key) => ({
      method: 'POST',
      path: '/v3/kv/range',
      body: JSON.stringify({ key: b64(key), serializable: false }),
      ok: (status) => status === 200,
    }),
    stop: () => Promise.all(processes.map((p) => p.stop())),
    describe: () => processes.map((p) => p.tail()).join('\n'),
  }
}

// ------------------------------------------------------------------ the load generator

function send(agent, baseUrl, spec) {
  return new Promise((resolve) => {
    const url = new URL(spec.path, baseUrl)
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body)
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: spec.method,
        headers:
          body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(spec.ok(res.statusCode ?? 0)))
        res.on('error', () => resolve(false))
      },
    )
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(false))
    req.end(body)
  })
}

/**
 * Runs `clients` closed-loop clients for `durationMs` against the system's members and returns
 * completed operations per second and latency percentiles (successful operations only).
 */
export async function measure(system, kind, clients, durationMs) {
  const agents = system.urls.map(() => new Agent({ keepAlive: true, maxSockets: clients }))
  const value = 'v'.repeat(valueBytes)
  const latencies = []
  let errors = 0
  let stop = false
  const started = performance.now()
  const worker = async (index) => {
    const target = index % system.urls.length
    for (let n = 0; !stop; n++) {
      const key = `bench/${(index * 7919 + n) % keySpace}`
      const spec = kind === 'write' ? system.put(key, value) : system.get(key)
      const t0 = performance.now()
      const ok = await send(agents[target], system.urls[target], spec)
      const t1 = performance.now()
      if (ok) {
        if (t1 - started < durationMs) latencies.push(t1 - t0)
      } else errors++
      if (t1 - started >= durationMs) stop = true
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)))
  for (const agent of agents) agent.destroy()
  latencies.sort((a, b) => a - b)
  const at = (q) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN
  return {
    opsPerSecond: latencies.length / (durationMs / 1000),
    p50: at(0.5),
    p99: at(0.99),
    errors,
  }
}

export async function preload(system) {
  const value = 'v'.repeat(valueBytes)
  const agent = new Agent({ keepAlive: true, maxSockets: 32 })
  const keys = Array.from({ length: keySpace }, (_, i) => `bench/${i}`)
  for (let i = 0; i < keys.length; i += 32) {
    await Promise.all(
      keys.slice(i, i + 32).map((key) => send(agent, system.urls[0], system.put(key, value))),
    )
  }
  agent.destroy()
}

async function benchSystem(system) {
  await preload(system)
  // Warm up: JIT, connections, the leader's caches.
  await measure(system, 'write', 16, 1000)
  const results = {}
  for (const clients of clientCounts) {
    for (const kind of ['write', 'read']) {
      results[`${kind}/${clients}`] = await measure(system, kind, clients, seconds * 1000)
    }
  }
  return results
}

// ------------------------------------------------------------------ the report

const fmt = {
  ops: (r) => (r === undefined ? '-' : Math.round(r.opsPerSecond).toLocaleString('en-US')),
  ms: (value) => (Number.isFinite(value) ? value.toFixed(2) : '-'),
}

function table(kind, raftkit, etcd) {
  const header = ['clients', 'raftkit ops/s', 'p50 ms', 'p99 ms']
  if (etcd !== undefined) header.push('etcd ops/s', 'p50 ms', 'p99 ms', 'ops ratio')
  const rows = [header]
  for (const clients of clientCounts) {
    const r = raftkit[`${kind}/${clients}`]
    const row = [String(clients), fmt.ops(r), fmt.ms(r.p50), fmt.ms(r.p99)]
    if (etcd !== undefined) {
      const e = etcd[`${kind}/${clients}`]
      row.push(
        fmt.ops(e),
        fmt.ms(e.p50),
        fmt.ms(e.p99),
        `${(r.opsPerSecond / e.opsPerSecond).toFixed(2)}x`,
      )
    }
    rows.push(row)
  }
  const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  console.log(
    `\n  ${kind}s (${valueBytes}-byte values${kind === 'read' ? ', linearizable' : ', fsync on'})`,
  )
  for (const row of rows)
    console.log('  ' + row.map((cell, i) => cell.padStart(widths[i])).join('  '))
  const errors = clientCounts.map(
    (c) => raftkit[`${kind}/${c}`].errors + (etcd?.[`${kind}/${c}`]?.errors ?? 0),
  )
  if (errors.some((e) => e > 0)) console.log(`  failed requests per row: ${errors.join(', ')}`)
}

export async function clusterBench() {
  const root = await mkdtemp(join(tmpdir(), 'raftkit-bench-cluster-'))
  console.log(
    `  ${seconds} s per measurement, clients ${clientCounts.join('/')}, spread over 3 members; data in ${root}`,
  )
  let raftkitResults
  let etcdResults
  let etcdVersion
  try {
    const raftkit = await startRaftkit(join(root, 'raftkit'))
    try {
      raftkitResults = await benchSystem(raftkit)
    } finally {
      await raftkit.stop()
    }
    if (etcdAvailable()) {
      etcdVersion = spawnSync('/usr/bin/etcd', ['--version'], { encoding: 'utf8' }).stdout.split(
        '\n',
      )[0]
      const etcd = await startEtcd(join(root, 'etcd'))
      try {
        etcdResults = await benchSystem(etcd)
      } finally {
        await etcd.stop()
      }
    } else {
      console.log('  etcd is not installed (apt-get install etcd-server): raftkit alone')
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
  if (etcdVersion !== undefined)
    console.log(`  compared with ${etcdVersion}, three members, HTTP/JSON gateway`)
  table('write', raftkitResults, etcdResults)
  table('read', raftkitResults, etcdResults)
}
