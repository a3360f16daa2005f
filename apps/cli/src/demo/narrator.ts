import type { NodeId, RaftEvent, Term } from '@raftkit/raft'
import type { TraceRecord } from '@raftkit/sim'

export interface NarratorOptions {
  /** Commits and client operations are summed and told once per this many virtual ms. */
  readonly batchMs?: number
  /** A status line (leader, term, commit index, nodes down) is printed this often. */
  readonly statusEveryMs?: number
}

type RoleChanged = Extract<RaftEvent, { type: 'role-changed' }>

/**
 * Turns the simulator's trace into lines a person can follow: who started an election for which
 * term, who won it and with whose votes, leaders stepping down and why, crashes, restarts and
 * partitions, and once per batch the entries each node committed and how the clients fared.
 * Heartbeats, messages and pre-votes are left out: they are the noise of a healthy cluster.
 *
 * Pure: it returns lines and never prints, so tests feed it hand-written records.
 */
export class Narrator {
  readonly #batchMs: number
  readonly #statusEveryMs: number
  /** Votes granted per election, keyed `candidate@term`; the candidate's own vote included. */
  readonly #votes = new Map<string, Set<NodeId>>()
  /** Per node, the range of indexes it committed since the last batch. */
  readonly #commits = new Map<NodeId, { first: number; last: number }>()
  readonly #highestCommit = new Map<NodeId, number>()
  readonly #ops = { ok: 0, failed: 0, indeterminate: 0, writes: 0, reads: 0 }
  #batchStartedMs = 0
  #lastStatusMs = 0
  #leader: { readonly id: NodeId; readonly term: Term } | undefined
  readonly #down = new Set<NodeId>()

  /** The nodes of the cluster now: members come and go. */
  #ids: readonly NodeId[]

  constructor(ids: readonly NodeId[], options: NarratorOptions = {}) {
    this.#ids = [...ids]
    this.#batchMs = options.batchMs ?? 2000
    this.#statusEveryMs = options.statusEveryMs ?? 15_000
  }

  /** Takes one trace record; returns the lines to print now (often none). */
  handle(record: TraceRecord): string[] {
    const lines = this.#flushIfDue(record.time)
    const line = this.#describe(record)
    if (line !== undefined) lines.push(stamp(record.time, line))
    return lines
  }

  /** Called as virtual time passes; returns the batch and status lines that are due. */
  tick(timeMs: number): string[] {
    const lines = this.#flushIfDue(timeMs)
    if (timeMs - this.#lastStatusMs >= this.#statusEveryMs) {
      this.#lastStatusMs = timeMs
      lines.push(stamp(timeMs, this.#status()))
    }
    return lines
  }

  /** Whatever is batched, told now (at the end of a run). */
  flush(timeMs: number): string[] {
    return this.#flushBatch(timeMs)
  }

  #describe(record: TraceRecord): string | undefined {
    switch (record.type) {
      case 'raft':
        return this.#describeRaft(record.event)
      case 'crash': {
        this.#down.add(record.node)
        const wasLeader = this.#leader?.id === record.node
        if (wasLeader) this.#leader = undefined
        const write = record.write === 'none' ? '' : ` (a disk write in flight was ${record.write})`
        return `CRASH    ${record.node} stopped${wasLeader ? ', and it was the leader' : ''}${write}`
      }
      case 'restart':
        this.#down.delete(record.node)
        return `RESTART  ${record.node} is back with the term, vote and log it had on disk`
      case 'partition':
        return `NETWORK  partitioned: ${this.#describeGroups(record.groups)}`
      case 'heal':
        return 'NETWORK  healed: every node can reach every other again'
      case 'op-result':
        this.#countOp(record)
        return undefined
      case 'violation':
        return `SAFETY VIOLATION (${record.violation.kind}): ${record.violation.message}`
      case 'member-added':
        this.#ids = [...this.#ids, record.node]
        return `MEMBER   ${record.node} starts with an empty disk and joins as a learner (entry ${record.index}); it becomes a voter once caught up`
      case 'retire':
        this.#ids = this.#ids.filter((id) => id !== record.node)
        this.#down.delete(record.node)
        return `MEMBER   ${record.node} is shut down for good: ${record.reason}`
      default:
        return undefined
    }
  }

  /** Named groups, then the rest (the simulator puts unnamed nodes in one more group). */
  #describeGroups(groups: readonly (readonly NodeId[])[]): string {
    const named = new Set(groups.flat())
    const rest = this.#ids.filter((id) => !named.has(id))
    const all = rest.length > 0 ? [...groups, rest] : groups
    return all.map((group) => `{${group.join(' ')}}`).join(' | ')
  }

