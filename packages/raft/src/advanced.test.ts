import { describe, expect, test } from 'vitest'
import { encode, TestNetwork } from './testing/network.js'

/** Elects n1 and commits `count` commands, with every node caught up. */
function clusterWithCommands(ids: string[], count: number, options = {}): TestNetwork {
  const net = new TestNetwork(ids, options)
  net.elect(ids[0]!)
  for (let i = 0; i < count; i++) net.node(ids[0]!).propose(encode(`c${i}`))
  net.settle()
  net.tickAll(1)
  net.settle()
  return net
}

describe('restart from stable storage', () => {
  test('a restarted node recovers term, vote and log, and re-applies committed entries once', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 3)
    const before = net.node('n2').status()
    net.restart('n2')
    const after = net.node('n2').status()
    expect(after).toMatchObject({
      term: before.term,
      vote: before.vote,
      lastIndex: before.lastIndex,
      commitIndex: before.commitIndex,
      role: 'follower',
    })
    net.flush()
    expect(net.commands('n2')).toEqual(['c0', 'c1', 'c2'])
  })

  test('a durable state machine passes its applied index and is not handed those entries again', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 3)
    net.restart('n2', { appliedIndex: 3 })
    net.flush()
    expect(net.applied.get('n2')!.map((e) => e.index)).toEqual([4])
  })
})

describe('snapshots and log compaction (§7)', () => {
  test('a follower far behind receives the snapshot in chunks, surviving a lost chunk, then the rest of the log', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 2, { snapshotChunkBytes: 4 })
    net.isolate('n3')
    for (let i = 0; i < 10; i++) net.node('n1').propose(encode(`later${i}`))
    net.settle()
    const leader = net.node('n1')
    const applied = leader.status().appliedIndex
    const data = encode('state-machine-bytes') // 19 bytes: 5 chunks of 4
    leader.compact({
      meta: { index: applied, term: leader.termAt(applied)!, config: leader.status().config },
      data,
    })
    expect(leader.status().snapshotIndex).toBe(applied)
    net.heal()
    let lostOne = false
    for (let round = 0; round < 200; round++) {
      net.tickAll(1)
      // Lose the second chunk once: the leader re-sends it from the acknowledged offset.
      net.deliverOnce((m) => {
        if (!lostOne && m.type === 'InstallSnapshot' && m.offset === 4) {
          lostOne = true
          return false
        }
        return true
      })
      net.outbox = net.outbox.filter(
        (m) => !(m.type === 'InstallSnapshot' && m.offset === 4 && lostOne && round === 0),
      )
      if (net.node('n3').status().commitIndex === leader.status().commitIndex) break
    }
    expect(lostOne).toBe(true)
    const follower = net.storage.get('n3')!
    expect(follower.snapshot?.meta.index).toBe(applied)
    expect(new TextDecoder().decode(follower.snapshot?.data)).toBe('state-machine-bytes')
    expect(net.node('n3').status()).toMatchObject({
      snapshotIndex: applied,
      lastIndex: leader.status().lastIndex,
    })
  })
})

