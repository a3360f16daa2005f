import type { KvCommand } from '@raftkit/kv'
import { describe, expect, test } from 'vitest'
import { SimCluster, type ClusterReadOutcome } from './sim-cluster.js'

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
  // Past the leader's first commit, so it accepts configuration changes.
  cluster.runFor(100)
  return cluster.leader()!
}

/** Writes `count` keys through the leader and waits until they are applied everywhere. */
function write(cluster: SimCluster, count: number, prefix = 'k'): void {
  for (let i = 0; i < count; i++) {
    const leader = cluster.leader()!
    cluster.propose(leader, put(`${prefix}${i}`, `v${i}`))
    cluster.runFor(20)
  }
  const last = `${prefix}${count - 1}`
  expect(
    cluster.runUntil(
      (c) => c.ids.every((id) => c.stateMachine(id)?.get(last)?.value === `v${count - 1}`),
      3_000,
    ),
  ).toBe(true)
}

function readAndWait(cluster: SimCluster, via: string, key: string): ClusterReadOutcome {
  const outcomes: ClusterReadOutcome[] = []
  const started = cluster.read(via, key, (outcome) => outcomes.push(outcome))
  expect(started.ok).toBe(true)
  expect(cluster.runUntil(() => outcomes.length > 0, 2_000)).toBe(true)
  return outcomes[0]!
}

describe('SimCluster membership', () => {
  test('§4.2.1: a new member joins as a learner, catches up by snapshot and is promoted', () => {
    const cluster = new SimCluster({
      nodes: 3,
      seed: 11,
      snapshotEveryEntries: 5,
      snapshotChunkBytes: 64,
    })
    electLeader(cluster)
    write(cluster, 30)
    const added = cluster.addMember()
    expect(added).toMatchObject({ ok: true, id: 'n4' })
    expect(cluster.ids).toEqual(['n1', 'n2', 'n3', 'n4'])
    expect(cluster.latestConfig().learners).toEqual(['n4'])
    const before = cluster.counters.snapshotsInstalled
    expect(cluster.runUntil((c) => c.members().voters.includes('n4'), 5_000)).toBe(true)
    // The log had been compacted, so the learner got the state as a snapshot, in chunks.
    expect(cluster.counters.snapshotsInstalled).toBeGreaterThan(before)
    expect(cluster.stateMachine('n4')?.get('k29')?.value).toBe('v29')
    expect(cluster.members()).toEqual({ voters: ['n1', 'n2', 'n3', 'n4'], learners: [] })
    expect(cluster.counters.membershipChanges).toBe(2) // added as a learner, then promoted
    expect(cluster.violations).toEqual([])
  })

  test('ids are never reused, bad ids are refused, and nothing changes on a refusal', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 12 })
    electLeader(cluster)
    expect(cluster.addMember('n2')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not reused/),
    })
    expect(cluster.addMember('bad id!')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/letters/),
    })
    expect(cluster.addMember('x'.repeat(40))).toMatchObject({ ok: false })
    expect(cluster.ids).toEqual(['n1', 'n2', 'n3'])
    expect(cluster.addMember('alpha')).toMatchObject({ ok: true, id: 'alpha' })
    // One change at a time: the second waits until the first is committed.
    expect(cluster.addMember('beta')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/in progress/),
    })
    expect(cluster.ids).toEqual(['n1', 'n2', 'n3', 'alpha'])
  })

  test('§4.2.2: removing the leader: it steps down once the change commits, hands over, and is retired', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 13 })
    const old = electLeader(cluster)
    write(cluster, 3)
    expect(cluster.removeMember(old)).toMatchObject({ ok: true, id: old })
    expect(cluster.runUntil((c) => c.isRetired(old), 2_000)).toBe(true)
    expect(cluster.members().voters).not.toContain(old)
    expect(cluster.ids).not.toContain(old)
    // The hand-over (TimeoutNow) makes a new leader at once, without an election timeout.
    expect(cluster.runUntil((c) => c.leader() !== undefined, 300)).toBe(true)
    expect(cluster.counters.transfers).toBeGreaterThanOrEqual(1)
    write(cluster, 3, 'after')
    expect(cluster.violations).toEqual([])
  })

  test('§3.10: a transfer to a lagging member is refused with the reason; to a caught-up one it happens', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 14, maxEntriesPerMessage: 1 })
    const leader = electLeader(cluster)
    const [lagging, other] = cluster.ids.filter((id) => id !== leader)
    cluster.partition([[lagging!]])
    for (let i = 0; i < 20; i++) cluster.propose(leader, put(`lag${i}`, 'x'))
    cluster.runFor(300)
    cluster.heal() // it is reachable again, but far behind
    const refused = cluster.transferLeadership(lagging!)
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/not caught up/) })
    expect(cluster.leader()).toBe(leader)
    expect(cluster.transferLeadership(other!)).toEqual({ ok: true })
    expect(cluster.runUntil((c) => c.leader() === other, 1_000)).toBe(true)
    expect(cluster.violations).toEqual([])
  })
})

