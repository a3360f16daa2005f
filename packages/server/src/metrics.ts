import type { RaftEvent, Status } from '@raftkit/raft'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/** What the transport reports, read when /metrics is scraped. */
export interface TransportCounters {
  readonly messagesSent: number
  readonly messagesReceived: number
  readonly bytesSent: number
  readonly bytesReceived: number
  readonly dropped: Readonly<Record<string, number>>
  readonly reconnects: number
  readonly handshakeFailures: number
  readonly protocolErrors: number
}

/**
 * The node's Prometheus metrics. Names follow Prometheus conventions: units last, `_total`
 * counters. Node's own metrics (`nodejs_eventloop_lag_*` among them: a stalled loop makes a
 * leader miss heartbeats) come from prom-client's default collectors.
 */
export class NodeMetrics {
  readonly registry = new Registry()

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 })
    }
  }

  /** Reports the transport's counters at every scrape. */
  watchTransport(read: () => TransportCounters): void {
    const registers = [this.registry]
    const counter = (name: string, help: string, pick: (t: TransportCounters) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset()
          this.inc(pick(read()))
        },
      })
    counter(
      'raftkit_peer_messages_sent_total',
      'Peer messages written to sockets',
      (t) => t.messagesSent,
    )
    counter(
      'raftkit_peer_messages_received_total',
      'Peer messages received',
      (t) => t.messagesReceived,
    )
    counter('raftkit_peer_bytes_sent_total', 'Bytes written to peer sockets', (t) => t.bytesSent)
    counter(
      'raftkit_peer_bytes_received_total',
      'Bytes read from peer sockets',
      (t) => t.bytesReceived,
    )
    counter('raftkit_peer_reconnects_total', 'Outbound peer reconnections', (t) => t.reconnects)
    counter(
      'raftkit_peer_handshake_failures_total',
      'Peer handshakes refused (wrong secret, garbage)',
      (t) => t.handshakeFailures,
    )
    counter(
      'raftkit_peer_protocol_errors_total',
      'Peer connections closed for a frame that did not decode',
      (t) => t.protocolErrors,
    )
    new Counter({
      name: 'raftkit_peer_messages_dropped_total',
      help: 'Peer messages the transport dropped, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset()
        for (const [reason, count] of Object.entries(read().dropped)) this.inc({ reason }, count)
      },
    })
  }

  #readStatus: (() => Status) | undefined

  /** Refreshes the Raft gauges from `read` at every scrape (so they are never stale). */
  watchStatus(read: () => Status): void {
    this.#readStatus = read
  }

  /** The Prometheus text exposition of every metric, status gauges refreshed first. */
  async render(): Promise<string> {
    if (this.#readStatus !== undefined) this.observeStatus(this.#readStatus())
    return this.registry.metrics()
  }

  /** Reports a gauge read at every scrape (WAL segments, TTL keys, event streams...). */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read())
      },
    })
  }
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
  readonly #snapshotIndex = new Gauge({
    name: 'raftkit_snapshot_index',
    help: 'Index of the newest snapshot (the log before it is compacted away)',
    registers: [this.registry],
  })
  readonly #lastIndex = new Gauge({
    name: 'raftkit_last_log_index',
    help: 'Index of the last entry in the log',
    registers: [this.registry],
  })
  readonly #snapshots = new Counter({
    name: 'raftkit_snapshots_total',
    help: 'Snapshots taken here or installed from the leader',
    labelNames: ['kind'],
    registers: [this.registry],
  })
  readonly #fsyncSeconds = new Histogram({
    name: 'raftkit_wal_fsync_duration_seconds',
    help: 'Duration of one fsync/fdatasync of the write-ahead log',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  readonly #persistSeconds = new Histogram({
    name: 'raftkit_ready_persist_duration_seconds',
    help: 'Time to make one Ready durable (WAL write and fsync, including waiting for group commit)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  readonly #readyEntries = new Histogram({
    name: 'raftkit_ready_entries',
    help: 'Entries appended per Ready (the group-commit batch size)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
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
      case 'snapshot-taken':
        this.#snapshots.inc({ kind: 'taken' })
        return
      case 'snapshot-installed':
        this.#snapshots.inc({ kind: 'installed' })
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
    this.#snapshotIndex.set(status.snapshotIndex)
    this.#lastIndex.set(status.lastIndex)
  }

  observeProposal(outcome: string): void {
    this.#proposals.inc({ outcome })
  }

  observeFsync(milliseconds: number): void {
    this.#fsyncSeconds.observe(milliseconds / 1000)
  }

  observeReady(entries: number, persistMilliseconds: number): void {
    this.#persistSeconds.observe(persistMilliseconds / 1000)
    this.#readyEntries.observe(entries)
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requestSeconds.observe({ method, route, status: String(status) }, seconds)
  }
}
