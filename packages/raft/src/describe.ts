import { unreachable } from './assert.js'
import type { Message } from './messages.js'
import type { Entry } from './types.js'

/** One canonical line for an entry, shared by logs, the simulator's trace, tests and Raft Lab. */
export function describeEntry(entry: Entry): string {
  switch (entry.kind) {
    case 'command':
      return `${entry.index}/${entry.term} cmd(${entry.data.byteLength}B)`
    case 'noop':
      return `${entry.index}/${entry.term} noop`
    case 'config':
      return `${entry.index}/${entry.term} config voters=(${entry.config.voters.join(',')}) learners=(${entry.config.learners.join(',')})`
    default:
      return unreachable(entry)
  }
}

function describeEntries(entries: readonly Entry[]): string {
  if (entries.length === 0) return '[]'
  if (entries.length <= 3) return `[${entries.map(describeEntry).join(', ')}]`
  const first = entries[0]!
  const last = entries[entries.length - 1]!
  return `[${entries.length} entries ${first.index}/${first.term}..${last.index}/${last.term}]`
}

/** One canonical line for a message: `n1 -> n2 AppendEntries term=3 ...`. */
export function describeMessage(message: Message): string {
  const head = `${message.from} -> ${message.to} ${message.type} term=${message.term}`
  switch (message.type) {
    case 'RequestVote':
      return `${head}${message.preVote ? ' pre-vote' : ''}${message.transfer ? ' transfer' : ''} last=${message.lastLogIndex}/${message.lastLogTerm}`
    case 'RequestVoteReply':
      return `${head}${message.preVote ? ' pre-vote' : ''} ${message.granted ? 'granted' : 'refused'}`
    case 'AppendEntries':
      return `${head} prev=${message.prevLogIndex}/${message.prevLogTerm} commit=${message.leaderCommit} entries=${describeEntries(message.entries)}`
    case 'AppendEntriesReply':
      return message.success
        ? `${head} ok match=${message.matchIndex}`
        : `${head} rejected prev=${message.rejectedIndex} hint=${message.hintIndex}/${message.hintTerm}`
    case 'Heartbeat':
      return `${head} commit=${message.commit}${message.readContext > 0 ? ` read=${message.readContext}` : ''}`
    case 'HeartbeatReply':
      return `${head}${message.readContext > 0 ? ` read=${message.readContext}` : ''}`
    case 'Propose':
      return `${head} commands=${message.commands.length}`
    case 'InstallSnapshot':
      return `${head} snapshot=${message.snapshotIndex}/${message.snapshotTerm} bytes=${message.offset}+${message.chunk.byteLength}/${message.totalBytes}`
    case 'InstallSnapshotReply':
      return `${head} snapshot=${message.snapshotIndex} received=${message.receivedBytes}${message.done ? ' done' : ''}`
    case 'TimeoutNow':
      return head
    case 'ReadIndexRequest':
      return `${head} request=${message.requestId}`
    case 'ReadIndexReply':
      return `${head} request=${message.requestId} index=${message.index ?? 'refused'}`
    default:
      return unreachable(message)
  }
}
