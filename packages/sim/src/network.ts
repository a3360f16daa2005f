import type { Message, NodeId } from '@raftkit/raft'
import { assert } from './assert.js'
import type { PRNG } from './prng.js'

/**
 * What can go wrong on a link, as probabilities per message and bounds in virtual milliseconds.
 * All zero is a perfect (if not instant) network.
 */
export interface LinkFaults {
  /** Probability that a message is lost. */
  readonly dropRate: number
  /** Probability that a message is delivered twice (the copy at an independent, later time). */
  readonly duplicateRate: number
  /** Probability that a message is held up by a delay spike. */
  readonly delayRate: number
  /** A delay spike lasts 1..this many ms. */
  readonly delaySpikeMsMax: number
  /**
   * Extra latency of 0..this many ms per message, drawn independently, and the link stops
   * keeping order: messages overtake each other. 0 keeps the link first-in, first-out.
   */
  readonly reorderJitterMsMax: number
}

export const noLinkFaults: LinkFaults = {
  dropRate: 0,
  duplicateRate: 0,
  delayRate: 0,
  delaySpikeMsMax: 0,
  reorderJitterMsMax: 0,
}

export interface NetworkOptions {
  /** One-way latency of a message, uniformly in [min, max] ms. */
  readonly latencyMsMin: number
  readonly latencyMsMax: number
}

export const defaultNetworkOptions: NetworkOptions = { latencyMsMin: 1, latencyMsMax: 8 }

/** Why the network lost a message (reported to tracing, and counted). */
export type LossReason = 'drop' | 'partition' | 'node-down' | 'unknown-node'

export interface NetworkStats {
  sent: number
  delivered: number
  dropped: number
  blocked: number
  duplicated: number
}

/** Where the network hands messages: scheduled deliveries, and losses for the trace. */
export interface NetworkSink {
  scheduleDelivery(delayMs: number, message: Message, toIndex: number): void
  lost(message: Message, reason: LossReason): void
}

/**
 * The simulated network between the nodes. By default each directed link is reliable and
 * first-in, first-out (like a TCP connection) with random latency; faults add loss, duplicates,
 * delay spikes and reordering. Partitions are a set of blocked directed links, so both arbitrary
 * groupings and one-way cuts can be expressed; a message on a blocked link is lost when it is sent
 * and also if the link is blocked when it arrives.
 */
