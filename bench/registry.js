// The version-registry section of `npm run bench`: add and latest throughput on a real
// three-process cluster, once per state-machine store (SQLite; MariaDB when it answers).
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createConnection } from 'mysql2/promise'

const cli = fileURLToPath(new URL('../apps/cli/bin/raftkit.js', import.meta.url))
const mysqlServer = process.env.RAFTKIT_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'

/** Operations per run, by concurrency; bounded so the section ends in about a minute. */
const addRuns = [
  { clients: 1, ops: 100 },
  { clients: 16, ops: 800 },
  { clients: 64, ops: 1500 },
]
const latestRuns = [
  { clients: 16, ops: 2000, consistency: 'linearizable' },
  { clients: 16, ops: 2000, consistency: 'stale' },
]

export async function registryBench(print) {
  const stores = [{ name: 'sqlite', flags: () => [] }]
  const mysqlProblem = await mysqlReachable()
  if (mysqlProblem === undefined) {
    stores.push({
      name: 'mariadb',
      flags: (id, tag) => [
        '--store',
        'mysql',
        '--mysql-url',
        `${mysqlServer}/raftkit_bench_${tag}_${id}`,
      ],
    })
  } else {
    console.log(`  (MariaDB skipped: ${mysqlProblem})`)
  }
  const rows = []
  for (const store of stores) {
    const cluster = await startCluster(store)
    try {
      await cluster.leader()
      for (const run of addRuns) {
        let next = 0
        const result = await drive(run.clients, run.ops, async (worker, seq) => {
          const n = next++
          // One exactly-once identity per operation, so a retry after a 503 is applied once.
          const response = await withRetries(() =>
            fetch(`${cluster.leaderUrl}/v1/versions`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'x-raftkit-client-id': `bench-${store.name}-${run.clients}-${worker}`,
                'x-raftkit-seq': String(seq),
              },
              body: JSON.stringify({
                platform: `bench-${n % 8}`,
                versionNo: `${run.clients}.${Math.floor(n / 8)}.0`,
              }),
            }),
          )
          if (response.status !== 201)
            throw new Error(`add answered ${response.status}: ${await response.text()}`)
        })
        rows.push([store.name, `add, ${run.clients} clients`, result])
        if (process.env.BENCH_VERBOSE) console.log(store.name, run, result)
      }
      for (const run of latestRuns) {
        let next = 0
        const result = await drive(run.clients, run.ops, async () => {
          const n = next++
          const response = await withRetries(() =>
            fetch(
              `${cluster.leaderUrl}/v1/platforms/bench-${n % 8}/latest?consistency=${run.consistency}`,
            ),
          )
          if (response.status !== 200)
            throw new Error(`latest answered ${response.status}: ${await response.text()}`)
        })
        rows.push([store.name, `latest (${run.consistency}), ${run.clients} clients`, result])
        if (process.env.BENCH_VERBOSE) console.log(store.name, run, result)
      }
    } finally {
      await cluster.stop()
    }
  }
  const width = Math.max(...rows.map(([s, w]) => `${s}  ${w}`.length))
  console.log(
    `  ${'store  workload'.padEnd(width)}  ${'ops/s'.padStart(8)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ops`,
  )
  for (const [store, workload, r] of rows) {
    console.log(
      `  ${`${store}  ${workload}`.padEnd(width)}  ${Math.round(r.opsPerSecond).toString().padStart(8)}  ${r.p50.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}  ${r.ops}`,
    )
  }
  print([
    [
      'retried',
      `${retried} requests answered 502/503/504 (a leader change or a timeout under load) and were retried with the same client id and seq`,
    ],
    [
      'machine',
      `load average ${(await import('node:os'))
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} when done`,
    ],
    [
      'cluster',
      '3 raftkit node processes on 127.0.0.1, default ticks (50 ms), requests to the leader',
    ],
    ['add', 'POST /v1/versions (one log entry and one SQL transaction per replica each)'],
    [
      'latest',
      'GET /v1/platforms/{p}/latest; linearizable waits for a ReadIndex round, stale reads the LRU cache',
    ],
  ])
}

let retried = 0

/**
 * Retries what a client retries: 503 (no leader yet, a leader change). Followers forward, so the
 * old leader's URL still works once a new leader is known; the retry is counted and printed.
 */
async function withRetries(request) {
  for (let attempt = 0; ; attempt++) {
    const response = await request()
    if (![502, 503, 504].includes(response.status) || attempt >= 50) {
      if (response.status < 300) await response.arrayBuffer()
      return response
    }
    await response.arrayBuffer()
    retried++
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Runs `ops` calls of `call` from `clients` concurrent loops; returns throughput and latency. */
async function drive(clients, ops, call) {
  const latencies = []
  let issued = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      let seq = 0
      while (issued < ops) {
        issued++
        const t0 = performance.now()
        await call(worker, ++seq)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]
  return {
    ops: latencies.length,
    opsPerSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
  }
}

async function startCluster(store) {
  const root = await mkdtemp(join(tmpdir(), `raftkit-bench-${store.name}-`))
  const tag = `${process.pid}_${Date.now().toString(36)}`
  const ids = ['n1', 'n2', 'n3']
  const nodes = []
  for (const id of ids)
    nodes.push({
      id,
      client: `http://127.0.0.1:${await freePort()}`,
      peer: `127.0.0.1:${await freePort()}`,
    })
  const initial = nodes.map((n) => `${n.id}=${n.peer}`).join(',')
  const urls = nodes.map((n) => `${n.id}=${n.client}`).join(',')
  const children = nodes.map((n) =>
    spawn(
      process.execPath,
      [
        cli,
        'node',
        '--id',
        n.id,
        '--data-dir',
        join(root, n.id),
        '--listen-client',
        n.client,
        '--listen-peer',
        n.peer,
        '--initial-cluster',
        initial,
        '--initial-client-urls',
        urls,
        '--log-level',
        'warn',
        '--snapshot-every',
        '100000',
        ...store.flags(n.id, tag),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    ),
  )
  const cluster = {
    leaderUrl: undefined,
    async leader() {
      const deadline = Date.now() + 30_000
      while (Date.now() < deadline) {
        for (const n of nodes) {
          try {
            const response = await fetch(`${n.client}/v1/cluster/leader`)
            if (response.ok) {
              const leader = await response.json()
              if (leader.clientUrl && (await fetch(`${leader.clientUrl}/readyz`)).ok) {
                cluster.leaderUrl = leader.clientUrl
                return leader.clientUrl
              }
            }
          } catch {
            // not up yet
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error('no leader within 30 s')
    },
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => {
              if (child.exitCode !== null) return resolve()
              child.once('exit', resolve)
              child.kill('SIGTERM')
            }),
        ),
      )
      await rm(root, { recursive: true, force: true })
      if (store.name === 'mariadb') {
        const connection = await createConnection({ uri: mysqlServer })
        for (const n of nodes)
          await connection.query(`DROP DATABASE IF EXISTS \`raftkit_bench_${tag}_${n.id}\``)
        await connection.end()
      }
    },
  }
  return cluster
}

async function mysqlReachable() {
  try {
    const connection = await createConnection({ uri: mysqlServer, connectTimeout: 3000 })
    await connection.end()
    return undefined
  } catch (error) {
    return `not reachable at ${mysqlServer}: ${error.message}`
  }
}

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
