import { describe, expect, test } from 'vitest'
import type { RaftEvent } from './events.js'
import type { Message } from './messages.js'
import { RawNode } from './raw-node.js'
import { sequenceRandom, TestNetwork } from './testing/network.js'

describe('leader election (§5.2)', () => {
  test('§5.2: a follower whose election timer fires rehearses with a pre-vote, then wins term 1', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    net.tick('n1', 10)
    expect(net.node('n1').status().role).toBe('pre-candidate')
    expect(net.node('n1').status().term).toBe(0)
    net.settle()
    expect(net.node('n1').status()).toMatchObject({ role: 'leader', term: 1, leaderId: 'n1' })
    expect(net.node('n2').status()).toMatchObject({
      role: 'follower',
      term: 1,
      leaderId: 'n1',
      vote: 'n1',
    })
    expect(net.leaders()).toEqual(['n1'])
  })

  test('§5.2: without pre-vote a timed-out follower becomes a candidate in a new term at once', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false })
    net.tick('n1', 10)
    expect(net.node('n1').status()).toMatchObject({ role: 'candidate', term: 1, vote: 'n1' })
  })

  test('§5.2: the election timeout is randomized in [t, 2t) from the injected random source', () => {
    const node = new RawNode({
      id: 'n1',
      random: sequenceRandom([7]),
      initialConfig: { voters: ['n1', 'n2'], learners: [] },
    })
    expect(node.status().electionTimeoutTicks).toBe(17)
    for (let i = 0; i < 16; i++) node.tick()
    expect(node.status().role).toBe('follower')
    node.tick()
    expect(node.status().role).toBe('pre-candidate')
  })

  test('§5.2: a node grants at most one vote per term', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false })
    const voter = net.node('n3')
    const ask = (from: string): Message => ({
      type: 'RequestVote',
      from,
      to: 'n3',
      term: 1,
      preVote: false,
      lastLogIndex: 0,
      lastLogTerm: 0,
      transfer: false,
    })
    voter.step(ask('n1'))
    voter.step(ask('n2'))
    voter.step(ask('n1'))
    const replies = voter.ready().messages.filter((m) => m.type === 'RequestVoteReply')
    expect(replies.map((m) => [m.to, m.type === 'RequestVoteReply' && m.granted])).toEqual([
      ['n1', true],
      ['n2', false],
      ['n1', true],
    ])
  })

  test('§5.4.1: a voter refuses a candidate whose log is less up to date', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false, checkQuorum: false })
    net.elect('n1')
    net.node('n1').propose(new TextEncoder().encode('x'))
    net.settle()
    const voter = net.node('n3')
    const lastIndex = voter.status().lastIndex
    const votes: boolean[] = []
    for (const [index, term] of [
      [lastIndex - 1, 1],
      [lastIndex + 5, 0],
      [lastIndex, 1],
    ] as const) {
      voter.step({
        type: 'RequestVote',
        from: 'n2',
        to: 'n3',
        term: 5 + votes.length,
        preVote: false,
        lastLogIndex: index,
        lastLogTerm: term,
        transfer: false,
      })
      const reply = voter.ready()
      voter.advance(reply)
      const message = reply.messages.find((m) => m.type === 'RequestVoteReply')
      votes.push(message?.type === 'RequestVoteReply' && message.granted)
    }
    // shorter log in the same last term: refused; older last term though longer: refused; equal: granted
    expect(votes).toEqual([false, false, true])
  })

  test('split vote: with equal timeouts two candidates split the vote, and a later election wins', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3', 'n4'], { preVote: false })
    // n3 hears n1 first and n4 hears n2 first: the vote splits 2-2.
    net.cut.add('n1->n4')
    net.cut.add('n2->n3')
    net.node('n1').campaign()
    net.node('n2').campaign()
    net.settle()
    net.heal()
    // each got its own vote and one other at most: nobody has 3 of 4
    expect(net.leaders()).toEqual([])
    expect(net.node('n1').status().term).toBe(1)
    net.node('n3').campaign()
    net.settle()
    expect(net.leaders()).toEqual(['n3'])
    expect(net.node('n3').status().term).toBe(2)
  })

  test('a single-node cluster elects itself and commits without peers', () => {
    const net = new TestNetwork(['n1'])
    net.tick('n1', 10)
    expect(net.node('n1').status().role).toBe('leader')
    net.node('n1').propose(new TextEncoder().encode('solo'))
    net.flush()
    expect(net.commands('n1')).toEqual(['solo'])
  })

  test('events: role changes, votes and commits are reported with the rule behind them', () => {
    const events: RaftEvent[] = []
    const net = new TestNetwork(['n1', 'n2', 'n3'], { onEvent: (e) => events.push(e) })
    net.elect('n1')
    const roles = events
      .filter((e) => e.type === 'role-changed' && e.node === 'n1')
      .map((e) => e.type === 'role-changed' && e.to)
    expect(roles).toEqual(['pre-candidate', 'candidate', 'leader'])
    const votes = events.filter((e) => e.type === 'vote-cast')
    expect(votes.length).toBe(4)
    expect(votes.every((e) => e.type === 'vote-cast' && e.granted && e.rule.includes('§'))).toBe(
      true,
    )
    expect(events.some((e) => e.type === 'committed' && e.node === 'n1' && e.to === 1)).toBe(true)
  })
})

