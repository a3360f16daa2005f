/**
 * The node's live event stream (`GET /v1/cluster/events`, a WebSocket): the core's events as they
 * happen, and the node's status about once a second, for Raft Lab's live mode and for operators.
 *
 * What keeps it cheap and bounded, whatever the consumer does:
 * - with no subscriber, `publish` is a counter increment;
 * - message events (sent, received, dropped) go only to subscribers that asked for them, through
 *   a per-subscriber token bucket (`messageRate` per second); the excess is dropped and counted;
 * - contiguous `committed` and `applied` ranges are merged while they wait for the next flush,
 *   so a busy leader sends a few range events per flush, not one per Ready;
 * - events wait at most `flushIntervalMs`; when a socket's send buffer passes
 *   `bufferedBytesSoftMax` its message events are dropped (counted), and past
 *   `bufferedBytesHardMax` (or `queuedEventsMax` waiting) the consumer is too slow to follow and
 *   is disconnected with close code 1013 ("try again later").
 *
 * The wire format is in packages/server/README.md.
 */
import type { RaftEvent } from '@raftkit/raft'
import { isMessageEvent, raftEventJson } from './event-json.js'

/** What the hub needs of a WebSocket (ws's WebSocket has all of it); tests pass a fake. */
export interface EventSocket {
  send(text: string): void
  /** Bytes queued in the socket but not yet written to the network. */
  readonly bufferedAmount: number
  close(code: number, reason: string): void
}

export interface EventStreamLimits {
  readonly flushIntervalMs: number
  readonly statusIntervalMs: number
  readonly subscribersMax: number
  readonly bufferedBytesSoftMax: number
  readonly bufferedBytesHardMax: number
  readonly queuedEventsMax: number
  readonly messageRateDefault: number
  readonly messageRateMax: number
}

export const defaultEventStreamLimits: EventStreamLimits = {
  flushIntervalMs: 50,
  statusIntervalMs: 1000,
  subscribersMax: 32,
  bufferedBytesSoftMax: 256 << 10,
  bufferedBytesHardMax: 4 << 20,
  queuedEventsMax: 10_000,
  messageRateDefault: 200,
  messageRateMax: 5_000,
}

export interface SubscribeOptions {
  /** Also send message-sent/received/dropped events (rate-bounded). */
  readonly messages: boolean
  /** Message events per second at most (default `messageRateDefault`, capped at `messageRateMax`). */
  readonly messageRate?: number | undefined
}

export interface EventHubOptions {
  readonly nodeId: string
  /** The node's current status, sent on connect and every `statusIntervalMs`. */
  readonly status: () => Record<string, unknown>
  readonly now?: () => number
  readonly limits?: Partial<EventStreamLimits>
}

interface QueuedEvent {
  readonly seq: number
  time: number
  /** A private copy for committed/applied ranges (they are merged in place). */
  readonly event: RaftEvent | { type: 'committed' | 'applied'; from: number; to: number }
  coalesced: number
}

interface Subscriber {
  readonly socket: EventSocket
  readonly messages: boolean
  readonly messageRate: number
  tokens: number
  tokensAt: number
  queue: QueuedEvent[]
  /** Index in `queue` of the committed range new commits may extend, or -1. */
  committedAt: number
  sent: number
  droppedMessages: number
  closed: boolean
}

export type SubscribeResult = { ok: true; unsubscribe: () => void } | { ok: false; reason: string }

export class EventHub {
  readonly #nodeId: string
  readonly #status: () => Record<string, unknown>
  readonly #now: () => number
  readonly #limits: EventStreamLimits
  readonly #subscribers = new Set<Subscriber>()
  #seq = 0
  #messageSubscribers = 0
  #flushTimer: ReturnType<typeof setTimeout> | undefined
  #statusTimer: ReturnType<typeof setInterval> | undefined
  #disconnectedSlow = 0

  constructor(options: EventHubOptions) {
    this.#nodeId = options.nodeId
    this.#status = options.status
    this.#now = options.now ?? Date.now
    this.#limits = { ...defaultEventStreamLimits, ...options.limits }
  }

  get subscriberCount(): number {
    return this.#subscribers.size
  }

  /** Subscribers disconnected because they could not keep up. */
  get disconnectedSlow(): number {
    return this.#disconnectedSlow
  }

  /** The number of events published so far (the next event's seq is this + 1). */
  get seq(): number {
    return this.#seq
  }