describe('membership changes (§4.1)', () => {
  test('a learner catches up without voting, is promoted, and then counts toward the quorum', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 2)
    net.start('n4', undefined, { initialConfig: { voters: [], learners: [] } })
    const leader = net.node('n1')
    expect(
      leader.proposeConfigChange({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] }),
    ).toMatchObject({ ok: true })
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(net.node('n4').status().config).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] })
    expect(net.commands('n4')).toEqual(['c0', 'c1'])
    expect(
      leader.proposeConfigChange({ voters: ['n1', 'n2', 'n3', 'n4'], learners: [] }),
    ).toMatchObject({ ok: true })
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(leader.status().config.voters).toEqual(['n1', 'n2', 'n3', 'n4'])
    // With 4 voters a majority is 3: n1 + one other is no longer enough.
    net.isolate('n3')
    net.isolate('n4')
    leader.propose(encode('needs-three'))
    net.settle()
    expect(net.commands('n1')).not.toContain('needs-three')
  })

  test('changes are validated against the latest configuration, one voter at a time', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 1)
    const leader = net.node('n1')
    expect(
      leader.proposeConfigChange({ voters: ['n1', 'n2', 'n3', 'n4', 'n5'], learners: [] }),
    ).toMatchObject({ ok: false, error: expect.stringContaining('one voter') })
    expect(leader.proposeConfigChange({ voters: ['n1', 'n2'], learners: ['n2'] })).toMatchObject({
      ok: false,
    })
    expect(
      leader.proposeConfigChange({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] }),
    ).toMatchObject({ ok: true })
    // Still uncommitted: a second change must wait.
    expect(leader.proposeConfigChange({ voters: ['n1', 'n2', 'n3'], learners: [] })).toMatchObject({
      ok: false,
      error: expect.stringContaining('in progress'),
    })
    expect(
      net.node('n2').proposeConfigChange({ voters: ['n1', 'n2'], learners: [] }),
    ).toMatchObject({ ok: false, error: expect.stringContaining('not the leader') })
  })

  test('§4.2.2: a leader that removes itself steps down once the change commits, and the rest elect a leader', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 1)
    expect(
      net.node('n1').proposeConfigChange({ voters: ['n2', 'n3'], learners: [] }),
    ).toMatchObject({ ok: true })
    net.settle()
    expect(net.node('n1').status().role).toBe('follower')
    // n3's lease on the old leader runs out first; then n2's timer fires and it wins n3's vote.
    net.tick('n3', 10)
    net.settle()
    net.tick('n2', 10)
    net.settle()
    const leaders = net.leaders()
    expect(leaders.length).toBe(1)
    expect(['n2', 'n3']).toContain(leaders[0])
    expect(net.node('n1').status().role).toBe('follower')
  })
})

describe('leadership transfer (§3.10)', () => {
  test('a caught-up target takes over at once, in a new term, without waiting for a timeout', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 2)
    expect(net.node('n1').transferLeadership('n3')).toEqual({ ok: true })
    net.settle()
    expect(net.leaders()).toEqual(['n3'])
    expect(net.node('n3').status().term).toBe(2)
  })

  test('transfer to a lagging member is refused with a clear reason', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 1, { maxEntriesPerMessage: 4 })
    net.isolate('n3')
    for (let i = 0; i < 20; i++) net.node('n1').propose(encode(`w${i}`))
    net.settle()
    const result = net.node('n1').transferLeadership('n3')
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('not caught up') })
    expect(net.node('n1').status().role).toBe('leader')
  })

  test('proposals are refused while a transfer is under way', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 1)
    net.cut.add('n1->n2')
    net.node('n1').transferLeadership('n2')
    expect(net.node('n1').propose(encode('x'))).toEqual({
      ok: false,
      error: 'transfer-in-progress',
      leaderId: 'n2',
    })
  })
})

describe('linearizable reads with ReadIndex (§6.4)', () => {
  test('the leader answers a read after a heartbeat round confirms it still leads', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 2)
    const leader = net.node('n1')
    leader.readIndex(7)
    net.flush()
    expect(net.readStates.get('n1')).toEqual([])
    net.settle()
    expect(net.readStates.get('n1')).toEqual([{ requestId: 7, index: leader.status().commitIndex }])
  })

  test('a follower asks the leader for the read index', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 2)
    net.node('n3').readIndex(8)
    net.settle()
    expect(net.readStates.get('n3')).toEqual([
      { requestId: 8, index: net.node('n1').status().commitIndex },
    ])
  })

  test('a partitioned old leader cannot confirm a read, so it never serves stale data', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 2)
    net.isolate('n1')
    net.node('n1').readIndex(9)
    net.settle()
    net.tick('n1', 3)
    net.settle()
    expect(net.readStates.get('n1')).toEqual([])
  })

  test('a new leader serves reads only after committing an entry of its own term (etcd#7331)', () => {
    const net = clusterWithCommands(['n1', 'n2', 'n3'], 1)
    net.isolate('n1')
    net.tick('n3', 10) // n3's lease on n1 runs out (its own pre-vote goes nowhere)
    net.outbox = []
    net.node('n2').campaign()
    for (let i = 0; i < 4; i++)
      net.deliverOnce((m) => m.type === 'RequestVote' || m.type === 'RequestVoteReply')
    // n2 has won, but its no-op is lost, so it has not committed anything in its term yet.
    net.outbox = []
    const leader = net.node('n2')
    expect(leader.status().role).toBe('leader')
    leader.readIndex(10)
    net.flush()
    expect(net.readStates.get('n2')).toEqual([])
    net.heal()
    net.isolate('n1')
    net.tickAll(1)
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(net.readStates.get('n2')!.map((r) => r.requestId)).toEqual([10])
  })
})
