import { describe, expect, test } from 'vitest'
import type { Message } from './messages.js'
import { encode, TestNetwork } from './testing/network.js'
import type { Entry, PersistedState } from './types.js'

/** A persisted log whose entries have the given terms (index i+1 has terms[i]). */
function logWithTerms(terms: readonly number[], currentTerm: number): PersistedState {
  const entries: Entry[] = terms.map((term, i) => ({
    kind: 'command',
    term,
    index: i + 1,
    data: encode(`t${term}i${i + 1}`),
  }))
  return {
    hardState: { term: currentTerm, vote: undefined, commit: 0 },
    snapshot: undefined,
    entries,
  }
}

describe('log replication (§5.3)', () => {
  test('§5.3: the leader replicates proposals; every node applies them in order, exactly once', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    net.elect('n1')
    for (const word of ['a', 'b', 'c']) net.node('n1').propose(encode(word))
    net.settle()
    net.tickAll(1)
    net.settle()
    for (const id of ['n1', 'n2', 'n3']) {
      expect(net.commands(id)).toEqual(['a', 'b', 'c'])
      const indexes = net.applied.get(id)!.map((e) => e.index)
      expect(indexes).toEqual([1, 2, 3, 4])
    }
  })

  test('proposals made between two Readys go to each follower in one AppendEntries (batching)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    net.elect('n1')
    for (let i = 0; i < 50; i++) net.node('n1').propose(encode(`w${i}`))
    net.flush()
    const appends = net.outbox.filter(
      (m): m is Extract<Message, { type: 'AppendEntries' }> => m.type === 'AppendEntries',
    )
    expect(appends.map((m) => [m.to, m.entries.length])).toEqual([
      ['n2', 50],
      ['n3', 50],
    ])
  })

  test('the leader counts its own copy only once it is durable (etcd#14370)', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    net.elect('n1')
    const leader = net.node('n1')
    const before = leader.status().commitIndex
    leader.propose(encode('x'))
    const ready = leader.ready()
    const index = ready.entries[0]!.index
    // One follower's ack plus the leader's own copy would be a majority — but the leader's copy
    // is not durable until advance(), so nothing commits yet.
    leader.step({
      type: 'AppendEntriesReply',
      from: 'n2',
      to: 'n1',
      term: 1,
      success: true,
      matchIndex: index,
      rejectedIndex: 0,
      hintIndex: 0,
      hintTerm: 0,
    })
    expect(leader.status().commitIndex).toBe(before)
    leader.advance(ready)
    expect(leader.status().commitIndex).toBe(index)
  })

  test('proposals on a follower are forwarded to the leader, or refused naming it', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    expect(net.node('n2').propose(encode('early'))).toEqual({ ok: false, error: 'no-leader' })
    net.elect('n1')
    expect(net.node('n2').propose(encode('via-n2'))).toEqual({
      ok: true,
      outcome: 'forwarded',
      leaderId: 'n1',
    })
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(net.commands('n3')).toEqual(['via-n2'])

    const strict = new TestNetwork(['n1', 'n2', 'n3'], { forwardProposals: false })
    strict.elect('n1')
    expect(strict.node('n3').propose(encode('x'))).toEqual({
      ok: false,
      error: 'not-leader',
      leaderId: 'n1',
    })
  })

  test('a follower commits only up to what the message proves it holds', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    // n3 holds a stale uncommitted entry from term 1 at index 2; the leader of term 2 has only index 1.
    net.start('n3', logWithTerms([1, 1], 1))
    net.start('n1', logWithTerms([1], 1))
    net.start('n2', logWithTerms([1], 1))
    net.elect('n1')
    net.tickAll(1)
    net.settle()
    // The new leader's no-op (index 2, term 2) replaced n3's stale entry.
    expect(net.node('n3').termAt(2)).toBe(2)
    expect(net.node('n3').status().commitIndex).toBe(2)
  })

  test('fast back-tracking: a follower with a long divergent suffix is repaired in a few round trips', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'], { preVote: false })
    const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
    const follower = [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]
    net.start('n1', logWithTerms(leaderLog, 6))
    net.start('n2', logWithTerms(leaderLog, 6))
    net.start('n3', logWithTerms(follower, 6))
    let rejections = 0
    net.node('n1').campaign()
    for (let round = 0; round < 50 && net.deliverOnce() > 0; round++) {
      rejections += net.outbox.filter(
        (m) => m.type === 'AppendEntriesReply' && !m.success && m.from === 'n3',
      ).length
    }
    expect(
      net
        .node('n3')
        .entries(1, 12)
        .map((e) => e.term),
    ).toEqual([...leaderLog, 7])
    expect(rejections).toBeLessThanOrEqual(3)
  })

  test('flow control: at most maxInflightMessages appends are in flight to one follower', () => {
    const net = new TestNetwork(['n1', 'n2'], { maxInflightMessages: 2, maxEntriesPerMessage: 1 })
    net.elect('n1')
    for (let i = 0; i < 10; i++) net.node('n1').propose(encode(`w${i}`))
    net.flush()
    const inFlight = net.outbox.filter((m) => m.type === 'AppendEntries' && m.to === 'n2')
    expect(inFlight.length).toBe(2)
    net.settle()
    expect(net.node('n2').status().lastIndex).toBe(11)
  })

  test('heartbeats carry min(commit, follower match), never more than the follower holds', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    net.elect('n1')
    net.cut.add('n1->n3')
    net.node('n1').propose(encode('x'))
    net.settle()
    net.cut.clear()
    net.tick('n1', 1)
    const heartbeat = net.outbox.find((m) => m.type === 'Heartbeat' && m.to === 'n3')
    expect(heartbeat?.type === 'Heartbeat' && heartbeat.commit).toBe(1)
    expect(net.node('n1').status().commitIndex).toBe(2)
  })
})

