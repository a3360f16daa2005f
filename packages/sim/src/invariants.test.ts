import type { Entry } from '@raftkit/raft'
import { describe, expect, test } from 'vitest'
import { SafetyChecker, type LogView } from './invariants.js'
import type { ViolationKind } from './options.js'

const ids = ['n1', 'n2', 'n3']
const noop = (index: number, term: number): Entry => ({ kind: 'noop', index, term })
const cmd = (index: number, term: number, byte: number): Entry => ({
  kind: 'command',
  index,
  term,
  data: new Uint8Array([byte]),
})

/** A checker, the violations it reported, and hand-held logs for the nodes (index 0..2). */
function setup() {
  const violations: { kind: ViolationKind; message: string }[] = []
  const checker = new SafetyChecker(ids, (kind, message) => violations.push({ kind, message }))
  const logs: Entry[][] = [[], [], []]
  const view = (node: number): LogView => ({
    snapshotIndex: 0,
    lastIndex: logs[node]!.length,
    entries: (from, to) => logs[node]!.slice(from - 1, to - 1),
  })
  /** Writes entries to a node's log (replacing its suffix) and tells the checker. */
  const write = (node: number, entries: Entry[]): void => {
    const log = logs[node]!
    log.length = entries[0]!.index - 1
    log.push(...entries)
    checker.logWritten(node, entries)
  }
  const endStep = (): void => checker.afterStep(view)
  return { checker, violations, logs, write, endStep }
}

