import { simulate, type SeedResult, type SimOptions } from '@raftkit/sim'
import type { SimSettings } from './sim-flags.js'

/** Everything a run needs except its seed; the same for every seed of a sweep. */
export type SweepOptions = Omit<SimOptions, 'seed'>

/** One seed's outcome. `crash` holds the stack when the simulator itself threw. */
export interface SeedOutcome {
  readonly result: SeedResult
  readonly crash?: string
}

export function sweepOptions(settings: SimSettings): SweepOptions {
  return {
    nodes: settings.nodes,
    steps: settings.steps,
    faults: settings.faults,
    unsafe: settings.unsafe,
    ...(settings.clients === undefined ? {} : { clients: settings.clients }),
  }
}

/**
 * Runs one seed. The simulator reports broken safety rules as violations; if it throws instead
 * (a bug in the simulator, or an assertion in the core that it did not catch), the seed counts
 * as failed with an `invariant` violation carrying the error, so a sweep still finishes and
 * prints the replay command for it.
 */
export function runSeed(options: SweepOptions, seed: number): SeedOutcome {
  try {
    return { result: simulate({ ...options, seed }) }
  } catch (error) {
    const described =
      error instanceof Error ? `${error.name}: ${error.message}` : `thrown value ${String(error)}`
    const stack = error instanceof Error ? (error.stack ?? described) : described
    return { result: crashedResult(seed, `the simulator threw ${described}`), crash: stack }
  }
}

function crashedResult(seed: number, message: string): SeedResult {
  return {
    seed,
    ok: false,
    violations: [{ kind: 'invariant', step: 0, time: 0, message }],
    steps: 0,
    virtualTime: 0,
    committed: 0,
    elections: 0,
    leaderChanges: 0,
    snapshotsInstalled: 0,
    membershipChanges: 0,
    transfers: 0,
    clientOps: { ok: 0, failed: 0, indeterminate: 0, retried: 0 },
    faultsInjected: 0,
  }
}
