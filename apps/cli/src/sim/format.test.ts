import { describe, expect, test } from 'vitest'
import { formatSeedJson, formatSummaryJson } from './format-json.js'
import { describeSeeds, formatFailedSeedText, formatSummaryText } from './format-text.js'
import { replayCommand } from './replay.js'
import { addResult, emptyTotals } from './summary.js'
import { failedResult, seedResult, settings } from '../testing/sim-results.js'

describe('replayCommand', () => {
  test('names every flag that shapes the run and none that only shapes the output', () => {
    expect(replayCommand(settings, 17)).toBe(
      'npx raftkit sim --nodes 5 --seed 17 --steps 3000 --faults crash,partition --unsafe forget-vote',
    )
    expect(replayCommand({ ...settings, faults: [], unsafe: undefined, clients: 4 }, 3)).toBe(
      'npx raftkit sim --nodes 5 --seed 3 --steps 3000 --clients 4',
    )
  })
})

describe('JSON lines', () => {
  test('seed, ok and violations come first; extra simulator fields come last', () => {
    const result = { ...seedResult(7), extra: 'x' }
    const keys = Object.keys(JSON.parse(formatSeedJson(result)) as object)
    expect(keys.slice(0, 3)).toEqual(['seed', 'ok', 'violations'])
    expect(keys.at(-1)).toBe('extra')
    expect(keys).toContain('snapshotsInstalled')
    expect(formatSeedJson(result)).not.toContain('\n')
  })

  test('the summary sums the counters and lists failed seeds, with no timings', () => {
    const totals = emptyTotals()
    for (const result of [seedResult(1), failedResult(2), seedResult(3)]) addResult(totals, result)
    const summary = JSON.parse(formatSummaryJson(totals)) as Record<string, unknown>
    expect(summary).toMatchObject({
      summary: true,
      seeds: 3,
      ok: 2,
      failed: 1,
      violations: 1,
      violationsByKind: { 'election-safety': 1 },
      failedSeeds: [2],
      committed: 101 + 102 + 103,
      elections: 6,
      leaderChanges: 3,
      snapshotsInstalled: 0,
      membershipChanges: 0,
      clientOps: { ok: 150, failed: 6, indeterminate: 3 },
    })
    expect(Object.keys(summary).join()).not.toMatch(/second|time|ms/i)
  })
})

describe('text output', () => {
  test('a failing seed shows what broke, where, and how to replay it', () => {
    expect(formatFailedSeedText(failedResult(2), settings)).toBe(
      [
        'seed 2: FAILED, 1 violation',
        '  election-safety at step 812 (t=4321ms): two leaders in term 3: n1, n2',
        '  replay: npx raftkit sim --nodes 5 --seed 2 --steps 3000 --faults crash,partition ' +
          '--unsafe forget-vote',
        '',
      ].join('\n'),
    )
  })

  test('the summary states the run, the verdict and a table of counters', () => {
    const totals = emptyTotals()
    for (const result of [seedResult(1), failedResult(2), seedResult(3)]) addResult(totals, result)
    const text = formatSummaryText(totals, settings)
    expect(text).toContain(
      'raftkit sim: seeds 1..3, 5 nodes, 3000 steps each, faults crash,partition, ' +
        'UNSAFE: forget-vote switched off',
    )
    expect(text).toContain('FAILED: 1 of 3 seeds found 1 violation (seeds 2)')
    expect(text).toMatch(/committed index\s+306\s+101\s+102\.0\s+103/)
  })

  test('a clean single seed', () => {
    const totals = emptyTotals()
    addResult(totals, seedResult(9))
    const text = formatSummaryText(totals, {
      ...settings,
      seeds: [9],
      faults: [],
      unsafe: undefined,
    })
    expect(text).toContain('raftkit sim: seed 9, 5 nodes, 3000 steps each, no faults')
    expect(text).toContain('OK: no violation (safety, linearizability, liveness) in 1 seed')
    expect(text).toMatch(/committed index\s+109\n/)
  })

  test('describeSeeds', () => {
    expect(describeSeeds([4])).toBe('seed 4')
    expect(describeSeeds([4, 5, 6])).toBe('seeds 4..6')
    expect(describeSeeds([4, 6, 5])).toBe('3 seeds')
  })
})
