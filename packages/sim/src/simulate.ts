import type { NodeId } from '@raftkit/raft'
import { checkKvHistory } from './checker/index.js'
import { FaultScheduler } from './faults.js'
import { PRNG } from './prng.js'
import {
  faultKinds,
  unsafeRules,
  type LivenessReport,
  type SeedResult,
  type SimOptions,
  type Violation,
} from './options.js'
import { SimCluster } from './sim-cluster.js'
import type { TraceListener } from './trace.js'
import { Workload } from './workload.js'

/**
 * The shape of a run, as fractions of its steps and bounds in virtual time. A run has three
 * phases: faults (the fault schedule is active), quiet (everything healed and restarted, clients
 * keep working), and drain (each client finishes with a write that must complete).
 */
export const runShape = {
  /** Faults are injected during the first 75% of the steps. */
  quietAtFraction: 0.75,
  /** Clients switch to their final writes at 80% of the steps. */
  drainAtFraction: 0.8,
  /**
   * Liveness bound: after the heal, a leader must be elected, and after the drain starts, every
   * final write must complete, within this many election timeouts of virtual time. A run too
   * short to reach the bound is not judged (it cannot tell slow from stuck).
   */
  livenessElectionTimeouts: 10,
  /**
   * After the final writes complete, every node must apply up to the last committed index. A
   * node far behind may legitimately take long (one entry per round trip with the smallest
   * flow-control settings), so this is judged as progress: a violation is a lagging node whose
   * applied index has not moved for this long.
   */
  convergenceStallMs: 500,
} as const

const tickMs = 10
const electionTimeoutTicks = 10

/** Optional observers of a run; they do not change it. */
export interface SimulateHooks {
  /** Receives the run's trace (see TraceRecord), for a live view or a replay with details. */
  readonly onTrace?: TraceListener
}

/**
 * Runs one seed of the deterministic simulator: a cluster of `options.nodes` nodes under the
 * fault schedule, with a client workload, checking Raft's safety properties after every step and
 * the clients' history for linearizability at the end. The same options always give an identical
 * result.
 */
export function simulate(options: SimOptions, hooks: SimulateHooks = {}): SeedResult {
  validate(options)
  // Swarm testing: each seed also draws its configuration — flow control (small batches and
  // narrow pipelines, where a follower acknowledges only part of a leader's log), how often nodes
  // compact their logs (so laggards need snapshots) and in how small chunks snapshots travel,
  // and whether pre-vote and check-quorum are on (unless the options say).
  const swarm = new PRNG(options.seed).fork('config')
  // With membership changes, logs are always compacted now and then, so that new learners (and
  // laggards) catch up by snapshot.
  const membership = options.faults.includes('membership')
  const cluster = new SimCluster({
    nodes: options.nodes,
    seed: options.seed,
    tickMs,
    electionTimeoutTicks,
    maxEntriesPerMessage: swarm.pick([1, 1, 2, 8, 256]),
    maxInflightMessages: swarm.pick([1, 1, 4, 64]),
    snapshotEveryEntries: membership ? swarm.pick([10, 30, 100]) : swarm.pick([0, 10, 30, 100]),
    snapshotChunkBytes: swarm.pick([64, 512, 256 << 10]),
    preVote: options.preVote ?? swarm.chance(0.75),
    checkQuorum: options.checkQuorum ?? swarm.chance(0.75),
    unsafe: options.unsafe,
    retireDelayMsMax: 2500,
  })
  if (hooks.onTrace !== undefined) cluster.onTrace(hooks.onTrace)
  const workload = new Workload(cluster, cluster.random.fork('workload'), {
    clients: options.clients ?? 3,
  })
  const faults = new FaultScheduler(cluster, cluster.random.fork('faults'), options.faults)
  const liveness = new LivenessWatch(cluster, workload)

  const quietAt = Math.floor(options.steps * runShape.quietAtFraction)
  const drainAt = Math.floor(options.steps * runShape.drainAtFraction)
  workload.start()
  faults.start()
  let phase: 'faults' | 'quiet' | 'drain' = 'faults'
  while (cluster.steps < options.steps && cluster.step()) {
    if (phase === 'faults' && cluster.steps >= quietAt) {
      phase = 'quiet'
      cluster.trace({ type: 'phase', phase })
      faults.quiesce()
      liveness.healed()
    }
    if (phase === 'quiet' && cluster.steps >= drainAt) {
      phase = 'drain'
      cluster.trace({ type: 'phase', phase })
      workload.drain()
      liveness.draining()
    }
    if (phase !== 'faults') liveness.observe()
  }

  const violations: Violation[] = [...cluster.violations]
  if (violations.length === 0) violations.push(...liveness.verdict())
  if (violations.length === 0) {
    const violation = checkHistory(cluster, workload)
    if (violation !== undefined) violations.push(violation)
  }
  const counters = cluster.counters
  return {
    seed: options.seed,
    ok: violations.length === 0,
    violations,
    steps: cluster.steps,
    virtualTime: cluster.now,
    committed: cluster.committedIndex,
    elections: counters.elections,
    leaderChanges: counters.leaderChanges,
    snapshotsInstalled: counters.snapshotsInstalled,
    membershipChanges: counters.membershipChanges,
    transfers: counters.transfers,
    clientOps: { ...workload.counts },
    faultsInjected: faults.injected,
    liveness: liveness.report(),
  }
}