describe('the commit rule and Figure 8 (§5.4.2)', () => {
  /**
   * Figure 8 of the Raft paper. S1 leads term 4 with [1, 2(t2)] plus its no-op 3(t4). S2 takes
   * the no-op, S3 only receives index 2 (one entry per message). Index 2 is now on a majority
   * (S1, S2, S3) but it is from term 2. S5 holds [1, 2(t3)] and can still win with S3 and S4.
   */
  function figure8(unsafe: boolean): TestNetwork {
    const ids = ['s1', 's2', 's3', 's4', 's5']
    const options = {
      preVote: false,
      checkQuorum: false,
      maxEntriesPerMessage: 1,
      unsafe: { commitOldTerm: unsafe },
    }
    const net = new TestNetwork(ids, options)
    net.start('s1', logWithTerms([1, 2], 3))
    net.start('s2', logWithTerms([1, 2], 3))
    net.start('s3', logWithTerms([1], 3))
    net.start('s4', logWithTerms([1], 3))
    net.start('s5', logWithTerms([1, 3], 3))
    net.cut.add('s1->s5')
    net.node('s1').campaign()
    net.deliverOnce((m) => m.type === 'RequestVote')
    net.deliverOnce((m) => m.type === 'RequestVoteReply')
    expect(net.leaders()).toEqual(['s1'])
    net.cut.add('s1->s4')
    net.deliverOnce() // probes: s2 accepts the no-op, s3 rejects
    net.deliverOnce() // replies: s3 is probed again from index 2
    net.deliverOnce((m) => m.to === 's3') // s3 takes index 2
    net.deliverOnce((m) => m.from === 's3') // s1 learns s3 matches index 2
    return net
  }

  /** S1 is lost; S5 (last term 3) wins term 5 with S3 and S4, and overwrites index 2. */
  function s5TakesOver(net: TestNetwork): void {
    net.outbox = []
    net.isolate('s1')
    // S5 is still in term 3: its first campaign (term 4) only teaches it the term; the second wins.
    net.node('s5').campaign()
    net.settle()
    net.node('s5').campaign()
    net.settle()
    net.tick('s5', 1)
    net.settle()
    expect(net.leaders()).toContain('s5')
  }

  test('§5.4.2: a leader never commits an old-term entry by counting replicas', () => {
    const net = figure8(false)
    expect(net.node('s3').termAt(2)).toBe(2)
    expect(net.node('s1').status().commitIndex).toBe(0)
    s5TakesOver(net)
    // Index 2 is overwritten with S5's term-3 entry, and nobody had applied the old one.
    expect(net.applied.get('s1')!.length).toBe(0)
    expect(net.applied.get('s5')!.find((e) => e.index === 2)?.term).toBe(3)
  })

  test('with the unsafe rule commit-old-term the same run loses a committed entry — the Figure 8 bug', () => {
    const net = figure8(true)
    expect(net.node('s1').status().commitIndex).toBe(2)
    expect(net.applied.get('s1')!.find((e) => e.index === 2)?.term).toBe(2)
    s5TakesOver(net)
    // S1 applied (2, term 2); S5 and S3 apply (2, term 3): State Machine Safety is broken.
    expect(net.applied.get('s5')!.find((e) => e.index === 2)?.term).toBe(3)
    expect(net.applied.get('s3')!.find((e) => e.index === 2)?.term).toBe(3)
  })
})

