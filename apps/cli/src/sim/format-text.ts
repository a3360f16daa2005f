import type { SeedResult } from '@raftkit/sim'
import { replayCommand } from './replay.js'
import type { SimSettings } from './sim-flags.js'
import { sweepMetrics, type SweepTotals } from './summary.js'

/** A failing seed prints at most this many violations; the JSON output has them all. */
const violationsShownMax = 5

/**
 * The lines printed for a seed that found a violation: what broke, where (simulator step and
 * virtual time), and the command that replays it. Passing seeds print nothing until the summary.
 */
export function formatFailedSeedText(result: SeedResult, settings: SimSettings): string {
  const count = result.violations.length
  const lines = [`seed ${result.seed}: FAILED, ${plural(count, 'violation')}`]
  for (const violation of result.violations.slice(0, violationsShownMax)) {
    // Some messages span lines (the linearizability checker lists the operations involved).
    const message = violation.message.replaceAll('\n', '\n    ')
    lines.push(`  ${violation.kind} at step ${violation.step} (t=${violation.time}ms): ${message}`)
  }
  if (count > violationsShownMax) {
    lines.push(`  ... and ${count - violationsShownMax} more (see --json for all of them)`)
  }
  lines.push(`  replay: ${replayCommand(settings, result.seed)}`)
  return lines.join('\n') + '\n'
}

/**
 * The closing summary of a run: what was run, the verdict, and a table of the counters (total
 * and range over seeds). Deterministic: no durations, which go to stderr instead.
 */
export function formatSummaryText(totals: SweepTotals, settings: SimSettings): string {
  const lines = [describeRun(settings), '']
  lines.push(`  ${verdict(totals)}`)
  if (totals.violationsByKind.size > 0) {
    const kinds = [...totals.violationsByKind].map(([kind, n]) => `${kind} ${n}`).join(', ')
    lines.push(`  violations: ${kinds}`)
  }
  lines.push('')
  const single = totals.seeds === 1
  const header = single ? ['', 'value'] : ['', 'total', 'min', 'mean', 'max']
  const rows = [header]
  for (const metric of sweepMetrics) {
    const stats = totals.metrics[metric.key]
    if (single) rows.push([metric.label, formatCount(stats.total)])
    else {
      const mean = totals.seeds === 0 ? 0 : stats.total / totals.seeds
      rows.push([
        metric.label,
        formatCount(stats.total),
        formatCount(stats.min),
        formatMean(mean),
        formatCount(stats.max),
      ])
    }
  }
  lines.push(...formatTable(rows).map((row) => `  ${row}`))
  return lines.join('\n') + '\n'
}

function describeRun(settings: SimSettings): string {
  const faults = settings.faults.length === 0 ? 'no faults' : `faults ${settings.faults.join(',')}`
  const parts = [
    `raftkit sim: ${describeSeeds(settings.seeds)}`,
    `${settings.nodes} ${settings.nodes === 1 ? 'node' : 'nodes'}`,
    `${settings.steps} steps each`,
    faults,
  ]
  if (settings.clients !== undefined) parts.push(plural(settings.clients, 'client'))
  if (settings.unsafe !== undefined) parts.push(`UNSAFE: ${settings.unsafe} switched off`)
  return parts.join(', ')
}

/** "seed 7", "seeds 1..100" for a contiguous ascending range, else "12 seeds". */
export function describeSeeds(seeds: readonly number[]): string {
  const first = seeds[0]
  const last = seeds[seeds.length - 1]
  if (first === undefined || last === undefined) return 'no seeds'
  if (seeds.length === 1) return `seed ${first}`
  if (last - first + 1 === seeds.length && seeds.every((seed, i) => seed === first + i)) {
    return `seeds ${first}..${last}`
  }
  return `${seeds.length} seeds`
}

function verdict(totals: SweepTotals): string {
  if (totals.failed === 0) {
    return `OK: no violation (safety, linearizability, liveness) in ${plural(totals.seeds, 'seed')}`
  }
  const seeds = totals.failedSeeds
  const listed = seeds.slice(0, 20).join(', ') + (seeds.length > 20 ? ', ...' : '')
  return (
    `FAILED: ${totals.failed} of ${plural(totals.seeds, 'seed')} found ` +
    `${plural(totals.violations, 'violation')} (seeds ${listed}); replay commands are above`
  )
}

/** Left-aligns the first column and right-aligns the others. */
function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
}

function formatCount(value: number): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US') : '-'
}

function formatMean(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })
}

export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`
}
