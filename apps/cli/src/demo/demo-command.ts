import { SimCluster, Workload, type PRNG } from '@raftkit/sim'
import type { Io } from '../io.js'
import { exitCodes } from '../usage-error.js'
import { Narrator, plural, stamp } from './narrator.js'
import type { DemoSettings } from './demo-flags.js'

export interface DemoCommandContext {
  readonly io: Io
  /** Aborting (Ctrl-C) stops the cluster and prints how the run ended. */
  readonly signal?: AbortSignal
}

/** The pacing loop runs this often (real ms); each turn catches virtual time up with the clock. */
const paceIntervalMs = 25
/** One turn simulates at most this much virtual time, so a slow machine stays responsive. */
const catchUpMsMax = 5_000

/** The cluster's timing, as in `simulate()`: 10 ms ticks, an election timeout of 100-200 ms. */
const clusterTiming = { tickMs: 10, electionTimeoutTicks: 10 } as const

/** The demo's faults: every 8-12 s of virtual time the leader crashes or is cut off. */
const faultSchedule = {
  gapMsMin: 8_000,
  gapMsSpread: 4_000,
  downMsMin: 2_000,
  downMsSpread: 3_000,
  /** Every third fault cuts the leader off instead of crashing it. */
  partitionEvery: 3,
  /** Between faults, a member joins or leaves (or leadership is handed over) every so often. */
  membershipGapMsMin: 6_000,
  membershipGapMsSpread: 6_000,
} as const

/**
 * `raftkit demo`: a simulated cluster paced in real time (at `--speed 1`, one virtual millisecond
 * per real millisecond), with a light client workload and a fault every ten seconds or so,
 * narrated on stdout. It shows what Raft does without any setup; `raftkit start` runs real node
 * processes, and Raft Lab (later) will show both in a browser.
 *
 * It is the same simulator as `raftkit sim`, so the run is reproducible: `--seed` replays it.
 * Returns 0 when stopped with Ctrl-C, 1 if the safety checker found a violation.
 */
export async function runDemoCommand(
  settings: DemoSettings,
  context: DemoCommandContext,
): Promise<number> {
  const { io, signal } = context
  const print = (lines: readonly string[]): void => {
    if (lines.length > 0) io.stdout.write(lines.join('\n') + '\n')
  }
  print(intro(settings))

  const cluster = new SimCluster({ nodes: settings.nodes, seed: settings.seed, ...clusterTiming })
  const narrator = new Narrator(cluster.ids)
  cluster.onTrace((record) => print(narrator.handle(record)))
  // A light workload: two clients, each pausing up to 0.8 s between operations.
  new Workload(cluster, cluster.random.fork('workload'), { clients: 2, thinkMsMax: 800 }).start()
  const faults = scheduleFaults(cluster, cluster.random.fork('start/faults'))

  await pace(cluster, settings.speed, signal, () => print(narrator.tick(cluster.now)))

  print(narrator.flush(cluster.now))
  print(['', outro(cluster, faults)])
  return cluster.violations.length > 0 ? exitCodes.failed : exitCodes.ok
}

function intro(settings: DemoSettings): string[] {
  return [
    `raftkit demo: a SIMULATED ${settings.nodes}-node Raft cluster, paced in real time and ` +
      'narrated here (raftkit start runs real node processes; raftkit lab shows a cluster in the browser).',
    `  Seed ${settings.seed}, ${settings.speed} virtual ms per real ms; every 8-12 s the leader ` +
      'crashes or is cut off, and comes back a few seconds later; now and then a member joins ' +
      'or leaves, or the leader hands over. Ctrl-C stops.',
    `  Replay this run: npx raftkit demo --nodes ${settings.nodes} --seed ${settings.seed} ` +
      `--speed ${settings.speed}`,
    '  Times are virtual seconds.',
    '',
  ]
}

/** Counts of what the fault schedule did, for the closing line. */
interface FaultCounts {
  crashes: number
  partitions: number
  membershipChanges: number
}

/**
 * Schedules the demo's faults as simulator events, drawing timings from the run's own PRNG, so
 * a seed replays the same faults at the same virtual times.
 */
