import type { KvCommand, KvResult } from '@raftkit/kv'
import { KvStateMachine, type KvStateMachineOptions } from '@raftkit/kv'
import {
  RawNode,
  type Entry,
  type Message,
  type NodeId,
  type PersistedState,
  type RawNodeOptions,
  type ReadFailure,
  type Ready,
  type Role,
  type Snapshot,
  type Term,
} from '@raftkit/raft'
import { assert } from './assert.js'
import type { PRNG } from './prng.js'
import { SimDisk } from './sim-disk.js'

/** What a SimNode needs from the cluster around it. */
export interface SimNodeHost {
  readonly now: number
  /** The RawNode options for a (re)start of this node, including its event sink. */
  raftOptions(node: SimNode): RawNodeOptions
  scheduleTick(node: SimNode, delayMs: number): void
  scheduleDiskDone(node: SimNode, delayMs: number): void
  send(message: Message): void
  /** A Ready's entries changed the node's in-memory log (for the log-matching check). */
  logWritten(node: SimNode, entries: readonly Entry[]): void
  /** The node started from what its disk holds (`raw` is the fresh RawNode). */
  started(node: SimNode, persisted: PersistedState, raw: RawNode): void
  /** The node applied a committed entry; `command`/`result` are set for KV commands. */
  entryApplied(
    node: SimNode,
    entry: Entry,
    command: KvCommand | undefined,
    result: KvResult | undefined,
  ): void
  snapshotRestored(node: SimNode, snapshot: Snapshot): void
  /** Decodes a command entry's bytes (cached across nodes: every replica decodes the same bytes). */
  decode(data: Uint8Array): KvCommand | undefined
  /** Options for the state machine of a (re)starting node. */
  stateMachineOptions(): KvStateMachineOptions
  /** A ReadIndex read may be served now: the state machine has applied its read index. */
  readReady(node: SimNode, requestId: number, index: number): void
  /** The core could not serve a ReadIndex read. */
  readFailed(node: SimNode, failure: ReadFailure): void
}

export interface SimNodeTiming {
  readonly tickMs: number
  /** A disk write (fsync) takes 0..this many ms. */
  readonly diskLatencyMsMax: number
  /** Take a snapshot and compact the log every this many applied entries (0: never). */
  readonly snapshotEveryEntries: number
}

/** How a crash treated the write that was in flight, if any. */
export type CrashedWrite = 'none' | 'lost' | 'torn'

/**
 * One simulated server. It drives a RawNode the way a real node does: ticks on a timer, steps
 * messages as they arrive, and handles one Ready at a time — the Ready's snapshot, entries and
 * hard state go to a simulated disk whose write completes after a random latency (an async
 * fsync). Only then are the Ready's messages sent (a vote or an acknowledgement never leaves
 * before what it promises is durable, §5.2/§5.3), its committed entries applied to the
 * key-value state machine, and the Ready advanced. While a write is in flight the node keeps
 * ticking and stepping; new work waits in the RawNode for the next Ready.
 *
 * A crash throws away the RawNode and the state machine; only the disk survives. A restart
 * builds a new RawNode from the disk, and a new state machine replays the committed entries.
 */
export class SimNode {
  readonly id: NodeId
  readonly index: number
  readonly disk: SimDisk
  /** Bumped at every crash and start, so events of an earlier life are recognized and ignored. */
  incarnation = 0
  /** Volatile view of the node's role, kept up to date from its events. */
  role: Role = 'follower'
  term: Term = 0
  leaderId: NodeId | undefined
  readonly #host: SimNodeHost
  readonly #random: PRNG
  readonly #timing: SimNodeTiming
  #raw: RawNode | undefined
  #kv: KvStateMachine | undefined
  #writing: Ready | undefined
  /** The index of the latest snapshot this node holds (taken, installed or stored). */
  #snapshotIndex = 0
  /** The last index applied to the state machine (or restored from a snapshot). */
  #appliedIndex = 0
  /** Confirmed reads waiting for the state machine to apply their index, in index order. */
  #readsWaiting: { readonly requestId: number; readonly index: number }[] = []
  /** Removed from the cluster for good: it never starts again. */
  #retired = false

