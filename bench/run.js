#!/usr/bin/env node
// raftkit benchmarks: `npm run bench` prints numbers; nothing here is a pass/fail test.
//
//   npm run bench                     every section
//   npm run bench -- sim-sweep        only the named sections
//   npm run bench -- --list           the section names
//
// Each section is an entry in `sections` below: a name, a one-line description and an async
// function that prints its own results. Later sections (the real cluster's throughput and
// latency next to etcd's, WAL append + fsync) slot in the same way.
import { spawn } from 'node:child_process'
import { availableParallelism, cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { faultKinds, simulate } from '@raftkit/sim'
import { clusterBench } from './cluster.js'
import { loopStallBench } from './loop-stall.js'
import { registryBench } from './registry.js'
import { labSeekBench } from './lab.js'

const cli = fileURLToPath(new URL('../apps/cli/bin/raftkit.js', import.meta.url))
const cores = availableParallelism()

/** The standard workload: a 5-node cluster under every fault but membership changes. */
const workload = {
  nodes: 5,
  steps: 20_000,
  faults: ['crash', 'restart', 'partition', 'drop', 'delay', 'duplicate', 'reorder'],
}
/** The same with every fault, membership changes and leadership transfers included. */
const allFaultsWorkload = { ...workload, faults: [...faultKinds] }

const sections = [
  {
    name: 'sim-throughput',
    description: `simulator speed in one thread: 20 seeds x ${workload.steps} steps, 5 nodes, without and with membership changes`,
    run: simThroughput,
  },
  {
    name: 'sim-sweep',
    description: `a real 100-seed sweep through the CLI on ${cores} worker threads`,
    run: simSweep,
  },
  {
    name: 'cluster',
    description:
      'a real 3-node cluster vs a 3-member etcd: writes and linearizable reads at 1/16/64/256 clients',
    run: clusterBench,
  },
  {
    name: 'loop-stall',
    description:
      'the longest event-loop stall of snapshot, restore, list and apply on a 100k-key store',
    run: loopStallBench,
  },
  {
    name: 'lab-seek',
    description: 'Raft Lab: scrubbing a 9-node run with thousands of entries (replay from the start, then from parked worlds)',
    run: labSeekBench,
  },
  {
    name: 'lab-frames',
    description: 'Raft Lab page frame times in Chromium: 9 nodes, 3000+ log entries, playing and scrolling',
    run: async () => {
      const { measureFrameTimes } = await import('../apps/lab-web/scripts/frame-times.mjs')
      await measureFrameTimes({ nodes: 9, entries: 3000, seconds: 6, print: (line) => console.log(`  ${line}`) })
    },
  },
  {
    name: 'registry',
    description: 'version registry throughput (add, latest) on 3 node processes, per store (SQLite, MariaDB)',
    run: () => registryBench(print),
  },
]

async function simThroughput() {
  console.log(`  faults: ${workload.faults.join(',')}`)
  measureThroughput(workload)
  console.log(`  faults: all (${allFaultsWorkload.faults.join(',')})`)
  measureThroughput(allFaultsWorkload)
}

function measureThroughput(workload) {
  const seedCount = 20
  const warmupSeeds = 2
  // Warm up the JIT on seeds outside the measured range, so the numbers describe steady state.
  for (let seed = 1_000_001; seed < 1_000_001 + warmupSeeds; seed++) simulate({ ...workload, seed })
  let steps = 0
  let failed = 0
  let membershipChanges = 0
  let transfers = 0
  const started = performance.now()
  for (let seed = 1; seed <= seedCount; seed++) {
    const result = simulate({ ...workload, seed })
    steps += result.steps
    membershipChanges += result.membershipChanges
    transfers += result.transfers
    if (!result.ok) failed++
  }
  const seconds = (performance.now() - started) / 1000
  const seedsPerSecond = seedCount / seconds
  // A sweep scales with the worker threads, one per core; the projection assumes it scales
  // linearly, which the sim-sweep section checks.
  const sweepSeconds = 500 / (seedsPerSecond * cores)
  print([
    ['seeds', `${seedCount} (seeds 1..${seedCount}), ${failed} with violations`],
    ['time', `${seconds.toFixed(2)} s`],
    ['steps/s', Math.round(steps / seconds).toLocaleString('en-US')],
    ['seeds/s', seedsPerSecond.toFixed(2)],
    ['500-seed sweep', `~${sweepSeconds.toFixed(1)} s projected on ${cores} cores`],
    ['membership', `${membershipChanges} changes committed, ${transfers} transfers`],
  ])
}

async function simSweep() {
  const args = [
    cli,
    'sim',
    '--nodes',
    String(workload.nodes),
    '--seeds',
    '1..100',
    '--steps',
    String(workload.steps),
    '--faults',
    workload.faults.join(','),
    '--json',
  ]
  const started = performance.now()
  const { code, stdout } = await run(process.execPath, args)
  const seconds = (performance.now() - started) / 1000
  const lines = stdout.trimEnd().split('\n')
  const summary = JSON.parse(lines.at(-1) ?? '{}')
  if (summary.summary !== true) throw new Error(`the sweep printed no summary (exit ${code})`)
  print([
    ['command', `raftkit ${args.slice(1).join(' ')}`],
    ['wall time', `${seconds.toFixed(2)} s (process start included)`],
    ['seeds/s', (summary.seeds / seconds).toFixed(2)],
    ['steps/s', Math.round(summary.steps / seconds).toLocaleString('en-US')],
    ['result', `${summary.ok} ok, ${summary.failed} failed (exit ${code})`],
  ])
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout }))
  })
}

function print(rows) {
  const width = Math.max(...rows.map(([label]) => label.length))
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`)
}

async function main() {
  const names = process.argv.slice(2)
  if (names.includes('--list')) {
    for (const section of sections) console.log(`${section.name}  ${section.description}`)
    return
  }
  const unknown = names.filter((name) => !sections.some((section) => section.name === name))
  if (unknown.length > 0) {
    console.error(`unknown section: ${unknown.join(', ')} (try --list)`)
    process.exitCode = 2
    return
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  console.log(`raftkit bench: Node ${process.versions.node}, ${cores} cores (${cpu})`)
  for (const section of sections) {
    if (names.length > 0 && !names.includes(section.name)) continue
    console.log(`\n${section.name}: ${section.description}`)
    await section.run()
  }
}

await main()