describe('SimCluster linearizable reads', () => {
  test('§6.4: a read through a follower and through the leader sees the latest write', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 15 })
    const leader = electLeader(cluster)
    write(cluster, 2)
    const follower = cluster.ids.find((id) => id !== leader)!
    expect(readAndWait(cluster, leader, 'k1')).toMatchObject({
      ok: true,
      value: 'v1',
      node: leader,
    })
    expect(readAndWait(cluster, follower, 'k0')).toMatchObject({
      ok: true,
      value: 'v0',
      node: follower,
    })
    expect(readAndWait(cluster, follower, 'missing')).toMatchObject({ ok: true, value: null })
  })

  test('a read on a partitioned old leader never returns stale data', () => {
    const cluster = new SimCluster({ nodes: 5, seed: 16, checkQuorum: false })
    const old = electLeader(cluster)
    write(cluster, 1)
    cluster.partition([[old]])
    // The majority elects a new leader and overwrites the key; the old leader does not know.
    expect(cluster.runUntil((c) => c.leader() !== undefined && c.leader() !== old, 3_000)).toBe(
      true,
    )
    const next = cluster.leader()!
    cluster.propose(next, put('k0', 'new'))
    expect(cluster.runUntil((c) => c.stateMachine(next)?.get('k0')?.value === 'new', 1_000)).toBe(
      true,
    )
    // Without check-quorum the old leader still believes it leads; its read must not be served.
    expect(cluster.status(old)?.role).toBe('leader')
    const outcome = readAndWait(cluster, old, 'k0')
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' })
    expect(cluster.stateMachine(old)?.get('k0')?.value).toBe('v0') // what a stale read would say
    expect(cluster.violations).toEqual([])
  })

  test('with the unsafe rule stale-read, the same read returns the stale value', () => {
    const cluster = new SimCluster({ nodes: 5, seed: 16, checkQuorum: false, unsafe: 'stale-read' })
    const old = electLeader(cluster)
    write(cluster, 1)
    cluster.partition([[old]])
    expect(cluster.runUntil((c) => c.leader() !== undefined && c.leader() !== old, 3_000)).toBe(
      true,
    )
    const next = cluster.leader()!
    cluster.propose(next, put('k0', 'new'))
    expect(cluster.runUntil((c) => c.stateMachine(next)?.get('k0')?.value === 'new', 1_000)).toBe(
      true,
    )
    expect(readAndWait(cluster, old, 'k0')).toMatchObject({ ok: true, value: 'v0' })
  })

  test('reads at a node that crashes fail as down; reads at a down node are refused', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 17 })
    const leader = electLeader(cluster)
    const follower = cluster.ids.find((id) => id !== leader)!
    const outcomes: ClusterReadOutcome[] = []
    cluster.partition([[follower]])
    cluster.read(follower, 'k', (outcome) => outcomes.push(outcome))
    cluster.crash(follower)
    expect(outcomes).toMatchObject([{ ok: false, reason: 'down', node: follower }])
    expect(cluster.read(follower, 'k')).toEqual({ ok: false, error: 'down' })
    expect(cluster.read('n9', 'k')).toEqual({ ok: false, error: 'unknown-node' })
  })
})

describe('SimCluster runtime settings', () => {
  test('an election timeout can be changed per node, and bad values change nothing', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 18 })
    expect(cluster.setElectionTimeout('n2', 1)).toMatchObject({ ok: false })
    expect(cluster.setElectionTimeout('n9', 5)).toEqual({ ok: false, error: 'unknown node n9' })
    expect(cluster.setElectionTimeout('n2', 20, 10)).toMatchObject({ ok: false })
    expect(cluster.setElectionTimeout('n2', 3, 3)).toEqual({ ok: true })
    expect(cluster.status('n2')?.electionTimeoutTicks).toBe(3)
    // The fastest timer wins the first election.
    expect(cluster.runUntil((c) => c.leader() !== undefined, 2_000)).toBe(true)
    expect(cluster.leader()).toBe('n2')
    // It lasts across a restart.
    cluster.crash('n2')
    cluster.restart('n2')
    expect(cluster.status('n2')?.electionTimeoutTicks).toBe(3)
    expect(cluster.setElectionTimeout('n2')).toEqual({ ok: true })
    expect(cluster.status('n2')?.electionTimeoutTicks).toBeGreaterThanOrEqual(10)
  })

  test('pre-vote, check-quorum and the unsafe rule switch at run time', () => {
    const cluster = new SimCluster({ nodes: 3, seed: 19 })
    expect(cluster.tuning).toEqual({ preVote: true, checkQuorum: true, unsafe: null })
    expect(cluster.setTuning({ preVote: false, unsafe: 'commit-old-term' })).toEqual({ ok: true })
    expect(cluster.tuning).toEqual({ preVote: false, checkQuorum: true, unsafe: 'commit-old-term' })
    expect(cluster.setTuning({ unsafe: 'nope' as never })).toMatchObject({ ok: false })
    expect(cluster.tuning.unsafe).toBe('commit-old-term')
    const leader = electLeader(cluster)
    // Without pre-vote, a campaign bumps the term at once.
    cluster.campaign(cluster.ids.find((id) => id !== leader)!)
    expect(cluster.violations).toEqual([])
    expect(cluster.setTuning({ unsafe: null, preVote: true })).toEqual({ ok: true })
  })
})