  constructor(
    id: NodeId,
    index: number,
    host: SimNodeHost,
    random: PRNG,
    timing: SimNodeTiming,
    persisted?: PersistedState,
  ) {
    this.id = id
    this.index = index
    this.#host = host
    this.#random = random
    this.#timing = timing
    this.disk = new SimDisk(persisted)
  }

  get up(): boolean {
    return this.#raw !== undefined
  }

  /** The running RawNode; the node must be up. */
  get raw(): RawNode {
    assert(this.#raw !== undefined, () => `${this.id} is down`)
    return this.#raw
  }

  /** The running state machine; the node must be up. */
  get kv(): KvStateMachine {
    assert(this.#kv !== undefined, () => `${this.id} is down`)
    return this.#kv
  }

  get writeInFlight(): boolean {
    return this.#writing !== undefined
  }

  get retired(): boolean {
    return this.#retired
  }

  /** The last index the running state machine applied; the node must be up. */
  get appliedIndex(): number {
    assert(this.up, () => `${this.id} is down`)
    return this.#appliedIndex
  }

  /** Marks the node as removed from the cluster for good (it must be down). */
  retire(): void {
    assert(!this.up, () => `${this.id} retired while up`)
    this.#retired = true
  }

  /**
   * Starts (or restarts) the node from its disk. With `forgetVote` (an unsafe rule) the stored
   * vote is dropped, as a node that does not persist its vote would do.
   */
  start(forgetVote: boolean): void {
    assert(!this.up, () => `${this.id} started while up`)
    assert(!this.#retired, () => `${this.id} started after it was retired`)
    this.incarnation++
    this.role = 'follower'
    this.leaderId = undefined
    const persisted = this.disk.state(forgetVote)
    const raw = new RawNode(this.#host.raftOptions(this), persisted)
    this.#raw = raw
    this.#kv = new KvStateMachine(this.#host.stateMachineOptions())
    this.term = raw.status().term
    this.#snapshotIndex = persisted.snapshot?.meta.index ?? 0
    this.#appliedIndex = 0
    this.#readsWaiting = []
    if (persisted.snapshot !== undefined) this.#restore(persisted.snapshot)
    this.#host.started(this, persisted, raw)
    // Each life ticks with its own phase: real nodes' timers are not aligned.
    this.#host.scheduleTick(this, 1 + this.#random.nextInt(this.#timing.tickMs))
    this.pump()
  }

  /**
   * Stops the node. A write in flight is lost, or torn with probability `tornProbability`: its
   * snapshot may or may not have landed, then a strict prefix of its entries, never its hard
   * state (which is written last).
   */
  crash(tornProbability: number): CrashedWrite {
    assert(this.up, () => `${this.id} crashed while down`)
    let outcome: CrashedWrite = 'none'
    const write = this.#writing
    if (write !== undefined) {
      outcome = 'lost'
      const hasData = write.snapshot !== undefined || write.entries.length > 0
      if (hasData && this.#random.chance(tornProbability)) {
        outcome = 'torn'
        this.disk.writeTorn(
          write.snapshot,
          write.entries,
          this.#random.chance(0.5),
          this.#random.nextInt(Math.max(1, write.entries.length)),
        )
      }
    }
    this.#raw = undefined
    this.#kv = undefined
    this.#writing = undefined
    this.#readsWaiting = []
    this.incarnation++
    this.role = 'follower'
    this.leaderId = undefined
    return outcome
  }

  tick(): void {
    this.raw.tick()
    this.#host.scheduleTick(this, this.#timing.tickMs)
    this.pump()
  }

  deliver(message: Message): void {
    this.raw.step(message)
    this.pump()
  }

  /** The disk write of the Ready in flight completed. */
  diskDone(): void {
    const ready = this.#writing
    assert(ready !== undefined, () => `${this.id}: disk completion without a write`)
    this.#writing = undefined
    this.#finish(ready)
    this.pump()
  }

  /** Handles Readies until one needs the disk (then waits for it) or there is none. */
  pump(): void {
    const raw = this.#raw
    if (raw === undefined) return
    while (this.#writing === undefined && raw.hasReady()) {
      const ready = raw.ready()
      if (ready.entries.length > 0) this.#host.logWritten(this, ready.entries)
      const durable =
        ready.snapshot !== undefined || ready.entries.length > 0 || ready.hardState !== undefined
      if (durable) {
        this.#writing = ready
        this.#host.scheduleDiskDone(this, this.#random.nextInt(this.#timing.diskLatencyMsMax + 1))
        return
      }
      this.#finish(ready)
    }
  }

  /** Steps 1-5 of Ready, once its write is durable: persist, send, restore, apply, advance. */
  #finish(ready: Ready): void {
    const raw = this.raw
    // 1. Durable first: only now may anything that depends on it leave the node.
    if (ready.snapshot !== undefined || ready.entries.length > 0 || ready.hardState !== undefined)
      this.disk.write(ready.snapshot, ready.entries, ready.hardState)
    // 2. Send.
    for (const message of ready.messages) this.#host.send(message)
    // 3. Restore the snapshot, then apply committed entries in log order.
    if (ready.snapshot !== undefined) this.#restore(ready.snapshot)
    for (const entry of ready.committedEntries) this.#apply(entry)
    // 4. Serve confirmed reads once the state machine has caught up with their index (§6.4).
    for (const failure of ready.readFailures) this.#host.readFailed(this, failure)
    for (const state of ready.readStates) this.#readsWaiting.push(state)
    this.#serveReads()
    // 5. Hand the Ready back.
    raw.advance(ready)
    const last = ready.committedEntries[ready.committedEntries.length - 1]
    if (last !== undefined) this.#maybeCompact(last.index)
  }

  /**
   * Snapshots the state machine at `applied` and compacts the log (in memory and on disk) once
   * enough entries piled up since the last snapshot. Laggards then get the snapshot (§7).
   */
  #maybeCompact(applied: number): void {
    const every = this.#timing.snapshotEveryEntries
    if (every <= 0 || applied - this.#snapshotIndex < every) return
    const raw = this.raw
    const term = raw.termAt(applied)
    // A snapshot from the leader that arrived while this Ready was being written already covers
    // `applied` (the state machine restores it with the next Ready): nothing to compact.
    if (term === undefined) return
    const snapshot: Snapshot = {
      meta: { index: applied, term, config: raw.configAt(applied) },
      data: this.kv.snapshot(),
    }
    raw.compact(snapshot)
    this.disk.compact(snapshot)
    this.#snapshotIndex = applied
  }

  #serveReads(): void {
    if (this.#readsWaiting.length === 0) return
    const waiting = this.#readsWaiting
    this.#readsWaiting = []
    for (const read of waiting) {
      if (read.index <= this.#appliedIndex) this.#host.readReady(this, read.requestId, read.index)
      else this.#readsWaiting.push(read)
    }
  }

  #restore(snapshot: Snapshot): void {
    this.#snapshotIndex = snapshot.meta.index
    this.#appliedIndex = Math.max(this.#appliedIndex, snapshot.meta.index)
    this.kv.restore(snapshot.data)
    this.#host.snapshotRestored(this, snapshot)
  }

  #apply(entry: Entry): void {
    this.#appliedIndex = entry.index
    if (entry.kind !== 'command') {
      this.#host.entryApplied(this, entry, undefined, undefined)
      return
    }
    const command = this.#host.decode(entry.data)
    const result =
      command === undefined
        ? this.kv.applyEncoded(entry.index, entry.data)
        : this.kv.apply(entry.index, command)
    this.#host.entryApplied(this, entry, command, result)
  }
}
