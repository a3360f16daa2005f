import { describe, expect, test } from 'vitest'
import type { RaftEvent } from './events.js'
import { RawNode } from './raw-node.js'
import { encode, sequenceRandom, TestNetwork } from './testing/network.js'

/** Elects n1 of `ids` and commits `count` commands everywhere. */
function cluster(ids: string[], count = 1, options = {}): TestNetwork {
  const net = new TestNetwork(ids, options)
  net.elect(ids[0]!)
  for (let i = 0; i < count; i++) net.node(ids[0]!).propose(encode(`c${i}`))
  net.settle()
  net.tickAll(1)
  net.settle()
  return net
}

describe('configuration changes are validated (§4.1, §4.2.1)', () => {
  test('a new voter must be a learner first', () => {
    const net = cluster(['n1', 'n2', 'n3'])
    net.start('n4')
    expect(
      net.node('n1').proposeConfigChange({ voters: ['n1', 'n2', 'n3', 'n4'], learners: [] }),
    ).toEqual({ ok: false, error: 'n4 must join as a learner before it becomes a voter' })
  })

  test('compare-and-set on the configuration index refuses a change based on an old read', () => {
    const net = cluster(['n1', 'n2', 'n3'])
    const leader = net.node('n1')
    const read = leader.status().configIndex
    expect(read).toBe(0)
    net.start('n4')
    expect(
      leader.proposeConfigChange(
        { voters: ['n1', 'n2', 'n3'], learners: ['n4'] },
        { expectedConfigIndex: read },
      ),
    ).toMatchObject({ ok: true })
    net.settle()
    // A second administrator read the configuration before that change and adds n5 to it.
    expect(
      leader.proposeConfigChange(
        { voters: ['n1', 'n2', 'n3'], learners: ['n5'] },
        { expectedConfigIndex: read },
      ),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/configuration changed/) })
    expect(leader.status().config.learners).toEqual(['n4'])
  })

  test('a change that changes nothing is refused', () => {
    const net = cluster(['n1', 'n2', 'n3'])
    expect(
      net.node('n1').proposeConfigChange({ voters: ['n3', 'n2', 'n1'], learners: [] }),
    ).toEqual({ ok: false, error: 'the configuration would not change' })
  })

  test('Ongaro’s fix: no change before the leader commits an entry of its term', () => {
    const net = cluster(['n1', 'n2', 'n3'])
    net.isolate('n1')
    net.tick('n3', 10) // n3's lease on n1 runs out
    net.outbox = []
    net.node('n2').campaign()
    for (let i = 0; i < 4; i++)
      net.deliverOnce((m) => m.type === 'RequestVote' || m.type === 'RequestVoteReply')
    net.outbox = [] // n2 won, but its no-op is lost
    const leader = net.node('n2')
    expect(leader.status().role).toBe('leader')
    expect(leader.proposeConfigChange({ voters: ['n2', 'n3'], learners: [] })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not yet committed an entry of its term/),
    })
  })

  test('the unsafe rules let the checks be seen to bite: two voters at once, no term commit', () => {
    const net = cluster(['n1', 'n2', 'n3', 'n4', 'n5'], 1, {
      unsafe: { multipleVoterChanges: true },
    })
    expect(
      net.node('n1').proposeConfigChange({ voters: ['n1', 'n2', 'n3'], learners: [] }),
    ).toMatchObject({ ok: true })
  })
})

describe('elections under membership changes', () => {
  test('a learner’s timer never renews its lease: it votes once the leader goes quiet', () => {
    const net = cluster(['n1', 'n2', 'n3'])
    net.start('n4')
    net.node('n1').proposeConfigChange({ voters: ['n1', 'n2', 'n3'], learners: ['n4'] })
    net.settle()
    net.isolate('n1')
    net.tick('n4', 25) // past any lease; a learner never campaigns itself
    expect(net.node('n4').status()).toMatchObject({ role: 'follower', leaderId: 'n1' })
    net.outbox = []
    net.node('n4').step({
      type: 'RequestVote',
      from: 'n2',
      to: 'n4',
      term: 2,
      preVote: true,
      lastLogIndex: 10,
      lastLogTerm: 1,
      transfer: false,
    })
    net.flush()
    expect(net.outbox).toMatchObject([{ type: 'RequestVoteReply', to: 'n2', granted: true }])
  })
})

