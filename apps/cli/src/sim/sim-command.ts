import type { Io } from '../io.js'
import { exitCodes } from '../usage-error.js'
import { formatFailedSeedText, formatSummaryText, plural } from './format-text.js'
import { formatSeedJson, formatSummaryJson } from './format-json.js'
import { runOrdered, type Runner } from './pool.js'
import { formatDuration, formatRate, ProgressLine } from './progress.js'
import { replayCommand } from './replay.js'
import { sweepOptions, type SeedOutcome, type SweepOptions } from './run-seed.js'
import { InProcessRunner, WorkerRunner } from './runners.js'
import type { SimSettings } from './sim-flags.js'
import { addResult, emptyTotals, type SweepTotals } from './summary.js'

export interface SimCommandContext {
  readonly io: Io
  /** Aborting stops the sweep after the seeds already running (Ctrl-C). */
  readonly signal?: AbortSignal
  /** How seeds are run; by default worker threads, or this thread for `--workers 1`. */
  readonly createRunners?: (options: SweepOptions, count: number) => Runner<number, SeedOutcome>[]
  readonly now?: () => number
}

/**
 * `raftkit sim`: runs the seeds, prints each result in seed order as soon as it and all earlier
 * ones are in, then the summary. Stdout depends only on the flags (not on timing or the number
 * of workers); progress, timings and, with `--json`, replay commands go to stderr.
 *
 * Returns 0 when every seed passed every check, 1 when any seed found a violation, 130 when
 * interrupted.
 */
export async function runSimCommand(
  settings: SimSettings,
  context: SimCommandContext,
): Promise<number> {
  const { io } = context
  const now = context.now ?? (() => performance.now())
  const startedMs = now()
  const createRunners = context.createRunners ?? defaultRunners
  const runners = createRunners(sweepOptions(settings), settings.workers)
  const progress = new ProgressLine(io.stderr, settings.seeds.length, {
    now,
    stepsPerSeed: settings.steps,
  })
  const totals = emptyTotals()
  let settled = 0
  let failedSoFar = 0
  progress.update(0, 0, true)
  // Keep the rate and ETA moving while long seeds run.
  const redraw = setInterval(() => progress.update(settled, failedSoFar, true), 1000)
  redraw.unref()
  try {
    await runOrdered(
      settings.seeds,
      runners,
      {
        onSettled(outcome) {
          settled++
          if (!outcome.result.ok) failedSoFar++
          progress.update(settled, failedSoFar)
        },
        onOrdered(outcome) {
          addResult(totals, outcome.result)
          const output = seedOutput(outcome, settings)
          if (output.stdout !== '' || output.stderr !== '') {
            progress.around(() => {
              if (output.stderr !== '') io.stderr.write(output.stderr)
              if (output.stdout !== '') io.stdout.write(output.stdout)
            })
          }
        },
      },
      context.signal,
    )
  } finally {
    clearInterval(redraw)
    progress.finish()
  }
  const interrupted = totals.seeds < settings.seeds.length
  if (interrupted) {
    io.stderr.write(
      `interrupted: ${totals.seeds} of ${plural(settings.seeds.length, 'seed')} ran\n`,
    )
  }
  io.stdout.write(
    settings.json ? formatSummaryJson(totals) + '\n' : '\n' + formatSummaryText(totals, settings),
  )
  if (io.stderr.isTTY === true) {
    io.stderr.write(formatTiming(totals, settings, (now() - startedMs) / 1000) + '\n')
  }
  if (interrupted) return exitCodes.interrupted
  return totals.failed > 0 ? exitCodes.failed : exitCodes.ok
}

function defaultRunners(options: SweepOptions, count: number): Runner<number, SeedOutcome>[] {
  if (count <= 1) return [new InProcessRunner(options)]
  return Array.from({ length: count }, () => new WorkerRunner(options))
}

/** What one seed prints, in seed order: its JSON line, or in text mode only if it failed. */
function seedOutput(
  outcome: SeedOutcome,
  settings: SimSettings,
): { readonly stdout: string; readonly stderr: string } {
  const { result } = outcome
  let stderr = ''
  if (outcome.crash !== undefined) {
    stderr += `seed ${result.seed}: the simulator threw an exception:\n${outcome.crash}\n`
  }
  if (settings.json) {
    if (!result.ok) {
      const kinds = [...new Set(result.violations.map((violation) => violation.kind))].join(', ')
      stderr += `seed ${result.seed} FAILED (${kinds}); replay: ${replayCommand(settings, result.seed)}\n`
    }
    return { stdout: formatSeedJson(result) + '\n', stderr }
  }
  return { stdout: result.ok ? '' : formatFailedSeedText(result, settings), stderr }
}

/** The one line that mentions time; it goes to stderr, and only when a person is watching. */
function formatTiming(totals: SweepTotals, settings: SimSettings, seconds: number): string {
  const seedsPerSecond = seconds > 0 ? totals.seeds / seconds : 0
  const stepsPerSecond = seconds > 0 ? totals.metrics.steps.total / seconds : 0
  const duration = seconds < 60 ? `${seconds.toFixed(1)}s` : formatDuration(seconds)
  const workers = settings.workers === 1 ? 'in one thread' : `on ${settings.workers} workers`
  return (
    `${plural(totals.seeds, 'seed')} in ${duration} ${workers}: ` +
    `${seedsPerSecond.toFixed(1)} seeds/s, ${formatRate(stepsPerSecond)} steps/s`
  )
}
