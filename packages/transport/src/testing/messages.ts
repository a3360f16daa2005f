import type { Message } from '@raftkit/raft'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

/** One message of every variant, with every kind of entry, for round-trip and fuzz tests. */
export function sampleMessages(from = 'n1', to = 'n2'): Message[] {
  const config = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] }
  return [
    {
      type: 'RequestVote',
      from,
      to,
      term: 3,
      preVote: true,
      lastLogIndex: 10,
      lastLogTerm: 2,
      transfer: false,
    },
    { type: 'RequestVoteReply', from, to, term: 3, preVote: false, granted: true },
    {
      type: 'AppendEntries',
      from,
      to,
      term: 5,
      prevLogIndex: 7,
      prevLogTerm: 4,
      entries: [
        { kind: 'noop', term: 5, index: 8 },
        { kind: 'command', term: 5, index: 9, data: bytes(0, 1, 2, 255, 254) },
        { kind: 'command', term: 5, index: 10, data: new Uint8Array(0) },
        { kind: 'config', term: 5, index: 11, config },
      ],
      leaderCommit: 7,
    },
    {
      type: 'AppendEntries',
      from,
      to,
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    },
    {
      type: 'AppendEntriesReply',
      from,
      to,
      term: 5,
      success: false,
      matchIndex: 0,
      rejectedIndex: 7,
      hintIndex: 5,
      hintTerm: 3,
    },
    { type: 'Heartbeat', from, to, term: 5, commit: 11, readContext: 2 },
    { type: 'HeartbeatReply', from, to, term: 5, readContext: 2 },
    { type: 'Propose', from, to, term: 5, commands: [bytes(1), bytes(), bytes(9, 9, 9)] },
    {
      type: 'InstallSnapshot',
      from,
      to,
      term: 6,
      snapshotIndex: 100,
      snapshotTerm: 6,
      config,
      offset: 4,
      totalBytes: 10,
      chunk: bytes(4, 5, 6, 7, 8, 9),
    },
    {
      type: 'InstallSnapshotReply',
      from,
      to,
      term: 6,
      snapshotIndex: 100,
      receivedBytes: 10,
      done: true,
    },
    { type: 'TimeoutNow', from, to, term: 6 },
    { type: 'ReadIndexRequest', from, to, term: 6, requestId: 2 ** 40 },
    { type: 'ReadIndexReply', from, to, term: 6, requestId: 2 ** 40, index: 99 },
    { type: 'ReadIndexReply', from, to, term: 6, requestId: 7, index: undefined },
  ]
}

/** A heartbeat numbered by `commit`, so tests can check order and completeness. */
export function heartbeat(from: string, to: string, commit: number): Message {
  return { type: 'Heartbeat', from, to, term: 1, commit, readContext: 0 }
}