describe('Figure 7: a new leader brings every kind of divergent follower into line (§5.3)', () => {
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
  const followers: Record<string, number[]> = {
    a: [1, 1, 1, 4, 4, 5, 5, 6, 6], // missing one entry
    b: [1, 1, 1, 4], // missing many
    c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // an extra uncommitted entry
    d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // extra entries of a later term
    e: [1, 1, 1, 4, 4, 4, 4], // missing entries and extra ones of an old term
    f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // a long suffix of terms the leader never saw
  }

  test('the term-8 leader is elected by a, b, e, f and every log ends identical to its own', () => {
    const ids = ['leader', ...Object.keys(followers)]
    const net = new TestNetwork(ids, { preVote: false, checkQuorum: false })
    net.start('leader', logWithTerms(leaderLog, 7))
    for (const [id, terms] of Object.entries(followers)) net.start(id, logWithTerms(terms, 7))
    net.node('leader').campaign()
    net.deliverOnce((m) => m.type === 'RequestVote')
    const votes = net.outbox
      .filter((m) => m.type === 'RequestVoteReply' && m.granted)
      .map((m) => m.from)
    expect(votes.sort()).toEqual(['a', 'b', 'e', 'f'])
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(net.node('leader').status()).toMatchObject({ role: 'leader', term: 8 })
    const expected = [...leaderLog, 8]
    for (const id of ids) {
      const node = net.node(id)
      expect(
        node.entries(1, node.status().lastIndex + 1).map((e) => e.term),
        id,
      ).toEqual(expected)
      expect(node.status().commitIndex, id).toBe(11)
    }
  })
})

describe('recovering a broken pipeline', () => {
  test('a full inflight window of lost appends is recovered after a heartbeat round without progress', () => {
    // Found by the simulator (seed 21 of the 5-node all-faults sweep): every append in a full
    // window was lost, nothing ever freed the window, and the follower stayed behind forever.
    const net = new TestNetwork(['n1', 'n2', 'n3'], {
      maxInflightMessages: 2,
      maxEntriesPerMessage: 1,
    })
    net.elect('n1')
    net.tickAll(1)
    net.settle()
    for (let i = 0; i < 5; i++) net.node('n1').propose(encode(`w${i}`))
    net.flush()
    // Lose everything in flight to n3 (its window of 2 is now full of lost messages).
    net.outbox = net.outbox.filter((m) => m.to !== 'n3')
    net.settle()
    const lagging = (): number => net.node('n3').status().lastIndex
    expect(lagging()).toBeLessThan(net.node('n1').status().lastIndex)
    for (let round = 0; round < 5 && lagging() < net.node('n1').status().lastIndex; round++) {
      net.tick('n1', 1)
      net.settle()
    }
    expect(lagging()).toBe(net.node('n1').status().lastIndex)
  })
})

describe('a follower that lost entries it had acknowledged (outside the storage model)', () => {
  test('is repaired by the leader instead of tripping an assertion', () => {
    const net = new TestNetwork(['n1', 'n2', 'n3'])
    net.elect('n1')
    for (const word of ['a', 'b', 'c', 'd']) net.node('n1').propose(encode(word))
    net.settle()
    net.tickAll(1)
    net.settle()
    expect(net.commands('n3')).toEqual(['a', 'b', 'c', 'd'])

    // n3's disk "forgets" its last two entries; the leader still counts them as stored there.
    const storage = net.storage.get('n3')!
    storage.entries = storage.entries.slice(0, -2)
    const events: string[] = []
    net.restart('n3', { onEvent: (e) => { if (e.type === 'entries-missing') events.push(e.node) } })
    net.node('n1').propose(encode('e'))
    for (let round = 0; round < 20; round++) {
      net.tickAll(1)
      net.settle()
    }
    expect(net.node('n3').status().commitIndex).toBe(net.node('n1').status().commitIndex)
    expect(net.commands('n3').at(-1)).toBe('e')
    expect(events.length).toBeGreaterThan(0)
  })
})
