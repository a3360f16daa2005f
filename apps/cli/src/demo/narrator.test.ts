import type { RaftEvent } from '@raftkit/raft'
import type { TraceBody, TraceRecord } from '@raftkit/sim'
import { describe, expect, test } from 'vitest'
import { Narrator, stamp } from './narrator.js'

const ids = ['n1', 'n2', 'n3']

function at(time: number, body: TraceBody): TraceRecord {
  return { ...body, time, step: 0 } as TraceRecord
}

function raft(time: number, event: RaftEvent): TraceRecord {
  return at(time, { type: 'raft', event })
}

const rule = '§5.2'

function tell(narrator: Narrator, records: readonly TraceRecord[]): string[] {
  return records.flatMap((record) => narrator.handle(record))
}

describe('Narrator', () => {
  test('an election: who started it, for which term, who won with whose votes', () => {
    const narrator = new Narrator(ids)
    const lines = tell(narrator, [
      raft(100, {
        type: 'election-started',
        node: 'n2',
        term: 1,
        preVote: true,
        transfer: false,
        rule,
      }),
      raft(101, {
        type: 'vote-cast',
        node: 'n1',
        term: 1,
        candidate: 'n2',
        granted: true,
        preVote: true,
        rule,
      }),
      raft(102, {
        type: 'election-started',
        node: 'n2',
        term: 1,
        preVote: false,
        transfer: false,
        rule,
      }),
      raft(103, {
        type: 'vote-cast',
        node: 'n3',
        term: 1,
        candidate: 'n2',
        granted: true,
        preVote: false,
        rule,
      }),
      raft(103, {
        type: 'vote-cast',
        node: 'n1',
        term: 1,
        candidate: 'n2',
        granted: false,
        preVote: false,
        rule,
      }),
      raft(104, {
        type: 'role-changed',
        node: 'n2',
        term: 1,
        from: 'candidate',
        to: 'leader',
        leaderId: 'n2',
        rule,
      }),
    ])
    expect(lines).toEqual([
      stamp(102, 'n2 heard from no leader in time and starts an election for term 1'),
      stamp(104, 'n2 won term 1 with votes from n2, n3: it leads'),
    ])
  })

  test('commits are batched per node, and told once per batch with the client operations', () => {
    const narrator = new Narrator(ids, { batchMs: 1000 })
    const quiet = tell(narrator, [
      raft(10, { type: 'committed', node: 'n1', term: 1, from: 0, to: 3, rule }),
      raft(20, { type: 'committed', node: 'n1', term: 1, from: 3, to: 7, rule }),
      raft(30, { type: 'committed', node: 'n2', term: 1, from: 0, to: 5, rule }),
      at(40, {
        type: 'op-result',
        client: 1,
        seq: 1,
        outcome: 'ok',
        result: { op: 'put', revision: 2 },
        reason: '',
      }),
      at(50, {
        type: 'op-result',
        client: 2,
        seq: 1,
        outcome: 'indeterminate',
        result: undefined,
        reason: '',
      }),
    ])
    expect(quiet).toEqual([])
    expect(narrator.tick(1000)).toEqual([
      stamp(
        1000,
        'committed n1 1..7, n2 1..5 · clients: 1 write and 0 reads done, 1 with unknown outcome',
      ),
    ])
    // Nothing new: nothing said.
    expect(narrator.tick(2000)).toEqual([])
    tell(narrator, [
      raft(2100, { type: 'committed', node: 'n1', term: 1, from: 7, to: 9, rule }),
      raft(2100, { type: 'committed', node: 'n2', term: 1, from: 7, to: 9, rule }),
    ])
    expect(narrator.flush(2500)).toEqual([stamp(2500, 'committed 8..9 on n1, n2')])
  })

  test('crashes, restarts, partitions and a leader stepping down', () => {
    const narrator = new Narrator(ids)
    const lines = tell(narrator, [
      raft(5, {
        type: 'role-changed',
        node: 'n1',
        term: 2,
        from: 'candidate',
        to: 'leader',
        leaderId: 'n1',
        rule,
      }),
      at(10, { type: 'crash', node: 'n1', write: 'torn' }),
      at(20, { type: 'restart', node: 'n1', forgotVote: false }),
      at(30, { type: 'partition', groups: [['n3']] }),
      raft(40, {
        type: 'role-changed',
        node: 'n3',
        term: 3,
        from: 'leader',
        to: 'follower',
        leaderId: undefined,
        rule: 'check-quorum',
      }),
      at(50, { type: 'heal' }),
    ])
    expect(lines).toEqual([
      stamp(5, 'n1 won term 2 with votes from n1: it leads'),
      stamp(10, 'CRASH    n1 stopped, and it was the leader (a disk write in flight was torn)'),
      stamp(20, 'RESTART  n1 is back with the term, vote and log it had on disk'),
      stamp(30, 'NETWORK  partitioned: {n3} | {n1 n2}'),
      stamp(40, 'n3 steps down as leader of term 3: check-quorum'),
      stamp(50, 'NETWORK  healed: every node can reach every other again'),
    ])
  })

  test('a status line now and then says who leads and who is down', () => {
    const narrator = new Narrator(ids, { statusEveryMs: 10_000 })
    tell(narrator, [
      raft(5, {
        type: 'role-changed',
        node: 'n2',
        term: 4,
        from: 'candidate',
        to: 'leader',
        leaderId: 'n2',
        rule,
      }),
      raft(6, { type: 'committed', node: 'n2', term: 4, from: 0, to: 12, rule }),
      at(7, { type: 'crash', node: 'n3', write: 'none' }),
    ])
    expect(narrator.tick(5000)).not.toContainEqual(expect.stringContaining('status'))
    expect(narrator.tick(10_000)).toContain(
      stamp(10_000, 'status   leader n2 (term 4), highest commit index 12; down: n3'),
    )
  })

  test('messages, heartbeats and lost messages are not narrated', () => {
    const narrator = new Narrator(ids)
    const message = { type: 'TimeoutNow', from: 'n1', to: 'n2', term: 1 } as never
    expect(
      tell(narrator, [
        raft(1, { type: 'message-sent', node: 'n1', term: 1, message }),
        at(2, { type: 'message-lost', message, reason: 'dropped' as never }),
      ]),
    ).toEqual([])
  })

  test('membership: a member joins, the leader tells its configuration change, a member retires', () => {
    const narrator = new Narrator(ids)
    const lines = tell(narrator, [
      raft(10, {
        type: 'role-changed',
        node: 'n1',
        term: 2,
        from: 'candidate',
        to: 'leader',
        leaderId: 'n1',
        rule,
      }),
      raft(20, {
        type: 'config-changed',
        node: 'n1',
        term: 2,
        index: 7,
        config: { voters: ids, learners: ['n4'] },
      }),
      raft(21, {
        type: 'config-changed',
        node: 'n2',
        term: 2,
        index: 7,
        config: { voters: ids, learners: ['n4'] },
      }),
      at(20, { type: 'member-added', node: 'n4', index: 7 }),
      at(90, {
        type: 'retire',
        node: 'n3',
        reason: 'its removal from the configuration was committed',
      }),
      at(95, { type: 'partition', groups: [['n1']] }),
    ])
    expect(lines.slice(1)).toEqual([
      stamp(
        20,
        'n1 appends a configuration change at 7: voters n1 n2 n3, learners n4 (in force at once, §4.1)',
      ),
      stamp(
        20,
        'MEMBER   n4 starts with an empty disk and joins as a learner (entry 7); it becomes a voter once caught up',
      ),
      stamp(
        90,
        'MEMBER   n3 is shut down for good: its removal from the configuration was committed',
      ),
      stamp(95, 'NETWORK  partitioned: {n1} | {n2 n4}'),
    ])
  })
})