  #describeRaft(event: RaftEvent): string | undefined {
    switch (event.type) {
      case 'election-started':
        if (event.preVote) return undefined
        this.#votes.set(`${event.node}@${event.term}`, new Set([event.node]))
        return event.transfer
          ? `${event.node} was handed leadership and starts an election for term ${event.term}`
          : `${event.node} heard from no leader in time and starts an election for term ${event.term}`
      case 'vote-cast':
        if (!event.preVote && event.granted) {
          this.#votes.get(`${event.candidate}@${event.term}`)?.add(event.node)
        }
        return undefined
      case 'role-changed':
        return this.#describeRoleChange(event)
      case 'committed':
        this.#recordCommit(event.node, event.from, event.to)
        return undefined
      case 'snapshot-installed':
        return `${event.node} was far behind and installed a snapshot up to index ${event.index}`
      case 'transfer-started':
        return `${event.node} hands leadership to ${event.target} (${event.reason})`
      case 'config-changed':
        // Told once, by the leader that appended it (followers adopt the same entry later).
        if (this.#leader?.id !== event.node) return undefined
        return `${event.node} appends a configuration change at ${event.index}: voters ${event.config.voters.join(' ')}${event.config.learners.length > 0 ? `, learners ${event.config.learners.join(' ')}` : ''} (in force at once, §4.1)`
      default:
        return undefined
    }
  }

  #describeRoleChange(event: RoleChanged): string | undefined {
    const key = `${event.node}@${event.term}`
    if (event.to === 'leader') {
      const voters = [...(this.#votes.get(key) ?? [event.node])].sort()
      this.#votes.delete(key)
      this.#leader = { id: event.node, term: event.term }
      return `${event.node} won term ${event.term} with votes from ${voters.join(', ')}: it leads`
    }
    if (event.from === 'leader') {
      if (this.#leader?.id === event.node) this.#leader = undefined
      return `${event.node} steps down as leader of term ${event.term}: ${event.rule}`
    }
    if (event.from === 'candidate' && event.to === 'follower') this.#votes.delete(key)
    return undefined
  }

  #recordCommit(node: NodeId, from: number, to: number): void {
    const pending = this.#commits.get(node)
    if (pending === undefined) this.#commits.set(node, { first: from + 1, last: to })
    else pending.last = to
    this.#highestCommit.set(node, to)
  }

  #countOp(record: Extract<TraceRecord, { type: 'op-result' }>): void {
    this.#ops[record.outcome]++
    if (record.outcome !== 'ok' || record.result === undefined) return
    if (record.result.op === 'get') this.#ops.reads++
    else this.#ops.writes++
  }

  #flushIfDue(timeMs: number): string[] {
    return timeMs - this.#batchStartedMs >= this.#batchMs ? this.#flushBatch(timeMs) : []
  }

  #flushBatch(timeMs: number): string[] {
    this.#batchStartedMs = timeMs
    const parts: string[] = []
    if (this.#commits.size > 0) parts.push(`committed ${this.#describeCommits()}`)
    const ops = this.#ops
    if (ops.ok + ops.failed + ops.indeterminate > 0) {
      const done = `${plural(ops.writes, 'write')} and ${plural(ops.reads, 'read')} done`
      const refused = ops.failed > 0 ? `, ${ops.failed} refused` : ''
      const unknown = ops.indeterminate > 0 ? `, ${ops.indeterminate} with unknown outcome` : ''
      parts.push(`clients: ${done}${refused}${unknown}`)
    }
    this.#commits.clear()
    Object.assign(ops, { ok: 0, failed: 0, indeterminate: 0, writes: 0, reads: 0 })
    return parts.length === 0 ? [] : [stamp(timeMs, parts.join(' · '))]
  }

  /** "12..18 on n1, n2, n3" when the nodes agree, else "n1 12..18, n2 12..15". */
  #describeCommits(): string {
    const entries = [...this.#commits].sort(([a], [b]) => (a < b ? -1 : 1))
    const range = ({ first, last }: { first: number; last: number }): string =>
      first === last ? `${last}` : `${first}..${last}`
    const ranges = new Set(entries.map(([, commit]) => range(commit)))
    const [only] = ranges
    if (ranges.size === 1 && only !== undefined) {
      return `${only} on ${entries.map(([node]) => node).join(', ')}`
    }
    return entries.map(([node, commit]) => `${node} ${range(commit)}`).join(', ')
  }

  #status(): string {
    const leader =
      this.#leader === undefined
        ? 'no leader'
        : `leader ${this.#leader.id} (term ${this.#leader.term})`
    const commit = Math.max(0, ...this.#highestCommit.values())
    const down = this.#down.size > 0 ? `; down: ${[...this.#down].sort().join(', ')}` : ''
    return `status   ${leader}, highest commit index ${commit}${down}`
  }
}

/** `   12.345s  text`: virtual time first, aligned, so the story reads down the left edge. */
export function stamp(timeMs: number, text: string): string {
  return `${(timeMs / 1000).toFixed(3).padStart(9)}s  ${text}`
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`
}
