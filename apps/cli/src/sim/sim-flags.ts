import { faultKinds, unsafeRules, type FaultKind, type UnsafeRule } from '@raftkit/sim'
import { UsageError } from '../usage-error.js'
import { simLimits } from './limits.js'
import { parseSeed, parseSeedList } from './seed-list.js'

/** The flags of `raftkit sim` as commander hands them over: strings, not yet checked. */
export interface RawSimFlags {
  readonly nodes?: string | undefined
  readonly seed?: string | undefined
  readonly seeds?: string | undefined
  readonly steps?: string | undefined
  readonly faults?: string | undefined
  readonly unsafe?: string | undefined
  readonly clients?: string | undefined
  readonly json?: boolean | undefined
  readonly workers?: string | undefined
}

/** A validated `raftkit sim` invocation. */
export interface SimSettings {
  readonly nodes: number
  /** The seeds to run, in the order their results are printed. */
  readonly seeds: readonly number[]
  readonly steps: number
  /** In `faultKinds` order whatever order they were given in, so a replay is canonical. */
  readonly faults: readonly FaultKind[]
  readonly unsafe: UnsafeRule | undefined
  /** Undefined: the simulator's default workload. */
  readonly clients: number | undefined
  readonly json: boolean
  /** Worker threads; 1 runs the seeds in this thread. Never more than there are seeds. */
  readonly workers: number
}

/**
 * Checks every flag of `raftkit sim` and turns it into settings, or throws a `UsageError` that
 * says what was wrong and what is accepted. Nothing is defaulted silently except what the help
 * text documents: 3 nodes, 20000 steps, no faults, and one worker per core.
 */
export function parseSimFlags(flags: RawSimFlags, availableCores: number): SimSettings {
  const seeds = parseSeeds(flags)
  const requestedWorkers =
    flags.workers === undefined
      ? Math.max(1, availableCores)
      : parseInteger(flags.workers, '--workers', 1, simLimits.workersMax)
  return {
    nodes: parseInteger(flags.nodes ?? '3', '--nodes', simLimits.nodesMin, simLimits.nodesMax),
    seeds,
    steps: parseInteger(
      flags.steps ?? String(simLimits.stepsDefault),
      '--steps',
      1,
      simLimits.stepsMax,
    ),
    faults: parseFaults(flags.faults ?? 'none'),
    unsafe: flags.unsafe === undefined ? undefined : parseUnsafe(flags.unsafe),
    clients:
      flags.clients === undefined
        ? undefined
        : parseInteger(flags.clients, '--clients', simLimits.clientsMin, simLimits.clientsMax),
    json: flags.json === true,
    workers: Math.min(requestedWorkers, seeds.length),
  }
}

function parseSeeds(flags: RawSimFlags): number[] {
  if (flags.seed !== undefined && flags.seeds !== undefined) {
    throw new UsageError('give either --seed S (one run) or --seeds A..B (a sweep), not both')
  }
  if (flags.seed !== undefined) return [parseSeed(flags.seed)]
  if (flags.seeds !== undefined) return parseSeedList(flags.seeds)
  throw new UsageError('which seed? give --seed S (one run) or --seeds A..B (a sweep)')
}

/**
 * Parses `--faults`: a comma list of fault kinds, `none` (the default: a fault-free run) or
 * `all`. Repeats are harmless; the result is in canonical order.
 */
export function parseFaults(text: string): FaultKind[] {
  const names = text.split(',').map((name) => name.trim().toLowerCase())
  if (names.length === 1 && names[0] === 'none') return []
  if (names.length === 1 && names[0] === 'all') return [...faultKinds]
  const known = new Set<string>(faultKinds)
  for (const name of names) {
    if (name === '') {
      throw new UsageError(`--faults expects a comma list such as crash,partition, got '${text}'`)
    }
    if (!known.has(name)) {
      throw new UsageError(
        `unknown fault '${name}' in --faults; choose from ${faultKinds.join(', ')} ` +
          `(or 'all', or 'none')`,
      )
    }
  }
  return faultKinds.filter((kind) => names.includes(kind))
}

function parseUnsafe(text: string): UnsafeRule {
  const rule = unsafeRules.find((candidate) => candidate === text.trim())
  if (rule === undefined) {
    throw new UsageError(
      `unknown rule '${text}' for --unsafe; choose from ${unsafeRules.join(', ')}`,
    )
  }
  return rule
}

/** Parses a whole decimal number within [min, max], with a message that names the flag. */
export function parseInteger(text: string, flag: string, min: number, max: number): number {
  const trimmed = text.trim()
  const value = Number(trimmed)
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${flag} expects a whole number from ${min} to ${max}, got '${text}'`)
  }
  if (value < min || value > max) {
    throw new UsageError(`${flag} must be from ${min} to ${max}, got ${value}`)
  }
  return value
}