function validate(options: SimOptions): void {
  const fail = (message: string): never => {
    throw new RangeError(`simulate: ${message}`)
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9)
    fail(`nodes must be an integer in 1..9, not ${options.nodes}`)
  if (!Number.isSafeInteger(options.seed)) fail(`seed must be a safe integer, not ${options.seed}`)
  if (!Number.isSafeInteger(options.steps) || options.steps < 0)
    fail(`steps must be a non-negative integer, not ${options.steps}`)
  for (const kind of options.faults)
    if (!faultKinds.includes(kind)) fail(`unknown fault ${JSON.stringify(kind)}`)
  if (options.unsafe !== undefined && !unsafeRules.includes(options.unsafe))
    fail(`unknown unsafe rule ${JSON.stringify(options.unsafe)}`)
  const clients = options.clients ?? 3
  if (!Number.isInteger(clients) || clients < 1 || clients > 1000)
    fail(`clients must be an integer in 1..1000, not ${clients}`)
}

function checkHistory(cluster: SimCluster, workload: Workload): Violation | undefined {
  const result = checkKvHistory(workload.history())
  const at = { step: cluster.steps, time: cluster.now }
  switch (result.status) {
    case 'ok':
      return undefined
    case 'violation':
      return {
        kind: 'linearizability',
        ...at,
        message: `the client history is not linearizable (${result.partition}): ${result.message}`,
      }
    case 'unknown':
      return {
        kind: 'linearizability',
        ...at,
        message: `the linearizability check gave up, so the history is unverified: ${result.message}`,
      }
  }
}

/**
 * Watches the quiet phase: when a leader appears after the heal, when the final writes are done,
 * and whether all nodes then converge on the same applied index and state.
 */
class LivenessWatch {
  readonly #cluster: SimCluster
  readonly #workload: Workload
  readonly #boundMs = runShape.livenessElectionTimeouts * electionTimeoutTicks * tickMs
  #healedAt: number | undefined
  #leaderAt: number | undefined
  #drainAt: number | undefined
  #drainedAt: number | undefined
  #convergedAt: number | undefined
  #lastConvergenceCheck = -1
  /** The lowest applied index across nodes at the last check, and when it last moved. */
  #lowestApplied = -1
  #lowestAppliedMovedAt = 0

  constructor(cluster: SimCluster, workload: Workload) {
    this.#cluster = cluster
    this.#workload = workload
  }

  healed(): void {
    this.#healedAt = this.#cluster.now
  }

  draining(): void {
    this.#drainAt = this.#cluster.now
  }

