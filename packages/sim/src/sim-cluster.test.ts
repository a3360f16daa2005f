import type { KvCommand } from '@raftkit/kv'
import type { Entry, PersistedState } from '@raftkit/raft'
import { describe, expect, test } from 'vitest'
import { SimCluster } from './sim-cluster.js'
import type { TraceRecord } from './trace.js'

let seq = 0
const put = (key: string, value: string): KvCommand => ({
  op: 'put',
  clientId: 'test',
  seq: ++seq,
  key,
  value,
})

function electLeader(cluster: SimCluster): string {
  expect(cluster.runUntil((c) => c.leader() !== undefined, 3_000)).toBe(true)
  return cluster.leader()!
}

const valueEverywhere = (key: string, value: string) => (cluster: SimCluster) =>
  cluster.ids.every((id) => cluster.stateMachine(id)?.get(key)?.value === value)

describe('SimCluster scenarios', () => {
  test('§5.2/§5.3: elects one leader and replicates a command to every state machine', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 1 })
    const leader = electLeader(cluster)
    const result = cluster.propose(leader, put('k', 'v1'))
    expect(result).toMatchObject({ ok: true, outcome: 'appended' })
    expect(cluster.runUntil(valueEverywhere('k', 'v1'), 1_000)).toBe(true)
    expect(cluster.violations).toEqual([])
    expect(cluster.committedIndex).toBeGreaterThanOrEqual(2) // the leader's no-op, then the put
  })

  test('a follower forwards a proposal to the leader', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 2 })
    const leader = electLeader(cluster)
    cluster.runFor(100) // followers learn who leads
    const follower = cluster.ids.find((id) => id !== leader)!
    expect(cluster.propose(follower, put('f', 'x'))).toMatchObject({
      ok: true,
      outcome: 'forwarded',
      leaderId: leader,
    })
    expect(cluster.runUntil(valueEverywhere('f', 'x'), 1_000)).toBe(true)
  })

  test('§6.2 check-quorum: an isolated leader steps down and the majority elects another', () => {
    const cluster = new SimCluster({ nodes: 5, seed: 3 })
    const old = electLeader(cluster)
    cluster.partition([[old]])
    const replaced = cluster.runUntil((c) => {
      const leader = c.leader()
      return leader !== undefined && leader !== old && c.status(old)?.role !== 'leader'
    }, 3_000)
    expect(replaced).toBe(true)
    const next = cluster.leader()!
    cluster.heal()
    // Pre-vote keeps the returning node from disrupting the new leader: it simply follows.
    expect(cluster.runUntil((c) => c.status(old)?.leaderId === next, 2_000)).toBe(true)
    expect(cluster.leader()).toBe(next)
    expect(cluster.violations).toEqual([])
  })

  test('a one-way cut: a leader that can send but hears nothing steps down (check-quorum)', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 4 })
    const leader = electLeader(cluster)
    for (const other of cluster.ids) if (other !== leader) cluster.cut(other, leader)
    // Its heartbeats still arrive, so followers keep following it; but it hears no replies.
    expect(cluster.runUntil((c) => c.status(leader)?.role !== 'leader', 1_000)).toBe(true)
    expect(cluster.violations).toEqual([])
  })

  test('crash and restart: a node keeps its log on disk, then catches up', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 5 })
    const leader = electLeader(cluster)
    const follower = cluster.ids.find((id) => id !== leader)!
    cluster.propose(leader, put('a', '1'))
    expect(cluster.runUntil(valueEverywhere('a', '1'), 1_000)).toBe(true)
    cluster.crash(follower)
    expect(cluster.isUp(follower)).toBe(false)
    expect(cluster.stateMachine(follower)).toBeUndefined()
    const stored = cluster.persisted(follower).entries.length
    expect(stored).toBeGreaterThanOrEqual(2)
    cluster.propose(leader, put('b', '2'))
    cluster.runFor(200)
    cluster.restart(follower)
    expect(cluster.runUntil(valueEverywhere('b', '2'), 1_000)).toBe(true)
    // The restarted state machine was rebuilt from the log: the earlier write is there too.
    expect(cluster.stateMachine(follower)?.get('a')?.value).toBe('1')
    expect(cluster.violations).toEqual([])
  })

  test('a stored log that breaks the core’s invariants stops the run as an invariant violation', () => {
    const broken: PersistedState = {
      hardState: { term: 1, vote: undefined, commit: 0 },
      snapshot: undefined,
      entries: [{ kind: 'noop', index: 2, term: 1 } satisfies Entry],
    }
    const cluster = new SimCluster({ nodes: 3, seed: 6, persisted: { n2: broken } })
    expect(cluster.stopped).toBe(true)
    expect(cluster.violations.map((v) => v.kind)).toEqual(['invariant'])
    expect(cluster.violations[0]!.message).toMatch(/^n2: InvariantViolation: .*not contiguous/)
    expect(cluster.step()).toBe(false)
  })

  test('the trace tags core events and simulator actions with virtual time, deterministically', () => {
    const run = (): TraceRecord[] => {
      const records: TraceRecord[] = []
      const cluster = new SimCluster({ nodes: 3, seed: 7 })
      cluster.onTrace((record) => records.push(record))
      const leader = electLeader(cluster)
      cluster.crash(leader)
      cluster.partition([['n1']])
      cluster.runFor(300)
      return records
    }
    const records = run()
    const types = new Set(records.map((r) => (r.type === 'raft' ? r.event.type : r.type)))
    for (const type of ['role-changed', 'election-started', 'message-sent', 'crash', 'partition'])
      expect(types).toContain(type)
    for (let i = 1; i < records.length; i++)
      expect(records[i]!.time).toBeGreaterThanOrEqual(records[i - 1]!.time)
    expect(JSON.stringify(run())).toBe(JSON.stringify(records))
  })
})

