import type { SeedResult } from '@raftkit/sim'
import type { SweepTotals } from './summary.js'

/**
 * The fields of a `SeedResult` in the order they are printed. `seed`, `ok` and `violations`
 * come first so that a person scanning the lines sees the verdict at once. Fields the simulator
 * adds later are printed after these, in the simulator's own order.
 */
const seedResultFieldOrder = [
  'seed',
  'ok',
  'violations',
  'steps',
  'virtualTime',
  'committed',
  'elections',
  'leaderChanges',
  'snapshotsInstalled',
  'membershipChanges',
  'transfers',
  'clientOps',
  'faultsInjected',
] as const

/** One seed's result as one line of JSON (without the newline). */
export function formatSeedJson(result: SeedResult): string {
  const ordered: Record<string, unknown> = {}
  for (const field of seedResultFieldOrder) ordered[field] = result[field]
  for (const [field, value] of Object.entries(result)) {
    if (!(field in ordered)) ordered[field] = value
  }
  return JSON.stringify(ordered)
}

/**
 * The closing summary line. It holds counts and sums only, never a duration: the output must be
 * byte-identical for the same flags, however many workers ran it and however fast.
 */
export function formatSummaryJson(totals: SweepTotals): string {
  const { metrics } = totals
  return JSON.stringify({
    summary: true,
    seeds: totals.seeds,
    ok: totals.ok,
    failed: totals.failed,
    violations: totals.violations,
    violationsByKind: Object.fromEntries(totals.violationsByKind),
    failedSeeds: totals.failedSeeds,
    steps: metrics.steps.total,
    committed: metrics.committed.total,
    elections: metrics.elections.total,
    leaderChanges: metrics.leaderChanges.total,
    snapshotsInstalled: metrics.snapshotsInstalled.total,
    membershipChanges: metrics.membershipChanges.total,
    transfers: metrics.transfers.total,
    clientOps: {
      ok: metrics.clientOpsOk.total,
      failed: metrics.clientOpsFailed.total,
      indeterminate: metrics.clientOpsIndeterminate.total,
      retried: metrics.clientOpsRetried.total,
    },
    faultsInjected: metrics.faultsInjected.total,
  })
}
