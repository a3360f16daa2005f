import { UsageError } from '../usage-error.js'
import { simLimits } from './limits.js'

/**
 * Parses one seed: a decimal integer, or hexadecimal with a `0x` prefix (seeds such as `0x5eed`
 * are easier to remember), from 0 to 2^53 - 1.
 */
export function parseSeed(text: string, flag = '--seed'): number {
  const trimmed = text.trim()
  if (!/^(?:\d+|0x[0-9a-f]+)$/i.test(trimmed)) {
    throw new UsageError(`${flag} expects a non-negative integer, got '${text}'`)
  }
  const seed = Number(trimmed)
  if (!Number.isSafeInteger(seed) || seed > simLimits.seedMax) {
    throw new UsageError(`${flag} ${text} is too large: seeds go from 0 to ${simLimits.seedMax}`)
  }
  return seed
}

/**
 * Parses `--seeds`: an inclusive range `A..B`, a single seed, or a comma list of both
 * (`1..100,250,300..310`). Seeds run and print in the order given; a seed may appear only once,
 * since a sweep that ran one seed twice would report it twice.
 */
export function parseSeedList(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim())
  if (parts.some((part) => part === '')) {
    throw new UsageError(`--seeds expects A..B (for example 1..100), got '${text}'`)
  }
  const seeds: number[] = []
  const seen = new Set<number>()
  for (const part of parts) {
    const [first, last] = parseRange(part)
    if (seeds.length + (last - first + 1) > simLimits.seedCountMax) {
      throw new UsageError(
        `--seeds ${text} has more than ${simLimits.seedCountMax.toLocaleString('en')} seeds; ` +
          'split the sweep into several runs',
      )
    }
    for (let seed = first; seed <= last; seed++) {
      if (seen.has(seed)) throw new UsageError(`--seeds lists seed ${seed} more than once`)
      seen.add(seed)
      seeds.push(seed)
    }
  }
  return seeds
}

function parseRange(part: string): [number, number] {
  const pieces = part.split('..')
  if (pieces.length === 1) {
    const seed = parseSeed(part, '--seeds')
    return [seed, seed]
  }
  const [firstText, lastText] = pieces
  if (pieces.length !== 2 || firstText === undefined || lastText === undefined) {
    throw new UsageError(`--seeds expects A..B (for example 1..100), got '${part}'`)
  }
  if (firstText.trim() === '' || lastText.trim() === '') {
    throw new UsageError(`--seeds range '${part}' needs both ends, for example 1..100`)
  }
  const first = parseSeed(firstText, '--seeds')
  const last = parseSeed(lastText, '--seeds')
  if (first > last) {
    throw new UsageError(`--seeds range '${part}' is empty: ${first} is greater than ${last}`)
  }
  return [first, last]
}