  /** Called synchronously from the core's event callback: must stay cheap and never throw. */
  publish(event: RaftEvent): void {
    const seq = ++this.#seq
    if (this.#subscribers.size === 0) return
    const message = isMessageEvent(event)
    if (message && this.#messageSubscribers === 0) return
    const time = this.#now()
    for (const subscriber of this.#subscribers) {
      if (message) {
        if (!subscriber.messages) continue
        if (!this.#takeToken(subscriber, time)) {
          subscriber.droppedMessages++
          continue
        }
      }
      enqueue(subscriber, seq, time, event)
      if (subscriber.queue.length > this.#limits.queuedEventsMax) this.#disconnect(subscriber)
    }
    this.#scheduleFlush()
  }

  subscribe(socket: EventSocket, options: SubscribeOptions): SubscribeResult {
    if (this.#subscribers.size >= this.#limits.subscribersMax) {
      return { ok: false, reason: `at most ${this.#limits.subscribersMax} event streams at once` }
    }
    const rate = Math.min(
      this.#limits.messageRateMax,
      Math.max(1, Math.floor(options.messageRate ?? this.#limits.messageRateDefault)),
    )
    const subscriber: Subscriber = {
      socket,
      messages: options.messages,
      messageRate: rate,
      tokens: burstOf(rate),
      tokensAt: this.#now(),
      queue: [],
      committedAt: -1,
      sent: 0,
      droppedMessages: 0,
      closed: false,
    }
    this.#subscribers.add(subscriber)
    if (subscriber.messages) this.#messageSubscribers++
    this.#statusTimer ??= setInterval(() => this.#sendStatusToAll(), this.#limits.statusIntervalMs)
    this.#statusTimer.unref?.()
    this.#sendStatus(subscriber)
    return { ok: true, unsubscribe: () => this.#remove(subscriber) }
  }

  /** Closes every stream (the node is stopping). */
  close(): void {
    for (const subscriber of [...this.#subscribers]) {
      subscriber.socket.close(1001, 'node stopping')
      this.#remove(subscriber)
    }
  }

  #takeToken(subscriber: Subscriber, now: number): boolean {
    const elapsedMs = Math.max(0, now - subscriber.tokensAt)
    subscriber.tokensAt = now
    subscriber.tokens = Math.min(
      burstOf(subscriber.messageRate),
      subscriber.tokens + (elapsedMs * subscriber.messageRate) / 1000,
    )
    if (subscriber.tokens < 1) return false
    subscriber.tokens -= 1
    return true
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined) return
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined
      this.#flush()
    }, this.#limits.flushIntervalMs)
    this.#flushTimer.unref?.()
  }

  #flush(): void {
    for (const subscriber of [...this.#subscribers]) {
      const queue = subscriber.queue
      subscriber.queue = []
      subscriber.committedAt = -1
      for (const queued of queue) {
        if (subscriber.closed) break
        const buffered = subscriber.socket.bufferedAmount
        if (buffered > this.#limits.bufferedBytesHardMax) {
          this.#disconnect(subscriber)
          break
        }
        if (
          isMessageEvent(queued.event as RaftEvent) &&
          buffered > this.#limits.bufferedBytesSoftMax
        ) {
          subscriber.droppedMessages++
          continue
        }
        this.#send(subscriber, {
          type: 'raft-event',
          node: this.#nodeId,
          seq: queued.seq,
          time: queued.time,
          ...(queued.coalesced > 1 ? { coalesced: queued.coalesced } : {}),
          event: raftEventJson(queued.event as RaftEvent),
        })
      }
    }
  }

  #sendStatusToAll(): void {
    for (const subscriber of [...this.#subscribers]) this.#sendStatus(subscriber)
  }

  #sendStatus(subscriber: Subscriber): void {
    if (subscriber.socket.bufferedAmount > this.#limits.bufferedBytesHardMax) {
      this.#disconnect(subscriber)
      return
    }
    let status: Record<string, unknown>
    try {
      status = this.#status()
    } catch (error) {
      status = { error: (error as Error).message }
    }
    this.#send(subscriber, {
      type: 'status',
      node: this.#nodeId,
      seq: this.#seq,
      time: this.#now(),
      status,
      stream: {
        messages: subscriber.messages,
        messageRate: subscriber.messageRate,
        sent: subscriber.sent,
        droppedMessages: subscriber.droppedMessages,
      },
    })
  }

  #send(subscriber: Subscriber, value: Record<string, unknown>): void {
    if (subscriber.closed) return
    try {
      subscriber.socket.send(JSON.stringify(value))
      subscriber.sent++
    } catch {
      this.#remove(subscriber)
    }
  }

  #disconnect(subscriber: Subscriber): void {
    if (subscriber.closed) return
    this.#disconnectedSlow++
    try {
      subscriber.socket.close(1013, 'event consumer too slow; reconnect')
    } catch {
      // The socket is already gone; removing it is all that is left to do.
    }
    this.#remove(subscriber)
  }

  #remove(subscriber: Subscriber): void {
    if (!this.#subscribers.delete(subscriber)) return
    subscriber.closed = true
    subscriber.queue = []
    if (subscriber.messages) this.#messageSubscribers--
    if (this.#subscribers.size === 0) {
      clearInterval(this.#statusTimer)
      this.#statusTimer = undefined
    }
  }
}

function burstOf(rate: number): number {
  return Math.max(10, rate / 4)
}

/**
 * Queues one event, merging contiguous ranges: a `committed` extends the subscriber's open
 * committed range even across `applied` events queued after it (announcing a commit a little
 * early is harmless, since it had happened by the time the merged event is sent); an `applied`
 * extends only the last queued event, so an apply never appears before its commit. A merged event
 * keeps the seq of its first part, so seqs stay increasing.
 */
function enqueue(subscriber: Subscriber, seq: number, time: number, event: RaftEvent): void {
  const queue = subscriber.queue
  if (event.type === 'committed') {
    const open = subscriber.committedAt >= 0 ? queue[subscriber.committedAt] : undefined
    if (open !== undefined && open.event.type === 'committed' && open.event.to + 1 === event.from) {
      ;(open.event as { to: number }).to = event.to
      open.time = time
      open.coalesced++
      return
    }
    subscriber.committedAt = queue.length
    queue.push({ seq, time, event: { ...event }, coalesced: 1 })
    return
  }
  if (event.type === 'applied') {
    const last = queue[queue.length - 1]
    if (last !== undefined && last.event.type === 'applied' && last.event.to + 1 === event.from) {
      ;(last.event as { to: number }).to = event.to
      last.time = time
      last.coalesced++
      return
    }
    queue.push({ seq, time, event: { ...event }, coalesced: 1 })
    return
  }
  subscriber.committedAt = -1
  queue.push({ seq, time, event, coalesced: 1 })
}