describe('pre-vote and check-quorum (§9.6, §6.2)', () => {
  test('§6.2: an isolated leader steps down after an election timeout without a quorum', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    net.elect('n1')
    net.isolate('n1')
    net.tick('n1', 10)
    net.settle()
    net.tick('n1', 10)
    expect(net.node('n1').status().role).toBe('follower')
  })

  test('§9.6: a partitioned node does not bump its term, and does not disrupt the leader when it returns', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    net.elect('n1')
    net.isolate('n3')
    for (let i = 0; i < 5; i++) {
      net.tickAll(10)
      net.settle()
    }
    expect(net.node('n3').status().term).toBe(1)
    net.heal()
    net.tickAll(1)
    net.settle()
    expect(net.leaders()).toEqual(['n1'])
    expect(net.node('n1').status().term).toBe(1)
  })

  test('§4.2.3: a follower that hears from a live leader ignores a vote request of a higher term', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false })
    net.elect('n1')
    const follower = net.node('n2')
    follower.step({
      type: 'RequestVote',
      from: 'n3',
      to: 'n2',
      term: 9,
      preVote: false,
      lastLogIndex: 99,
      lastLogTerm: 9,
      transfer: false,
    })
    expect(follower.status().term).toBe(1)
    expect(follower.hasReady()).toBe(false)
  })

  test('without check-quorum the same request deposes the leader’s term', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false, checkQuorum: false })
    net.elect('n1')
    const follower = net.node('n2')
    follower.step({
      type: 'RequestVote',
      from: 'n3',
      to: 'n2',
      term: 9,
      preVote: false,
      lastLogIndex: 99,
      lastLogTerm: 9,
      transfer: false,
    })
    expect(follower.status().term).toBe(9)
  })

  test('with pre-vote, a stale leader learns the new term from a follower that rejects its append', () => {
    // Without check-quorum the old leader never notices it lost its quorum on its own.
    const net = new TestNetwork(['n1', 'n2', 'n3'], { checkQuorum: false })
    net.elect('n1')
    net.isolate('n1')
    net.elect('n2')
    expect(net.node('n2').status().term).toBe(2)
    net.heal()
    net.tick('n1', 1)
    net.settle()
    expect(net.node('n1').status()).toMatchObject({ role: 'follower', term: 2 })
    net.tick('n2', 1)
    net.settle()
    expect(net.node('n1').status().leaderId).toBe('n2')
  })
})