function scheduleFaults(cluster: SimCluster, random: PRNG): FaultCounts {
  const counts: FaultCounts = { crashes: 0, partitions: 0, membershipChanges: 0 }
  scheduleMembership(cluster, random.fork('membership'), counts)
  let round = 0
  const scheduleNext = (): void =>
    cluster.schedule(faultSchedule.gapMsMin + random.nextInt(faultSchedule.gapMsSpread), strike)
  const downMs = (): number => faultSchedule.downMsMin + random.nextInt(faultSchedule.downMsSpread)
  const strike = (): void => {
    scheduleNext()
    const leader = cluster.leader()
    if (leader === undefined) return
    round++
    if (round % faultSchedule.partitionEvery === 0 && cluster.ids.length > 1) {
      // With check-quorum the isolated leader steps down and the majority elects another; after
      // the heal, pre-vote keeps the returning node from disrupting the new leader.
      counts.partitions++
      cluster.partition([[leader]])
      cluster.schedule(downMs(), () => cluster.heal())
    } else {
      counts.crashes++
      cluster.crash(leader)
      cluster.schedule(downMs(), () => cluster.restart(leader))
    }
  }
  scheduleNext()
  return counts
}

/**
 * Now and then a member joins (as a learner, promoted once caught up), a member leaves (the
 * leader too, sometimes), or the leader hands over to another voter. The size drifts around the
 * size the demo started with.
 */
function scheduleMembership(cluster: SimCluster, random: PRNG, counts: FaultCounts): void {
  const size = cluster.founders.length
  const next = (): void =>
    cluster.schedule(
      faultSchedule.membershipGapMsMin + random.nextInt(faultSchedule.membershipGapMsSpread),
      change,
    )
  const change = (): void => {
    next()
    const leader = cluster.leader()
    if (leader === undefined) return
    const config = cluster.latestConfig()
    const members = [...config.voters, ...config.learners]
    const roll = random.nextFloat()
    if (roll < 0.25 && config.voters.length > 1) {
      const to = random.pick(config.voters.filter((id) => id !== leader))
      if (cluster.transferLeadership(to).ok) counts.membershipChanges++
    } else if (members.length < size || (members.length === size && roll < 0.6)) {
      if (cluster.addMember().ok) counts.membershipChanges++
    } else if (members.length > 1) {
      if (cluster.removeMember(random.pick(members)).ok) counts.membershipChanges++
    }
  }
  next()
}

/**
 * Advances virtual time with the real clock until aborted or until the cluster stops (a safety
 * violation stops it). The simulation runs in short slices on a timer, so Ctrl-C is handled
 * promptly.
 */
function pace(
  cluster: SimCluster,
  speed: number,
  signal: AbortSignal | undefined,
  afterSlice: () => void,
): Promise<void> {
  return new Promise((resolve) => {
    let behindMs = 0
    const startedMs = performance.now()
    const stop = (): void => {
      clearInterval(timer)
      signal?.removeEventListener('abort', stop)
      resolve()
    }
    const timer = setInterval(() => {
      // If the machine cannot keep up, drop the backlog rather than racing to catch up later.
      const targetMs = (performance.now() - startedMs) * speed - behindMs
      const sliceMs = Math.min(Math.max(0, targetMs - cluster.now), catchUpMsMax)
      behindMs += Math.max(0, targetMs - cluster.now - sliceMs)
      cluster.runFor(sliceMs)
      afterSlice()
      if (cluster.stopped) stop()
    }, paceIntervalMs)
    if (signal?.aborted === true) stop()
    signal?.addEventListener('abort', stop)
  })
}

function outro(cluster: SimCluster, faults: FaultCounts): string {
  const counters = cluster.counters
  const safety =
    cluster.violations.length === 0
      ? 'no safety violation'
      : `${cluster.violations.length} SAFETY VIOLATION(S)`
  return stamp(
    cluster.now,
    `stopped: ${plural(counters.elections, 'election')}, ` +
      `${plural(counters.leaderChanges, 'leader')}, highest commit index ` +
      `${cluster.committedIndex}, ${plural(faults.crashes, 'crash', 'crashes')}` +
      `, ${plural(faults.partitions, 'partition')}, ` +
      `${plural(faults.membershipChanges, 'membership change')}; ${safety}`,
  )
}
