// How long the node's own work holds the event loop, on a large store: a stalled loop stops
// ticks, heartbeats and peer messages, and a leader that misses heartbeats loses its lease. The
// storage itself is asynchronous (fs/promises); what can stall is CPU work on the loop:
// snapshotting and restoring the state machine, listing keys, applying a large batch.
//
// Each row runs one operation while perf_hooks.monitorEventLoopDelay samples the loop every
// millisecond, and prints the operation's wall time and the longest stall seen during it.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { encodeServerCommand, ServerStateMachine } from '@raftkit/server'

const keys = Number(process.env.RAFTKIT_BENCH_KEYS ?? 100_000)
const value = 'v'.repeat(256)

async function measured(run) {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  // Let the monitor take a first sample before the work starts.
  await new Promise((resolve) => setTimeout(resolve, 5))
  const started = performance.now()
  const result = await run()
  const ms = performance.now() - started
  await new Promise((resolve) => setTimeout(resolve, 5))
  histogram.disable()
  return { ms, stallMs: histogram.max / 1e6, result }
}

export async function loopStallBench() {
  const state = new ServerStateMachine()
  let index = 0
  const apply = (key) =>
    state.apply({
      kind: 'command',
      term: 1,
      index: ++index,
      data: encodeServerCommand({
        t: 'kv',
        command: { op: 'put', key, value, clientId: `c${index % 1000}`, seq: index },
      }),
    })
  for (let i = 0; i < keys; i++) apply(`key/${String(i).padStart(7, '0')}`)
  const rows = []
  const snap = await measured(() => state.snapshot())
  rows.push([
    `snapshot of ${keys.toLocaleString('en-US')} keys (${(snap.result.byteLength / 1e6).toFixed(1)} MB)`,
    snap,
  ])
  const copy = new ServerStateMachine()
  const meta = { index, term: 1, config: { voters: ['n1'], learners: [] } }
  rows.push([
    'restore of that snapshot',
    await measured(() => copy.restore({ meta, data: snap.result })),
  ])
  rows.push([
    'list 100 keys by prefix',
    await measured(() => state.list('key/05', 100, undefined, Date.now())),
  ])
  rows.push([
    'apply 4096 entries (one Ready at most)',
    await measured(() => {
      for (let i = 0; i < 4096; i++) apply(`key/${String(i).padStart(7, '0')}`)
    }),
  ])
  const width = Math.max(...rows.map(([name]) => name.length))
  console.log(`  ${'operation'.padEnd(width)}  wall ms  longest loop stall ms`)
  for (const [name, { ms, stallMs }] of rows) {
    console.log(
      `  ${name.padEnd(width)}  ${ms.toFixed(1).padStart(7)}  ${stallMs.toFixed(1).padStart(8)}`,
    )
  }
}