describe('SimCluster exactly-once and options', () => {
  test('§6.3: a command that reaches the log twice takes effect once', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 8 })
    const leader = electLeader(cluster)
    const swap: KvCommand = {
      op: 'cas',
      clientId: 'dup',
      seq: 1,
      key: 'k',
      expected: null,
      value: 'first',
    }
    const first = cluster.propose(leader, swap)
    const second = cluster.propose(leader, swap)
    expect(first).toMatchObject({ ok: true, outcome: 'appended' })
    expect(second).toMatchObject({ ok: true, outcome: 'appended' })
    expect(cluster.runUntil(valueEverywhere('k', 'first'), 1_000)).toBe(true)
    cluster.runFor(100)
    const kv = cluster.stateMachine(leader)!
    // Both copies were applied in order; the second was answered from the session table.
    expect(kv.appliedIndex).toBe((second.ok && second.outcome === 'appended' && second.index) || 0)
    expect(kv.get('k')).toEqual({
      value: 'first',
      revision: first.ok && first.outcome === 'appended' ? first.index : -1,
    })
  })

  test('campaign() starts an election at once (without pre-vote and leases, it deposes)', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 9, preVote: false, checkQuorum: false })
    const first = electLeader(cluster)
    cluster.runFor(100) // everyone follows the leader now
    const term = cluster.status(first)!.term
    const other = cluster.ids.find((id) => id !== first)!
    cluster.campaign(other)
    expect(cluster.status(other)?.role).toBe('candidate')
    expect(cluster.status(other)?.term).toBeGreaterThan(term)
    expect(cluster.runUntil((c) => c.leader() === other, 500)).toBe(true)
    expect(cluster.violations).toEqual([])
  })

  test('options it cannot run with are refused', () => {
    expect(() => new SimCluster({ nodes: 10, seed: 1 })).toThrow(/nodes must be/)
    expect(
      () =>
        new SimCluster({ nodes: 3, seed: 1, electionTimeoutTicks: 1, heartbeatIntervalTicks: 1 }),
    ).toThrow(/heartbeatIntervalTicks < electionTimeoutTicks/)
    expect(() => new SimCluster({ nodes: 3, seed: 1, persisted: { n4: undefined! } })).toThrow(/n4/)
  })
})
