import {
  decodeCommand,
  encodeCommand,
  type KvCommand,
  type KvResult,
  type KvStateMachine,
} from '@raftkit/kv'
import {
  InvariantViolation,
  type Entry,
  type Message,
  type NodeId,
  type PersistedState,
  type ProposeResult,
  type RaftEvent,
  type RawNode,
  type RawNodeOptions,
  type Snapshot,
  type Status,
} from '@raftkit/raft'
import { assert, SimulatorBug } from './assert.js'
import { EventQueue } from './event-queue.js'
import { SafetyChecker, type LogView } from './invariants.js'
import {
  defaultNetworkOptions,
  SimNetwork,
  type LinkFaults,
  type LossReason,
  type NetworkOptions,
} from './network.js'
import type { UnsafeRule, Violation, ViolationKind } from './options.js'
import { PRNG } from './prng.js'
import { SimNode, type CrashedWrite, type SimNodeHost } from './sim-node.js'
import type { TraceBody, TraceListener, TraceRecord } from './trace.js'

export interface SimClusterOptions {
  /** Number of nodes, named n1..nN (1..9). */
  readonly nodes: number
  readonly seed: number
  /** Election timeout in ticks (randomized in [t, 2t) by the core). Default 10. */
  readonly electionTimeoutTicks?: number
  /** Default 1: a leader sends heartbeats every tick. */
  readonly heartbeatIntervalTicks?: number
  readonly preVote?: boolean
  readonly checkQuorum?: boolean
  /** Flow control (the core's defaults otherwise): entries per AppendEntries, appends in flight. */
  readonly maxEntriesPerMessage?: number
  readonly maxInflightMessages?: number
  /** Snapshots are streamed in chunks of this many bytes (the core's default otherwise). */
  readonly snapshotChunkBytes?: number
  /** Each node snapshots its state machine and compacts its log every this many entries (0: never, the default). */
  readonly snapshotEveryEntries?: number
  /** Virtual ms between two ticks of a node. Default 10. */
  readonly tickMs?: number
  /** A disk write completes 0..this many ms after it starts. Default 3. */
  readonly diskLatencyMsMax?: number
  /** Probability that a crash tears the write in flight rather than losing it whole. Default 0.5. */
  readonly tornWriteProbability?: number
  readonly network?: Partial<NetworkOptions>
  /** A safety rule to switch off on purpose (see `unsafeRules`). */
  readonly unsafe?: UnsafeRule | undefined
  /** What each node's disk holds at the start, by node id (empty disks otherwise). */
  readonly persisted?: Readonly<Record<NodeId, PersistedState>>
  /** Stop at the first safety violation (default true); an exception in the core always stops. */
  readonly stopOnViolation?: boolean
}

/** Hooks for code that runs on top of the cluster (the client workload, scripted tests). */
export interface ClusterObserver {
  /** A node applied a key-value command to its state machine. */
  commandApplied?(node: NodeId, index: number, command: KvCommand, result: KvResult): void
  nodeCrashed?(node: NodeId): void
  raftEvent?(event: RaftEvent): void
}

/** A proposal's outcome, or `down` when the node it was sent to is not running. */
export type ClusterProposeResult = ProposeResult | { readonly ok: false; readonly error: 'down' }

type SimEvent =
  | { readonly kind: 'tick'; readonly node: SimNode; readonly incarnation: number }
  | { readonly kind: 'disk'; readonly node: SimNode; readonly incarnation: number }
  | { readonly kind: 'deliver'; readonly message: Message; readonly to: number }
  | { readonly kind: 'action'; readonly run: () => void }

const defaults = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  tickMs: 10,
  diskLatencyMsMax: 3,
  tornWriteProbability: 0.5,
}

/**
 * A simulated cluster: n nodes running the real Raft core on virtual time, a faulty network
 * between them, simulated disks, and the safety checker watching every step. Everything random
 * comes from one seed, so a run replays exactly.
 *
 * It is the scenario API for scripted tests and viewers (`crash`, `partition`, `runUntil`, ...)
 * and the engine `simulate()` drives with a fault schedule and a client workload.
 */
