// Raft Lab: how fast a session scrubs. A 9-node run with a steady write workload is played
// forward, then the timeline is scrubbed back: cold (replaying from the start), and again once
// the background builder has parked worlds along the run (replaying from the nearest one).
import { LabSession, settingsSchema } from '@raftkit/lab'

function timed(run) {
  const started = performance.now()
  const result = run()
  return [performance.now() - started, result]
}

export async function labSeekBench() {
  const seconds = 120
  const session = new LabSession({
    recipe: { version: 1, seed: 1, settings: settingsSchema.parse({ nodes: 9 }), commands: [] },
    playing: false,
  })
  session.seek({ time: 500 })
  session.command({ type: 'workload', writesPerSecond: 50, keys: 100 })
  const [playMs] = timed(() => session.seek({ time: seconds * 1000 }))
  const state = session.state()
  const entries = state.nodes[0].lastIndex
  const [stateMs, json] = timed(() => JSON.stringify(session.state()))
  const [frameMs, frame] = timed(() => JSON.stringify(session.state(60)))
  const targets = [90, 60, 30, 100, 45, 10].map((s) => s * 1000)
  const cold = []
  for (const target of targets.slice(0, 3)) {
    session.seek({ time: seconds * 1000 })
    cold.push(timed(() => session.seek({ time: target }))[0])
  }
  // What the frame timer does while the user looks at the page: build parked worlds.
  const [buildMs] = timed(() => {
    let guard = 0
    while (session.buildParkedWorld(50) && guard++ < 10_000);
  })
  const warm = []
  for (const target of targets) warm.push(timed(() => session.seek({ time: target }))[0])
  const ms = (values) => values.map((v) => `${v.toFixed(0)} ms`).join(', ')
  const rows = [
    [
      'run',
      `9 nodes, 50 writes/s, ${seconds} s of virtual time, ${entries} log entries, ${state.steps.toLocaleString('en-US')} simulator steps`,
    ],
    [
      'play forward',
      `${playMs.toFixed(0)} ms (${((seconds * 1000) / playMs).toFixed(0)}x real time)`,
    ],
    [
      'State (REST, 200 entries/node)',
      `${stateMs.toFixed(1)} ms, ${(json.length / 1024).toFixed(0)} KiB`,
    ],
    [
      'State frame (socket, 60/node)',
      `${frameMs.toFixed(1)} ms, ${(frame.length / 1024).toFixed(0)} KiB`,
    ],
    ['seek back, cold (90, 60, 30 s)', ms(cold)],
    [
      'background: park worlds',
      `${buildMs.toFixed(0)} ms of idle CPU, parked at ${session.parkedTimes.map((t) => `${(t / 1000).toFixed(0)} s`).join(', ')}`,
    ],
    ['seek, warm (90, 60, 30, 100, 45, 10 s)', ms(warm)],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`)
}
