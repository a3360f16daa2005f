import type { RaftEvent, Status } from '@raftkit/raft'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** The node's Prometheus metrics. Names follow Prometheus conventions: units last, `_total` counters. */
export class NodeMetrics {
  readonly registry = new Registry()
  readonly #term = new Gauge({
    name: 'raftkit_term',
    help: 'Current Raft term',
    registers: [this.registry],
  })
  readonly #commitIndex = new Gauge({
    name: 'raftkit_commit_index',
    help: 'Highest log index known to be committed',
    registers: [this.registry],
  })
  readonly #appliedIndex = new Gauge({
    name: 'raftkit_applied_index',
    help: 'Highest log index applied to the state machine',
    registers: [this.registry],
  })
  readonly #isLeader = new Gauge({
    name: 'raftkit_is_leader',
    help: '1 if this node is the leader',
    registers: [this.registry],
  })
  readonly #leaderChanges = new Counter({
    name: 'raftkit_leader_changes_total',
    help: 'Times this node saw a new leader',
    registers: [this.registry],
  })
  readonly #elections = new Counter({
    name: 'raftkit_elections_started_total',
    help: 'Elections this node started',
    labelNames: ['kind'],
    registers: [this.registry],
  })
  readonly #proposals = new Counter({
    name: 'raftkit_proposals_total',
    help: 'Proposals by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  })
  readonly #messagesSent = new Counter({
    name: 'raftkit_messages_sent_total',
    help: 'Raft messages sent',
    labelNames: ['type'],
    registers: [this.registry],
  })
  readonly #messagesDropped = new Counter({
    name: 'raftkit_messages_dropped_total',
    help: 'Raft messages dropped by the core',
    registers: [this.registry],
  })
  readonly #fsyncSeconds = new Histogram({
    name: 'raftkit_wal_fsync_duration_seconds',
    help: 'Time to make one Ready durable (WAL write + fsync)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  readonly #requestSeconds = new Histogram({
    name: 'raftkit_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  })
  #lastLeader: string | undefined

  observeEvent(event: RaftEvent): void {
    switch (event.type) {
      case 'election-started':
        this.#elections.inc({ kind: event.preVote ? 'pre-vote' : 'vote' })
        return
      case 'message-sent':
        this.#messagesSent.inc({ type: event.message.type })
        return
      case 'message-dropped':
        this.#messagesDropped.inc()
        return
      case 'role-changed':
        if (event.leaderId !== undefined && event.leaderId !== this.#lastLeader) {
          this.#lastLeader = event.leaderId
          this.#leaderChanges.inc()
        }
        return
      default:
        return
    }
  }

  observeStatus(status: Status): void {
    this.#term.set(status.term)
    this.#commitIndex.set(status.commitIndex)
    this.#appliedIndex.set(status.appliedIndex)
    this.#isLeader.set(status.role === 'leader' ? 1 : 0)
  }

  observeProposal(outcome: string): void {
    this.#proposals.inc({ outcome })
  }

  observePersist(milliseconds: number): void {
    this.#fsyncSeconds.observe(milliseconds / 1000)
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requestSeconds.observe({ method, route, status: String(status) }, seconds)
  }
}
