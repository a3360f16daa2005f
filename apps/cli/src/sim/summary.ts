import type { SeedResult, ViolationKind } from '@raftkit/sim'

/** The per-seed counters a sweep sums, in the order the summaries print them. */
export const sweepMetrics = [
  { key: 'committed', label: 'committed index', get: (r: SeedResult) => r.committed },
  { key: 'elections', label: 'elections', get: (r: SeedResult) => r.elections },
  { key: 'leaderChanges', label: 'leader changes', get: (r: SeedResult) => r.leaderChanges },
  {
    key: 'snapshotsInstalled',
    label: 'snapshots installed',
    get: (r: SeedResult) => r.snapshotsInstalled,
  },
  {
    key: 'membershipChanges',
    label: 'membership changes',
    get: (r: SeedResult) => r.membershipChanges,
  },
  { key: 'transfers', label: 'leader transfers', get: (r: SeedResult) => r.transfers },
  { key: 'clientOpsOk', label: 'client ops ok', get: (r: SeedResult) => r.clientOps.ok },
  {
    key: 'clientOpsFailed',
    label: 'client ops failed',
    get: (r: SeedResult) => r.clientOps.failed,
  },
  {
    key: 'clientOpsIndeterminate',
    label: 'client ops unknown',
    get: (r: SeedResult) => r.clientOps.indeterminate,
  },
  {
    key: 'clientOpsRetried',
    label: 'client writes retried',
    get: (r: SeedResult) => r.clientOps.retried,
  },
  { key: 'faultsInjected', label: 'faults injected', get: (r: SeedResult) => r.faultsInjected },
  { key: 'steps', label: 'steps', get: (r: SeedResult) => r.steps },
  { key: 'virtualTime', label: 'virtual time (ms)', get: (r: SeedResult) => r.virtualTime },
] as const

export type SweepMetricKey = (typeof sweepMetrics)[number]['key']

/** Sum, minimum and maximum of one counter over the seeds seen so far. */
export interface MetricStats {
  total: number
  min: number
  max: number
}

/** What a sweep found, accumulated seed by seed. */
export interface SweepTotals {
  seeds: number
  ok: number
  failed: number
  violations: number
  /** Violations by kind, in the order first seen (seed order, hence deterministic). */
  readonly violationsByKind: Map<ViolationKind, number>
  readonly failedSeeds: number[]
  readonly metrics: Record<SweepMetricKey, MetricStats>
}

export function emptyTotals(): SweepTotals {
  const metrics = {} as Record<SweepMetricKey, MetricStats>
  for (const metric of sweepMetrics) {
    metrics[metric.key] = { total: 0, min: Infinity, max: -Infinity }
  }
  return {
    seeds: 0,
    ok: 0,
    failed: 0,
    violations: 0,
    violationsByKind: new Map(),
    failedSeeds: [],
    metrics,
  }
}

/** Adds one seed's result. Call it in seed order so the failed-seed list is in that order too. */
export function addResult(totals: SweepTotals, result: SeedResult): void {
  totals.seeds++
  if (result.ok) totals.ok++
  else {
    totals.failed++
    totals.failedSeeds.push(result.seed)
  }
  totals.violations += result.violations.length
  for (const violation of result.violations) {
    const seen = totals.violationsByKind.get(violation.kind) ?? 0
    totals.violationsByKind.set(violation.kind, seen + 1)
  }
  for (const metric of sweepMetrics) {
    const stats = totals.metrics[metric.key]
    const value = metric.get(result)
    stats.total += value
    stats.min = Math.min(stats.min, value)
    stats.max = Math.max(stats.max, value)
  }
}