export class SimNetwork {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, blocked: 0, duplicated: 0 }
  readonly #ids: NodeId[]
  readonly #indexById: Map<NodeId, number>
  readonly #random: PRNG
  readonly #options: NetworkOptions
  readonly #sink: NetworkSink
  /** blocked[from * n + to]: messages from `from` to `to` are lost. */
  #blocked: Uint8Array
  /** The latest scheduled arrival per directed link, to keep FIFO order. */
  #lastArrivalMs: Float64Array
  #faults: LinkFaults = noLinkFaults
  readonly #linkFaults = new Map<number, LinkFaults>()
  #now = 0

  constructor(
    ids: readonly NodeId[],
    random: PRNG,
    sink: NetworkSink,
    options = defaultNetworkOptions,
  ) {
    assert(options.latencyMsMin >= 0 && options.latencyMsMax >= options.latencyMsMin, 'latency')
    this.#ids = [...ids]
    this.#indexById = new Map(ids.map((id, index) => [id, index]))
    this.#random = random
    this.#sink = sink
    this.#options = options
    this.#blocked = new Uint8Array(ids.length * ids.length)
    this.#lastArrivalMs = new Float64Array(ids.length * ids.length)
  }

  /**
   * Connects a new node (a member joining the cluster) to every other, with no partition or cut
   * on its links. Returns its index.
   */
  addNode(id: NodeId): number {
    assert(!this.#indexById.has(id), () => `node ${id} is already on the network`)
    const before = this.#ids.length
    const after = before + 1
    const blocked = new Uint8Array(after * after)
    const lastArrival = new Float64Array(after * after)
    for (let from = 0; from < before; from++) {
      for (let to = 0; to < before; to++) {
        blocked[from * after + to] = this.#blocked[from * before + to]!
        lastArrival[from * after + to] = this.#lastArrivalMs[from * before + to]!
      }
    }
    this.#blocked = blocked
    this.#lastArrivalMs = lastArrival
    const remapped = new Map<number, LinkFaults>()
    for (const [key, faults] of this.#linkFaults)
      remapped.set(Math.floor(key / before) * after + (key % before), faults)
    this.#linkFaults.clear()
    for (const [key, faults] of remapped) this.#linkFaults.set(key, faults)
    this.#ids.push(id)
    this.#indexById.set(id, before)
    return before
  }

  /** The simulator's clock, set before each send. */
  setNow(now: number): void {
    this.#now = now
  }

  indexOf(id: NodeId): number | undefined {
    return this.#indexById.get(id)
  }

  // ------------------------------------------------------------------ partitions

  /**
   * Splits the nodes into groups that cannot reach each other. Nodes not named in any group form
   * one more group together, so `partition([['n1']])` isolates n1. Replaces earlier partitions
   * and cuts.
   */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const n = this.#ids.length
    const groupOf = new Array<number>(n).fill(groups.length)
    groups.forEach((group, g) => {
      for (const id of group) groupOf[this.#requireIndex(id)] = g
    })
    for (let from = 0; from < n; from++)
      for (let to = 0; to < n; to++)
        this.#blocked[from * n + to] = groupOf[from] === groupOf[to] ? 0 : 1
  }

  /** Blocks messages from `from` to `to` only (a one-way cut); the other direction still works. */
  cut(from: NodeId, to: NodeId): void {
    this.#blocked[this.#requireIndex(from) * this.#ids.length + this.#requireIndex(to)] = 1
  }

  /** Unblocks one direction of a link. */
  uncut(from: NodeId, to: NodeId): void {
    this.#blocked[this.#requireIndex(from) * this.#ids.length + this.#requireIndex(to)] = 0
  }

  /** Removes every partition and cut (link faults stay; see `setLinkFaults`). */
  heal(): void {
    this.#blocked.fill(0)
  }

  isBlocked(fromIndex: number, toIndex: number): boolean {
    return this.#blocked[fromIndex * this.#ids.length + toIndex] === 1
  }

  /** The blocked directed links, as [from, to] pairs. */
  blockedLinks(): [NodeId, NodeId][] {
    const links: [NodeId, NodeId][] = []
    const n = this.#ids.length
    for (let from = 0; from < n; from++)
      for (let to = 0; to < n; to++)
        if (this.#blocked[from * n + to] === 1) links.push([this.#ids[from]!, this.#ids[to]!])
    return links
  }

  // ------------------------------------------------------------------ link faults

  /** Sets the faults of every link, or of one directed link (which then ignores the global ones). */
  setLinkFaults(faults: LinkFaults, link?: { readonly from: NodeId; readonly to: NodeId }): void {
    if (link === undefined) {
      this.#faults = faults
      return
    }
    const key = this.#requireIndex(link.from) * this.#ids.length + this.#requireIndex(link.to)
    this.#linkFaults.set(key, faults)
  }

  /** Removes every per-link override and sets the global faults to none. */
  clearLinkFaults(): void {
    this.#faults = noLinkFaults
    this.#linkFaults.clear()
  }

  get linkFaults(): LinkFaults {
    return this.#faults
  }

  // ------------------------------------------------------------------ traffic

  /** Puts a message on the wire: it is lost, or scheduled for delivery once or twice. */
  send(message: Message): void {
    this.stats.sent++
    const from = this.#indexById.get(message.from)
    const to = this.#indexById.get(message.to)
    if (from === undefined || to === undefined) {
      this.#sink.lost(message, 'unknown-node')
      return
    }
    const link = from * this.#ids.length + to
    if (this.#blocked[link] === 1) {
      this.stats.blocked++
      this.#sink.lost(message, 'partition')
      return
    }
    const faults =
      this.#linkFaults.size === 0 ? this.#faults : (this.#linkFaults.get(link) ?? this.#faults)
    if (faults.dropRate > 0 && this.#random.chance(faults.dropRate)) {
      this.stats.dropped++
      this.#sink.lost(message, 'drop')
      return
    }
    let arrival = this.#now + this.#latency(faults)
    if (faults.reorderJitterMsMax === 0) {
      // FIFO: never arrive before an earlier message on the same link (ties keep send order).
      arrival = Math.max(arrival, this.#lastArrivalMs[link]!)
      this.#lastArrivalMs[link] = arrival
    }
    this.#sink.scheduleDelivery(arrival - this.#now, message, to)
    if (faults.duplicateRate > 0 && this.#random.chance(faults.duplicateRate)) {
      this.stats.duplicated++
      // The copy takes its own path: it may arrive much later, after newer messages.
      const copyDelay =
        this.#latency(faults) + this.#random.nextInt(4 * this.#options.latencyMsMax + 1)
      this.#sink.scheduleDelivery(copyDelay, message, to)
    }
  }

  /** Called when a delivery event fires: false if the link was cut while it was in flight. */
  admit(message: Message, toIndex: number): boolean {
    const from = this.#indexById.get(message.from)
    if (from !== undefined && this.#blocked[from * this.#ids.length + toIndex] === 1) {
      this.stats.blocked++
      this.#sink.lost(message, 'partition')
      return false
    }
    this.stats.delivered++
    return true
  }

  #latency(faults: LinkFaults): number {
    const { latencyMsMin, latencyMsMax } = this.#options
    let latency = latencyMsMin + this.#random.nextInt(latencyMsMax - latencyMsMin + 1)
    if (faults.delayRate > 0 && faults.delaySpikeMsMax > 0 && this.#random.chance(faults.delayRate))
      latency += 1 + this.#random.nextInt(faults.delaySpikeMsMax)
    if (faults.reorderJitterMsMax > 0)
      latency += this.#random.nextInt(faults.reorderJitterMsMax + 1)
    return latency
  }

  #requireIndex(id: NodeId): number {
    const index = this.#indexById.get(id)
    assert(index !== undefined, () => `unknown node ${id}`)
    return index
  }
}
