import { describe, expect, test } from 'vitest'
import { faultKinds, type SeedResult, type ViolationKind } from './options.js'
import { simulate } from './simulate.js'

const allFaults = faultKinds.filter((kind) => kind !== 'membership')
const describeFailure = (result: SeedResult): string =>
  `seed ${result.seed}: ${result.violations.map((v) => `${v.kind}: ${v.message}`).join('\n')}`

describe('simulate', () => {
  // Pinned seeds: CI runs these on every change (STYLE.md §11). Seeds that once found a bug get
  // added here and stay forever.
  const pinnedSeeds = Array.from({ length: 40 }, (_, i) => i + 1)

  test('pinned sweep: 40 seeds x 5 nodes x every fault x 20,000 steps, safe and live', () => {
    const totals = { membershipChanges: 0, transfers: 0, snapshotsInstalled: 0, retried: 0 }
    for (const seed of pinnedSeeds) {
      const result = simulate({ seed, nodes: 5, steps: 20_000, faults: faultKinds })
      expect(result.violations, describeFailure(result)).toEqual([])
      expect(result.ok).toBe(true)
      expect(result.steps).toBe(20_000)
      // Every seed does real work under faults: commits, new leaders, client results...
      expect(result.committed, `seed ${seed}`).toBeGreaterThan(20)
      expect(result.leaderChanges, `seed ${seed}`).toBeGreaterThan(1)
      expect(result.clientOps.ok, `seed ${seed}`).toBeGreaterThan(10)
      expect(result.faultsInjected, `seed ${seed}`).toBeGreaterThan(10)
      // ...and reaches the end of the quiet phase: the final writes completed.
      expect(result.liveness?.finalWritesMs, `seed ${seed}`).not.toBeNull()
      // Members came and went in every seed (configuration entries committed).
      expect(result.membershipChanges, `seed ${seed}`).toBeGreaterThan(0)
      totals.membershipChanges += result.membershipChanges
      totals.transfers += result.transfers
      totals.snapshotsInstalled += result.snapshotsInstalled
      totals.retried += result.clientOps.retried
    }
    // Across the sweep: leadership transfers, snapshots sent to laggards and new learners, and
    // writes retried with the same sequence number (applied once, or the checker would object).
    expect(totals.membershipChanges).toBeGreaterThan(100)
    expect(totals.transfers).toBeGreaterThan(10)
    expect(totals.snapshotsInstalled).toBeGreaterThan(100)
    expect(totals.retried).toBeGreaterThan(500)
  })

  test('the same options give a deep-equal result; another seed gives another run', () => {
    const options = { seed: 77, nodes: 5, steps: 8_000, faults: allFaults }
    const first = simulate(options)
    expect(simulate(options)).toEqual(first)
    expect(simulate({ ...options, seed: 78 })).not.toEqual(first)
  })

  test('without faults a cluster elects a leader once and commits steadily', () => {
    const result = simulate({ seed: 1, nodes: 3, steps: 10_000, faults: [] })
    expect(result.violations).toEqual([])
    expect(result.faultsInjected).toBe(0)
    expect(result.clientOps.indeterminate).toBe(0)
    expect(result.leaderChanges).toBe(1)
    expect(result.committed).toBeGreaterThan(100)
  })

  test('a single-node cluster works, and very short runs are not judged on liveness', () => {
    expect(simulate({ seed: 3, nodes: 1, steps: 5_000, faults: allFaults }).violations).toEqual([])
    expect(simulate({ seed: 3, nodes: 5, steps: 50, faults: allFaults }).violations).toEqual([])
  })

  const safetyKinds: readonly ViolationKind[] = [
    'election-safety',
    'log-matching',
    'leader-completeness',
    'state-machine-safety',
    'commit-regression',
    'invariant',
    'linearizability',
  ]

  test.each([
    ['commit-old-term', 'leader-completeness'],
    ['forget-vote', 'election-safety'],
  ] as const)('--unsafe %s: the checks catch it across a 45-seed sweep', (rule, expectedKind) => {
    const failed: SeedResult[] = []
    for (let seed = 1; seed <= 45; seed++) {
      const result = simulate({ seed, nodes: 3, steps: 20_000, faults: allFaults, unsafe: rule })
      if (!result.ok) failed.push(result)
    }
    expect(failed.length).toBeGreaterThanOrEqual(2)
    for (const result of failed) expect(safetyKinds).toContain(result.violations[0]!.kind)
    expect(failed.map((result) => result.violations[0]!.kind)).toContain(expectedKind)
  })

  // Membership and session rules, caught by a 60-seed sweep of 5 nodes with every fault (about 1
  // seed in 16 catches each; `raftkit sim --nodes 5 --seeds 1..200 --faults all --unsafe RULE`
  // is the measure). Ongaro's fix (config-before-term-commit) needs a six-step interleaving
  // that random faults rarely produce: testdata/ongaro-fix.txt in the core shows it instead.
  test.each([
    ['two-voter-changes', ['election-safety', 'leader-completeness']],
    ['no-sessions', ['linearizability']],
  ] as const)('--unsafe %s: a 60-seed sweep with membership changes catches it', (rule, kinds) => {
    const failed: SeedResult[] = []
    for (let seed = 1; seed <= 60; seed++) {
      const result = simulate({ seed, nodes: 5, steps: 20_000, faults: faultKinds, unsafe: rule })
      if (!result.ok) failed.push(result)
    }
    expect(failed.length).toBeGreaterThanOrEqual(2)
    for (const result of failed) expect(kinds).toContain(result.violations[0]!.kind)
  })

  test('--unsafe stale-read: the linearizability checker catches local reads', () => {
    let caught = 0
    for (let seed = 1; seed <= 5; seed++) {
      const result = simulate({
        seed,
        nodes: 3,
        steps: 20_000,
        faults: allFaults,
        unsafe: 'stale-read',
      })
      for (const violation of result.violations) {
        expect(violation.kind).toBe('linearizability')
        expect(violation.message).toMatch(/not linearizable \(key "k\d@\d+"\)/)
        caught++
      }
    }
    expect(caught).toBeGreaterThanOrEqual(3)
  })

  test('bad options are refused with a clear error', () => {
    const base = { seed: 1, nodes: 3, steps: 10, faults: [] }
    expect(() => simulate({ ...base, nodes: 0 })).toThrow(/nodes must be an integer in 1..9/)
    expect(() => simulate({ ...base, seed: 0.5 })).toThrow(/seed must be a safe integer/)
    expect(() => simulate({ ...base, steps: -1 })).toThrow(/steps/)
    expect(() => simulate({ ...base, faults: ['meteor' as never] })).toThrow(/unknown fault/)
    expect(() => simulate({ ...base, unsafe: 'yolo' as never })).toThrow(/unknown unsafe rule/)
    expect(() => simulate({ ...base, clients: 0 })).toThrow(/clients/)
  })
})