describe('votes survive crashes (§5.2)', () => {
  test('a single voter leads only once its vote for itself is durable', () => {
    const node = new RawNode({
      id: 'n1',
      random: sequenceRandom([0]),
      initialConfig: { voters: ['n1'], learners: [] },
    })
    node.campaign()
    expect(node.status().role).toBe('candidate')
    const ready = node.ready()
    expect(ready.hardState).toEqual({ term: 1, vote: 'n1', commit: 0 })
    // Not a leader before the vote is on disk: a crash now forgets nothing it acted on.
    expect(node.status().role).toBe('candidate')
    node.advance(ready)
    expect(node.status().role).toBe('leader')
  })

  test('a node that finds a later term in its log than in its hard state counts itself as voted', () => {
    // A torn write: the term-3 entry reached the disk, the hard state of term 3 did not.
    const node = new RawNode(
      {
        id: 'n2',
        random: sequenceRandom([0]),
        initialConfig: { voters: ['n1', 'n2'], learners: [] },
      },
      {
        hardState: { term: 2, vote: undefined, commit: 0 },
        snapshot: undefined,
        entries: [{ kind: 'noop', term: 3, index: 1 }],
      },
    )
    expect(node.status()).toMatchObject({ term: 3, vote: 'n2' })
    node.step({
      type: 'RequestVote',
      from: 'n1',
      to: 'n2',
      term: 3,
      preVote: false,
      lastLogIndex: 5,
      lastLogTerm: 3,
      transfer: false,
    })
    const ready = node.ready()
    expect(ready.messages).toMatchObject([{ type: 'RequestVoteReply', granted: false }])
  })
})

describe('runtime tuning (reloadConfig)', () => {
  test('settings change at run time; invalid ones are refused and change nothing', () => {
    const node = new RawNode({
      id: 'n1',
      random: sequenceRandom([0]),
      initialConfig: { voters: ['n1', 'n2', 'n3'], learners: [] },
    })
    expect(node.reloadConfig({ electionTimeoutTicks: 1 })).toMatchObject({ ok: false })
    expect(
      node.reloadConfig({ electionTimeoutTicks: 5, electionTimeoutTicksMax: 4 }),
    ).toMatchObject({
      ok: false,
    })
    expect(node.tuning()).toMatchObject({ electionTimeoutTicks: 10, preVote: true })
    expect(
      node.reloadConfig({ electionTimeoutTicks: 4, electionTimeoutTicksMax: 4, preVote: false }),
    ).toEqual({ ok: true })
    expect(node.status().electionTimeoutTicks).toBe(4)
    for (let i = 0; i < 4; i++) node.tick()
    // Pre-vote off: the election bumps the term at once.
    expect(node.status()).toMatchObject({ role: 'candidate', term: 1 })
  })
})

describe('a removed member', () => {
  test('cannot get a write applied by forwarding it to the leader', () => {
    const dropped: string[] = []
    const net = cluster(['n1', 'n2', 'n3'], 1, {
      forwardProposals: true,
      onEvent: (event: RaftEvent) => {
        if (event.type === 'message-dropped' && event.message.type === 'Propose')
          dropped.push(`${event.node}: ${event.rule}`)
      },
    })
    const leader = net.node('n1')
    expect(leader.proposeConfigChange({ voters: ['n1', 'n2'], learners: [] })).toMatchObject({
      ok: true,
    })
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(leader.status().config.voters).toEqual(['n1', 'n2'])
    // n3 still runs and still takes n1 for its leader; its clients' writes must not apply.
    expect(net.node('n3').status().leaderId).toBe('n1')
    expect(net.node('n3').propose(encode('from-removed'))).toMatchObject({ outcome: 'forwarded' })
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(net.commands('n1')).not.toContain('from-removed')
    expect(dropped).toEqual(['n1: forwarded proposal from n3, which is not a member'])
    // A member's forwarded write still goes through.
    expect(net.node('n2').propose(encode('from-member'))).toMatchObject({ outcome: 'forwarded' })
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(net.commands('n1')).toContain('from-member')
  })
})