export class SimCluster implements SimNodeHost {
  readonly ids: readonly NodeId[]
  readonly network: SimNetwork
  readonly random: PRNG
  readonly #nodes: SimNode[]
  readonly #byId = new Map<NodeId, SimNode>()
  readonly #queue = new EventQueue<SimEvent>()
  readonly #checker: SafetyChecker
  readonly #options: SimClusterOptions
  readonly #tickMs: number
  readonly #violations: Violation[] = []
  readonly #observers: ClusterObserver[] = []
  readonly #traceListeners: TraceListener[] = []
  readonly #decoded = new WeakMap<Uint8Array, KvCommand | null>()
  /** Each node's election-timer stream; it continues across restarts. */
  readonly #electionRandom: Map<NodeId, PRNG>
  #now = 0
  #steps = 0
  #stopped = false
  #elections = 0
  #snapshotsInstalled = 0
  #transfers = 0
  #crashes = 0
  #restarts = 0

  constructor(options: SimClusterOptions) {
    validateClusterOptions(options)
    this.#options = options
    this.#tickMs = options.tickMs ?? defaults.tickMs
    this.random = new PRNG(options.seed)
    this.ids = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`)
    this.#checker = new SafetyChecker(this.ids, (kind, message) => this.#violate(kind, message))
    this.network = new SimNetwork(
      this.ids,
      this.random.fork('network'),
      {
        scheduleDelivery: (delayMs, message, to) =>
          this.#queue.push(this.#now + delayMs, { kind: 'deliver', message, to }),
        lost: (message, reason) => this.#lost(message, reason),
      },
      { ...defaultNetworkOptions, ...options.network },
    )
    const timing = {
      tickMs: this.#tickMs,
      diskLatencyMsMax: options.diskLatencyMsMax ?? defaults.diskLatencyMsMax,
      snapshotEveryEntries: options.snapshotEveryEntries ?? 0,
    }
    this.#nodes = this.ids.map(
      (id, index) =>
        new SimNode(
          id,
          index,
          this,
          this.random.fork(`node/${id}`),
          timing,
          options.persisted?.[id],
        ),
    )
    for (const node of this.#nodes) this.#byId.set(node.id, node)
    this.#electionRandom = new Map(this.ids.map((id) => [id, this.random.fork(`election/${id}`)]))
    for (const node of this.#nodes) this.#guard(node.id, () => node.start(false))
  }

  // ================================================================== clock and stepping

  /** Virtual time in ms. */
  get now(): number {
    return this.#now
  }

  /** Simulator events processed so far. */
  get steps(): number {
    return this.#steps
  }

  /** Safety violations found so far (the run stops at the first, unless told otherwise). */
  get violations(): readonly Violation[] {
    return this.#violations
  }

  /** True once a violation (or an exception in the core) stopped the run. */
  get stopped(): boolean {
    return this.#stopped
  }

  /**
   * Processes the next event. Returns false if the run is stopped or nothing is scheduled.
   * Events of a crashed node's earlier life are discarded without counting as steps.
   */
  step(): boolean {
    if (this.#stopped) return false
    for (;;) {
      const time = this.#queue.peekTime()
      if (time === undefined) return false
      const event = this.#queue.pop()!
      if (
        (event.kind === 'tick' || event.kind === 'disk') &&
        event.incarnation !== event.node.incarnation
      )
        continue
      this.#now = time
      this.network.setNow(time)
      this.#dispatch(event)
      this.#steps++
      return !this.#stopped
    }
  }

  /** Runs until virtual time has advanced by `ms` (or the run stops). */
  runFor(ms: number): void {
    const until = this.#now + ms
    while (!this.#stopped) {
      const next = this.#queue.peekTime()
      if (next === undefined || next > until) break
      this.step()
    }
    if (!this.#stopped && this.#now < until) this.#now = until
  }

  /**
   * Steps until `predicate` holds (checked before each step), for at most `maxMs` of virtual
   * time. Returns whether it held.
   */
  runUntil(predicate: (cluster: SimCluster) => boolean, maxMs: number): boolean {
    const until = this.#now + maxMs
    for (;;) {
      if (predicate(this)) return true
      const next = this.#queue.peekTime()
      if (this.#stopped || next === undefined || next > until) return false
      this.step()
    }
  }

  /** Runs `run` at virtual time now + `delayMs`, as a simulator event (it counts as a step). */
  schedule(delayMs: number, run: () => void): void {
    assert(delayMs >= 0, () => `schedule with negative delay ${delayMs}`)
    this.#queue.push(this.#now + delayMs, { kind: 'action', run })
  }

  #dispatch(event: SimEvent): void {
    switch (event.kind) {
      case 'tick':
        this.#guard(event.node.id, () => event.node.tick())
        break
      case 'disk':
        this.#guard(event.node.id, () => event.node.diskDone())
        break
      case 'deliver': {
        const node = this.#nodes[event.to]!
        if (!node.up) {
          this.#lost(event.message, 'node-down')
          break
        }
        if (!this.network.admit(event.message, event.to)) break
        this.#guard(node.id, () => node.deliver(event.message))
        break
      }
      case 'action':
        this.#guard('simulator', event.run)
        break
    }
    this.#afterStep()
  }

  /** Runs work that may throw from inside the core; an exception becomes an invariant violation. */
  #guard(where: string, work: () => void): void {
    try {
      work()
    } catch (error) {
      if (error instanceof SimulatorBug) throw error
      const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      const expected = error instanceof InvariantViolation ? '' : ' (an unexpected exception)'
      this.#violate('invariant', `${where}: ${described}${expected}`)
      this.#stopped = true
    }
  }

  #afterStep(): void {
    this.#checker.afterStep((index) => {
      const node = this.#nodes[index]!
      return node.up ? logView(node.raw) : undefined
    })
  }

  #violate(kind: ViolationKind, message: string): void {
    const violation: Violation = { kind, step: this.#steps, time: this.#now, message }
    this.#violations.push(violation)
    if (this.#options.stopOnViolation !== false) this.#stopped = true
    this.#trace({ type: 'violation', violation })
  }

  // ================================================================== inspection

  /** The node that is leader in the highest term among running nodes, if any. */
  leader(): NodeId | undefined {
    let leader: SimNode | undefined
    for (const node of this.#nodes) {
      if (node.up && node.role === 'leader' && (leader === undefined || node.term > leader.term))
        leader = node
    }
    return leader?.id
  }

  /** The node's status, or undefined while it is down. */
  status(id: NodeId): Status | undefined {
    const node = this.#node(id)
    return node.up ? node.raw.status() : undefined
  }

  isUp(id: NodeId): boolean {
    return this.#node(id).up
  }

  /** The node's key-value state machine, or undefined while it is down. */
  stateMachine(id: NodeId): KvStateMachine | undefined {
    const node = this.#node(id)
    return node.up ? node.kv : undefined
  }

  /** What the node's disk holds now (what a restart would read). */
  persisted(id: NodeId): PersistedState {
    return this.#node(id).disk.state()
  }

  /** The last index the node applied to its state machine (0 while it replays after a restart). */
  appliedIndex(id: NodeId): number {
    return this.#checker.appliedIndex(this.#node(id).index)
  }

  /** The highest index any node has committed. */
  get committedIndex(): number {
    return this.#checker.committedIndex
  }

  /** Counters for the run's report. */
  get counters(): {
    readonly elections: number
    readonly leaderChanges: number
    readonly snapshotsInstalled: number
    readonly transfers: number
    readonly crashes: number
    readonly restarts: number
  } {
    return {
      elections: this.#elections,
      leaderChanges: this.#checker.leaderTerms,
      snapshotsInstalled: this.#snapshotsInstalled,
      transfers: this.#transfers,
      crashes: this.#crashes,
      restarts: this.#restarts,
    }
  }

  // ================================================================== faults and commands

  /** Stops a node; its write in flight is lost or torn. Clients waiting on it learn nothing. */
  crash(id: NodeId): void {
    const node = this.#node(id)
    if (!node.up) return
    const write: CrashedWrite = node.crash(
      this.#options.tornWriteProbability ?? defaults.tornWriteProbability,
    )
    this.#crashes++
    this.#checker.nodeCrashed(node.index)
    this.#trace({ type: 'crash', node: id, write })
    for (const observer of this.#observers) observer.nodeCrashed?.(id)
  }

  /** Starts a crashed node again from its disk. */
  restart(id: NodeId): void {
    const node = this.#node(id)
    if (node.up) return
    const forgetVote = this.#options.unsafe === 'forget-vote'
    this.#restarts++
    this.#trace({ type: 'restart', node: id, forgotVote: forgetVote })
    this.#guard(id, () => node.start(forgetVote))
    this.#afterStep()
  }

  /** See SimNetwork.partition: unnamed nodes form one more group. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.network.partition(groups)
    this.#trace({ type: 'partition', groups })
  }

  /** Blocks messages from `from` to `to` (one way). */
  cut(from: NodeId, to: NodeId): void {
    this.network.cut(from, to)
    this.#trace({ type: 'cut', from, to })
  }

  /** Removes all partitions and cuts. */
  heal(): void {
    this.network.heal()
    this.#trace({ type: 'heal' })
  }

  /** Sets link faults for every link, or for one directed link. */
  setLinkFaults(faults: LinkFaults, link?: { readonly from: NodeId; readonly to: NodeId }): void {
    this.network.setLinkFaults(faults, link)
    this.#trace({ type: 'link-faults', faults, link })
  }

  /** Makes the node start an election now (with pre-vote, if enabled). */
  campaign(id: NodeId): void {
    const node = this.#node(id)
    if (!node.up) return
    this.#guard(id, () => {
      node.raw.campaign()
      node.pump()
    })
    this.#afterStep()
  }

  /** Proposes a key-value command at a node, as a client talking to that node would. */
  propose(id: NodeId, command: KvCommand): ClusterProposeResult {
    const node = this.#node(id)
    if (!node.up) return { ok: false, error: 'down' }
    const results: ClusterProposeResult[] = []
    this.#guard(id, () => {
      results.push(node.raw.propose(encodeCommand(command)))
      node.pump()
    })
    this.#afterStep()
    // An exception in the core stopped the run; to the client the node simply went away.
    return results[0] ?? { ok: false, error: 'down' }
  }

  observe(observer: ClusterObserver): () => void {
    this.#observers.push(observer)
    return () => {
      const at = this.#observers.indexOf(observer)
      if (at >= 0) this.#observers.splice(at, 1)
    }
  }

  /** Receives every trace record from now on. Returns a function that unsubscribes. */
  onTrace(listener: TraceListener): () => void {
    this.#traceListeners.push(listener)
    return () => {
      const at = this.#traceListeners.indexOf(listener)
      if (at >= 0) this.#traceListeners.splice(at, 1)
    }
  }

  /** Adds a record to the trace (for code layered on the cluster, such as the workload). */
  trace(body: TraceBody): void {
    this.#trace(body)
  }

  get tracing(): boolean {
    return this.#traceListeners.length > 0
  }

  #trace(body: TraceBody): void {
    if (this.#traceListeners.length === 0) return
    const record = { ...body, time: this.#now, step: this.#steps } as TraceRecord
    for (const listener of this.#traceListeners) listener(record)
  }

  #lost(message: Message, reason: LossReason): void {
    if (this.#traceListeners.length > 0) this.#trace({ type: 'message-lost', message, reason })
  }

  #node(id: NodeId): SimNode {
    const node = this.#byId.get(id)
    assert(node !== undefined, () => `unknown node ${id} (nodes are ${this.ids.join(', ')})`)
    return node
  }

  // ================================================================== SimNodeHost

  raftOptions(node: SimNode): RawNodeOptions {
    const options = this.#options
    return {
      id: node.id,
      random: this.#electionRandom.get(node.id)!,
      initialConfig: { voters: [...this.ids], learners: [] },
      electionTimeoutTicks: options.electionTimeoutTicks ?? defaults.electionTimeoutTicks,
      heartbeatIntervalTicks: options.heartbeatIntervalTicks ?? defaults.heartbeatIntervalTicks,
      preVote: options.preVote ?? true,
      checkQuorum: options.checkQuorum ?? true,
      unsafe: { commitOldTerm: options.unsafe === 'commit-old-term' },
      ...(options.maxEntriesPerMessage === undefined
        ? {}
        : { maxEntriesPerMessage: options.maxEntriesPerMessage }),
      ...(options.maxInflightMessages === undefined
        ? {}
        : { maxInflightMessages: options.maxInflightMessages }),
      ...(options.snapshotChunkBytes === undefined
        ? {}
        : { snapshotChunkBytes: options.snapshotChunkBytes }),
      onEvent: (event) => this.#onRaftEvent(node, event),
    }
  }

  scheduleTick(node: SimNode, delayMs: number): void {
    this.#queue.push(this.#now + delayMs, { kind: 'tick', node, incarnation: node.incarnation })
  }

  scheduleDiskDone(node: SimNode, delayMs: number): void {
    this.#queue.push(this.#now + delayMs, { kind: 'disk', node, incarnation: node.incarnation })
  }

  send(message: Message): void {
    this.network.send(message)
  }

  logWritten(node: SimNode, entries: readonly Entry[]): void {
    this.#checker.logWritten(node.index, entries)
  }

  started(node: SimNode, persisted: PersistedState, raw: RawNode): void {
    const status = raw.status()
    this.#checker.nodeRestarted(node.index, {
      snapshotIndex: persisted.snapshot?.meta.index ?? 0,
      snapshotTerm: persisted.snapshot?.meta.term ?? 0,
      entries: persisted.entries,
      commitIndex: status.commitIndex,
    })
  }

  entryApplied(
    node: SimNode,
    entry: Entry,
    command: KvCommand | undefined,
    result: KvResult | undefined,
  ): void {
    const digest = entry.kind === 'command' ? node.kv.digest() : undefined
    this.#checker.entryApplied(node.index, entry, digest)
    if (command === undefined || result === undefined) return
    for (const observer of this.#observers)
      observer.commandApplied?.(node.id, entry.index, command, result)
  }

  snapshotRestored(node: SimNode, snapshot: Snapshot): void {
    this.#checker.snapshotApplied(node.index, snapshot.meta.index, node.kv.digest())
  }

  decode(data: Uint8Array): KvCommand | undefined {
    let command = this.#decoded.get(data)
    if (command === undefined) {
      const decoded = decodeCommand(data)
      command = decoded.ok ? decoded.command : null
      this.#decoded.set(data, command)
    }
    return command ?? undefined
  }

  #onRaftEvent(node: SimNode, event: RaftEvent): void {
    switch (event.type) {
      case 'role-changed':
        node.role = event.to
        node.term = event.term
        node.leaderId = event.leaderId
        if (event.to === 'leader') this.#checker.leaderElected(node.index, event.term)
        break
      case 'term-changed':
        node.term = event.to
        break
      case 'election-started':
        if (!event.preVote) this.#elections++
        break
      case 'committed':
        this.#checker.commitAdvanced(node.index, event.from, event.to)
        break
      case 'snapshot-installed':
        this.#snapshotsInstalled++
        this.#checker.snapshotInstalled(node.index, event.index, event.snapshotTerm, event.index)
        break
      case 'transfer-started':
        this.#transfers++
        break
      default:
        break
    }
    if (this.#traceListeners.length > 0) this.#trace({ type: 'raft', event })
    for (const observer of this.#observers) observer.raftEvent?.(event)
  }
}

/** Refuses options the cluster cannot run with, before anything starts. */
function validateClusterOptions(options: SimClusterOptions): void {
  const check = (ok: boolean, message: string): void => {
    if (!ok) throw new RangeError(`SimCluster: ${message}`)
  }
  check(
    Number.isInteger(options.nodes) && options.nodes >= 1 && options.nodes <= 9,
    `nodes must be an integer in 1..9, not ${options.nodes}`,
  )
  check(Number.isSafeInteger(options.seed), `seed must be a safe integer, not ${options.seed}`)
  const tickMs = options.tickMs ?? defaults.tickMs
  check(Number.isInteger(tickMs) && tickMs >= 1, `tickMs must be a positive integer`)
  const election = options.electionTimeoutTicks ?? defaults.electionTimeoutTicks
  const heartbeat = options.heartbeatIntervalTicks ?? defaults.heartbeatIntervalTicks
  check(
    Number.isInteger(heartbeat) &&
      heartbeat >= 1 &&
      Number.isInteger(election) &&
      election > heartbeat,
    `need 1 <= heartbeatIntervalTicks < electionTimeoutTicks (got ${heartbeat} and ${election})`,
  )
  const disk = options.diskLatencyMsMax ?? defaults.diskLatencyMsMax
  check(Number.isInteger(disk) && disk >= 0, `diskLatencyMsMax must be a non-negative integer`)
  const torn = options.tornWriteProbability ?? defaults.tornWriteProbability
  check(torn >= 0 && torn <= 1, `tornWriteProbability must be in [0, 1]`)
  for (const id of Object.keys(options.persisted ?? {})) {
    const index = Number(id.slice(1))
    check(
      /^n[1-9]$/.test(id) && index <= options.nodes,
      `persisted state for ${id}, which is not one of n1..n${options.nodes}`,
    )
  }
}

function logView(raw: RawNode): LogView {
  const status = raw.status()
  return {
    snapshotIndex: status.snapshotIndex,
    lastIndex: status.lastIndex,
    entries: (from, to) => raw.entries(from, to),
  }
}
