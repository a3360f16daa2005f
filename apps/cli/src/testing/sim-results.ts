import type { SeedResult } from '@raftkit/sim'
import type { SimSettings } from '../sim/sim-flags.js'

/** A plausible SeedResult for formatting tests; `overrides` replace fields. */
export function seedResult(seed: number, overrides: Partial<SeedResult> = {}): SeedResult {
  return {
    seed,
    ok: true,
    violations: [],
    steps: 3000,
    virtualTime: 12_000 + seed,
    committed: 100 + seed,
    elections: 2,
    leaderChanges: 1,
    snapshotsInstalled: 0,
    membershipChanges: 0,
    transfers: 0,
    clientOps: { ok: 50, failed: 2, indeterminate: 1, retried: 0 },
    faultsInjected: 4,
    ...overrides,
  }
}

export function failedResult(seed: number): SeedResult {
  return seedResult(seed, {
    ok: false,
    violations: [
      { kind: 'election-safety', step: 812, time: 4321, message: 'two leaders in term 3: n1, n2' },
    ],
  })
}

export const settings: SimSettings = {
  nodes: 5,
  seeds: [1, 2, 3],
  steps: 3000,
  faults: ['crash', 'partition'],
  unsafe: 'forget-vote',
  clients: undefined,
  json: false,
  workers: 2,
}