describe('SafetyChecker catches hand-fed violations', () => {
  test('Election Safety: two leaders in one term', () => {
    const { checker, violations } = setup()
    checker.leaderElected(0, 3)
    checker.leaderElected(0, 3) // the same leader again is fine
    checker.leaderElected(1, 4)
    expect(violations).toEqual([])
    checker.leaderElected(2, 3)
    expect(violations).toHaveLength(1)
    expect(violations[0]!.kind).toBe('election-safety')
    expect(violations[0]!.message).toContain('two leaders in term 3: n1 and n3')
  })

  test('Log Matching: same index and term, different history before it', () => {
    const { violations, write } = setup()
    write(0, [noop(1, 1), cmd(2, 1, 7), noop(3, 2)])
    write(1, [noop(1, 1), cmd(2, 1, 8), noop(3, 2)])
    expect(violations).toHaveLength(1)
    expect(violations[0]!.kind).toBe('log-matching')
    // The first clash the checker sees is at index 2 (same term 1, different entry).
    expect(violations[0]!.message).toMatch(/n2 and n1 both hold an entry at index 2 with term 1/)
  })

  test('Log Matching: a divergence below the compared index is found and located', () => {
    const { violations, write } = setup()
    write(0, [noop(1, 1), cmd(2, 1, 7), noop(3, 2)])
    write(1, [noop(1, 1), cmd(2, 3, 7)])
    expect(violations).toEqual([]) // index 2 differs in term: allowed
    write(1, [noop(3, 2)]) // but now both hold 3/2 on different histories
    expect(violations).toHaveLength(1)
    expect(violations[0]!.message).toContain('first differ at index 2')
  })

  test('no false alarm: a follower overwriting an uncommitted suffix with the leader’s', () => {
    const { violations, write, checker, endStep } = setup()
    write(0, [noop(1, 1), cmd(2, 1, 1), cmd(3, 1, 2)])
    write(1, [noop(1, 1), cmd(2, 1, 1)])
    write(2, [noop(1, 1), noop(2, 2), cmd(3, 2, 9)])
    checker.leaderElected(2, 2)
    write(0, [noop(2, 2), cmd(3, 2, 9)])
    write(1, [noop(2, 2), cmd(3, 2, 9)])
    checker.commitAdvanced(2, 0, 3)
    checker.commitAdvanced(0, 0, 3)
    endStep()
    for (const entry of [noop(1, 1), noop(2, 2), cmd(3, 2, 9)]) {
      checker.entryApplied(0, entry, undefined)
      checker.entryApplied(2, entry, undefined)
    }
    expect(violations).toEqual([])
    expect(checker.committedIndex).toBe(3)
  })

  test('State Machine Safety: different entries applied at the same index', () => {
    const { checker, violations } = setup()
    checker.commitAdvanced(0, 0, 2)
    checker.commitAdvanced(1, 0, 2)
    checker.entryApplied(0, noop(1, 1), undefined)
    checker.entryApplied(1, noop(1, 1), undefined)
    checker.entryApplied(0, cmd(2, 1, 5), 'a')
    checker.entryApplied(1, cmd(2, 2, 5), 'a')
    expect(violations.map((v) => v.kind)).toEqual(['state-machine-safety'])
    expect(violations[0]!.message).toContain('n2 applied 2/2 cmd(1B) at index 2')
  })

  test('State Machine Safety: the same entry, but the state machines disagree afterwards', () => {
    const { checker, violations } = setup()
    checker.commitAdvanced(0, 0, 1)
    checker.commitAdvanced(1, 0, 1)
    checker.entryApplied(0, cmd(1, 1, 5), 'digest-a')
    checker.entryApplied(1, cmd(1, 1, 5), 'digest-b')
    expect(violations[0]?.message).toContain('not deterministic')
  })

  test('each committed entry is applied once, in order, and only once committed', () => {
    const { checker, violations } = setup()
    checker.commitAdvanced(0, 0, 3)
    checker.entryApplied(0, noop(1, 1), undefined)
    checker.entryApplied(0, noop(3, 1), undefined)
    expect(violations[0]?.message).toContain('applied index 3 right after 1')
    checker.entryApplied(1, noop(1, 1), undefined)
    expect(violations[1]?.message).toContain('n2 applied index 1 beyond its commit index 0')
  })

  test('a commit index that moves back', () => {
    const { checker, violations } = setup()
    checker.commitAdvanced(0, 0, 5)
    checker.commitAdvanced(0, 5, 3)
    expect(violations.map((v) => v.kind)).toEqual(['commit-regression'])
    expect(violations[0]!.message).toContain('n1: commit index moved back, from 5 to 3')
  })

  test('a committed entry that changes', () => {
    const { checker, violations, write, endStep } = setup()
    write(0, [noop(1, 1), cmd(2, 1, 1)])
    write(1, [noop(1, 1), cmd(2, 2, 1)])
    checker.commitAdvanced(0, 0, 2)
    endStep()
    checker.commitAdvanced(1, 0, 2)
    endStep()
    expect(violations.map((v) => v.kind)).toEqual(['commit-regression'])
    expect(violations[0]!.message).toContain('a committed entry changed')
  })

  test('Leader Completeness: a new leader missing a committed entry', () => {
    const { checker, violations, write, endStep } = setup()
    write(0, [noop(1, 1), cmd(2, 1, 1)])
    write(1, [noop(1, 1), cmd(2, 1, 1)])
    checker.commitAdvanced(0, 0, 2)
    endStep()
    write(2, [noop(1, 1)])
    checker.leaderElected(2, 2)
    endStep()
    expect(violations.map((v) => v.kind)).toEqual(['leader-completeness'])
    expect(violations[0]!.message).toContain('n3 became leader of term 2 with a log ending at 1')
  })

  test('Leader Completeness: a new leader holding a different entry where one was committed', () => {
    const { checker, violations, write, endStep } = setup()
    write(0, [noop(1, 1), cmd(2, 1, 1)])
    checker.commitAdvanced(0, 0, 2)
    endStep()
    write(2, [noop(1, 1), noop(2, 3)])
    checker.leaderElected(2, 4)
    endStep()
    expect(violations.map((v) => v.kind)).toEqual(['leader-completeness'])
    expect(violations[0]!.message).toContain('holding 2/3 noop at index 2')
  })

  test('a restart replays the stored log into the mirror (and checks it)', () => {
    const { checker, violations, write } = setup()
    write(0, [noop(1, 1), cmd(2, 1, 1)])
    checker.nodeRestarted(1, {
      snapshotIndex: 0,
      snapshotTerm: 0,
      entries: [noop(1, 1), cmd(2, 1, 2)],
      commitIndex: 0,
    })
    expect(violations.map((v) => v.kind)).toEqual(['log-matching'])
  })
})
