import { faultKinds } from '@raftkit/sim'
import { describe, expect, test } from 'vitest'
import { UsageError } from '../usage-error.js'
import { parseFaults, parseSimFlags, type RawSimFlags } from './sim-flags.js'

const cores = 8

function parse(flags: RawSimFlags) {
  return parseSimFlags(flags, cores)
}

describe('parseSimFlags', () => {
  test('defaults: 3 nodes, 20000 steps, no faults, one worker per core (at most one per seed)', () => {
    expect(parse({ seed: '17' })).toEqual({
      nodes: 3,
      seeds: [17],
      steps: 20_000,
      faults: [],
      unsafe: undefined,
      clients: undefined,
      json: false,
      workers: 1,
    })
    expect(parse({ seeds: '1..100' }).workers).toBe(cores)
    expect(parse({ seeds: '1..3' }).workers).toBe(3)
  })

  test('every flag', () => {
    const settings = parse({
      nodes: '5',
      seeds: '1..10',
      steps: '3000',
      faults: 'partition,crash',
      unsafe: 'forget-vote',
      clients: '4',
      json: true,
      workers: '2',
    })
    expect(settings).toEqual({
      nodes: 5,
      seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      steps: 3000,
      faults: ['crash', 'partition'],
      unsafe: 'forget-vote',
      clients: 4,
      json: true,
      workers: 2,
    })
  })

  test.each<[RawSimFlags, string | RegExp]>([
    [{}, 'which seed? give --seed S (one run) or --seeds A..B (a sweep)'],
    [
      { seed: '1', seeds: '1..2' },
      'give either --seed S (one run) or --seeds A..B (a sweep), not both',
    ],
    [{ seed: '1', nodes: '0' }, '--nodes must be from 1 to 9, got 0'],
    [{ seed: '1', nodes: '10' }, '--nodes must be from 1 to 9, got 10'],
    [{ seed: '1', nodes: 'three' }, "--nodes expects a whole number from 1 to 9, got 'three'"],
    [{ seed: '1', nodes: '3.5' }, "--nodes expects a whole number from 1 to 9, got '3.5'"],
    [{ seed: '1', steps: '0' }, '--steps must be from 1 to 100000000, got 0'],
    [{ seed: '1', steps: '' }, /--steps expects a whole number/],
    [
      { seed: '1', faults: 'crash,flood' },
      /unknown fault 'flood' in --faults; choose from crash, /,
    ],
    [{ seed: '1', faults: 'crash,' }, /--faults expects a comma list/],
    [
      { seed: '1', unsafe: 'yolo' },
      "unknown rule 'yolo' for --unsafe; choose from commit-old-term, forget-vote",
    ],
    [{ seed: '1', clients: '0' }, '--clients must be from 1 to 64, got 0'],
    [{ seed: '1', workers: '0' }, '--workers must be from 1 to 256, got 0'],
    [{ seeds: '9..1' }, /is empty/],
    [{ seed: '-3' }, /--seed expects a non-negative integer/],
  ])('%j is a usage error', (flags, message) => {
    expect(() => parse(flags)).toThrow(UsageError)
    expect(() => parse(flags)).toThrow(message)
  })
})

describe('parseFaults', () => {
  test("'none' is a fault-free run and 'all' is every kind", () => {
    expect(parseFaults('none')).toEqual([])
    expect(parseFaults('all')).toEqual([...faultKinds])
  })

  test('returns the kinds in canonical order, without repeats, so replays are canonical', () => {
    expect(parseFaults('reorder, crash,partition,crash')).toEqual(['crash', 'partition', 'reorder'])
    expect(parseFaults('CRASH')).toEqual(['crash'])
  })
})