  /** Called after every step of the quiet phase; cheap unless something is about to change. */
  observe(): void {
    const cluster = this.#cluster
    if (this.#leaderAt === undefined && this.#hasStableLeader()) this.#leaderAt = cluster.now
    if (this.#drainAt === undefined || this.#convergedAt !== undefined) return
    if (this.#drainedAt === undefined) {
      if (this.#workload.drained) this.#drainedAt = cluster.now
      return
    }
    // Check convergence at most once per virtual millisecond.
    if (cluster.now === this.#lastConvergenceCheck) return
    this.#lastConvergenceCheck = cluster.now
    if (this.#converged()) this.#convergedAt = cluster.now
  }

  /**
   * A leader that a majority of the voters (itself included) follows in its term. Membership
   * changes: the voters are those of the committed configuration, and the leader must be one.
   */
  #hasStableLeader(): boolean {
    const cluster = this.#cluster
    const leader = cluster.leader()
    if (leader === undefined) return false
    const voters = cluster.members().voters
    if (!voters.includes(leader)) return false
    const term = cluster.status(leader)?.term
    let followers = 0
    for (const id of voters) {
      if (cluster.isRetired(id)) continue
      const status = cluster.status(id)
      if (status === undefined || status.term !== term) continue
      if (id === leader || status.leaderId === leader) followers++
    }
    return followers > voters.length / 2
  }

  /** The members of the committed configuration: every one of them must converge. */
  #members(): NodeId[] {
    const config = this.#cluster.members()
    return [...config.voters, ...config.learners]
  }

  #converged(): boolean {
    const cluster = this.#cluster
    const target = cluster.committedIndex
    const members = this.#members()
    let lowest = Infinity
    for (const id of members) lowest = Math.min(lowest, cluster.appliedIndex(id))
    if (lowest !== this.#lowestApplied) {
      this.#lowestApplied = lowest
      this.#lowestAppliedMovedAt = cluster.now
    }
    if (lowest !== target) return false
    let digest: string | undefined
    for (const id of members) {
      const kv = cluster.stateMachine(id)
      if (kv === undefined || cluster.appliedIndex(id) !== target) return false
      if (digest === undefined) digest = kv.digest()
      else if (kv.digest() !== digest) return false
    }
    return true
  }

  report(): LivenessReport {
    const since = (from: number | undefined, to: number | undefined) =>
      from === undefined || to === undefined ? null : to - from
    return {
      leaderElectedMs: since(this.#healedAt, this.#leaderAt),
      finalWritesMs: since(this.#drainAt, this.#drainedAt),
      convergedMs: since(this.#drainedAt, this.#convergedAt),
    }
  }

  verdict(): Violation[] {
    const cluster = this.#cluster
    const now = cluster.now
    const at = { step: cluster.steps, time: now }
    const violations: Violation[] = []
    const healedAt = this.#healedAt
    if (healedAt === undefined) return violations
    if (this.#leaderAt === undefined && now - healedAt >= this.#boundMs) {
      violations.push({
        kind: 'liveness',
        ...at,
        message: `no leader within ${now - healedAt} ms after the network healed and every node restarted (bound ${this.#boundMs} ms)`,
      })
      return violations
    }
    const drainAt = this.#drainAt
    if (drainAt === undefined) return violations
    if (this.#drainedAt === undefined) {
      if (now - drainAt >= this.#boundMs) {
        violations.push({
          kind: 'liveness',
          ...at,
          message:
            `client operations still pending ${now - drainAt} ms after the final writes were ` +
            `issued in a healed cluster (bound ${this.#boundMs} ms): ${this.#workload.pending().join('; ')}`,
        })
      }
      return violations
    }
    const stalledMs = now - Math.max(this.#drainedAt, this.#lowestAppliedMovedAt)
    if (this.#convergedAt === undefined && stalledMs >= runShape.convergenceStallMs) {
      const applied = this.#members()
        .map((id) => `${id}=${cluster.appliedIndex(id)}`)
        .join(' ')
      violations.push({
        kind: 'liveness',
        ...at,
        message:
          `the nodes have not converged ${now - this.#drainedAt} ms after the final writes ` +
          `completed, and the furthest-behind node made no progress for ${stalledMs} ms: ` +
          `commit index ${cluster.committedIndex}, applied ${applied}`,
      })
    }
    return violations
  }
}
