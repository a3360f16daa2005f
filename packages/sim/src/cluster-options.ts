import type { UnsafeRules } from '@raftkit/raft'
import type { SimClusterOptions } from './cluster-api.js'
import type { UnsafeRule } from './options.js'

/** SimCluster's defaults: 10 ms ticks, an election timeout of 10 ticks, heartbeats every tick. */
export const clusterDefaults = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  tickMs: 10,
  diskLatencyMsMax: 3,
  tornWriteProbability: 0.5,
}

/** The core's unsafe switches for a simulator rule (the other rules live in the simulator). */
export function coreUnsafeRules(rule: UnsafeRule | undefined): UnsafeRules {
  return {
    commitOldTerm: rule === 'commit-old-term',
    multipleVoterChanges: rule === 'two-voter-changes',
    configChangeBeforeTermCommit: rule === 'config-before-term-commit',
  }
}

/** Refuses options the cluster cannot run with, before anything starts. */
export function validateClusterOptions(options: SimClusterOptions): void {
  const check = (ok: boolean, message: string): void => {
    if (!ok) throw new RangeError(`SimCluster: ${message}`)
  }
  check(
    Number.isInteger(options.nodes) && options.nodes >= 1 && options.nodes <= 9,
    `nodes must be an integer in 1..9, not ${options.nodes}`,
  )
  check(Number.isSafeInteger(options.seed), `seed must be a safe integer, not ${options.seed}`)
  const tickMs = options.tickMs ?? clusterDefaults.tickMs
  check(Number.isInteger(tickMs) && tickMs >= 1, `tickMs must be a positive integer`)
  const election = options.electionTimeoutTicks ?? clusterDefaults.electionTimeoutTicks
  const heartbeat = options.heartbeatIntervalTicks ?? clusterDefaults.heartbeatIntervalTicks
  check(
    Number.isInteger(heartbeat) &&
      heartbeat >= 1 &&
      Number.isInteger(election) &&
      election > heartbeat,
    `need 1 <= heartbeatIntervalTicks < electionTimeoutTicks (got ${heartbeat} and ${election})`,
  )
  const disk = options.diskLatencyMsMax ?? clusterDefaults.diskLatencyMsMax
  check(Number.isInteger(disk) && disk >= 0, `diskLatencyMsMax must be a non-negative integer`)
  const torn = options.tornWriteProbability ?? clusterDefaults.tornWriteProbability
  check(torn >= 0 && torn <= 1, `tornWriteProbability must be in [0, 1]`)
  for (const id of Object.keys(options.persisted ?? {})) {
    const index = Number(id.slice(1))
    check(
      /^n[1-9]$/.test(id) && index <= options.nodes,
      `persisted state for ${id}, which is not one of n1..n${options.nodes}`,
    )
  }
}
