import {
  decodeCommand,
  encodeCommand,
  type KvCommand,
  type KvResult,
  type KvStateMachine,
  type KvStateMachineOptions,
} from '@raftkit/kv'
import {
  InvariantViolation,
  type ClusterConfig,
  type ConfigChangeResult,
  type Entry,
  type Message,
  type NodeId,
  type PersistedState,
  type RaftEvent,
  type RaftTuning,
  type RawNode,
  type RawNodeOptions,
  type ReadFailure,
  type ReloadResult,
  type Snapshot,
  type Status,
  type TransferResult,
  type UnsafeRules,
} from '@raftkit/raft'
import { assert, SimulatorBug } from './assert.js'
import type {
  ClusterObserver,
  ClusterProposeResult,
  ClusterReadOutcome,
  ClusterReadStart,
  ClusterTuning,
  MembershipResult,
  SimClusterOptions,
} from './cluster-api.js'
import { clusterDefaults, coreUnsafeRules, validateClusterOptions } from './cluster-options.js'
import { EventQueue } from './event-queue.js'
import { SafetyChecker, type LogView } from './invariants.js'
import { defaultNetworkOptions, SimNetwork, type LinkFaults, type LossReason } from './network.js'
import { unsafeRules, type UnsafeRule, type Violation, type ViolationKind } from './options.js'
import { PRNG } from './prng.js'

import { additionIsLost, clusterLimits, memberIdError } from './sim-membership.js'
import { SimNode, type CrashedWrite, type SimNodeHost, type SimNodeTiming } from './sim-node.js'
import type { TraceBody, TraceListener, TraceRecord } from './trace.js'

export type {
  ClusterObserver,
  ClusterProposeResult,
  ClusterReadOutcome,
  ClusterReadStart,
  ClusterTuning,
  MembershipResult,
  SimClusterOptions,
} from './cluster-api.js'

interface PendingRead {
  readonly node: SimNode
  readonly key: string
  readonly done: ((outcome: ClusterReadOutcome) => void) | undefined
}

/** A member being added: where its entry was appended, and whether to promote it once caught up. */
interface Joiner {
  readonly index: number
  readonly term: number
  promote: boolean
}

type SimEvent =
  | { readonly kind: 'tick'; readonly node: SimNode; readonly incarnation: number }
  | { readonly kind: 'disk'; readonly node: SimNode; readonly incarnation: number }
  | { readonly kind: 'deliver'; readonly message: Message; readonly to: number }
  | { readonly kind: 'action'; readonly run: () => void }

/**
 * A simulated cluster: n nodes running the real Raft core on virtual time, a faulty network
 * between them, simulated disks, and the safety checker watching every step. Everything random
 * comes from one seed, so a run replays exactly.
 *
 * It is the scenario API for scripted tests and viewers (`crash`, `partition`, `runUntil`, ...)
 * and the engine `simulate()` drives with a fault schedule and a client workload.
 */
export class SimCluster implements SimNodeHost {
  readonly network: SimNetwork
  readonly random: PRNG
  /** The nodes the cluster was bootstrapped with (n1..nN): the configuration at index 0. */
  readonly founders: readonly NodeId[]
  /** Every node ever started, by index (retired ones included). */
  readonly #nodes: SimNode[] = []
  readonly #byId = new Map<NodeId, SimNode>()
  /** The ids of the nodes not retired, in the order they were added. */
  #ids: readonly NodeId[] = []
  readonly #queue = new EventQueue<SimEvent>()
  readonly #checker: SafetyChecker
  readonly #options: SimClusterOptions
  readonly #tickMs: number
  readonly #violations: Violation[] = []
  readonly #observers: ClusterObserver[] = []
  readonly #traceListeners: TraceListener[] = []
  readonly #decoded = new WeakMap<Uint8Array, KvCommand | null>()
  /** Each node's election-timer stream; it continues across restarts. */
  readonly #electionRandom = new Map<NodeId, PRNG>()
  readonly #timing: SimNodeTiming
  /** Runtime settings: the whole cluster's, and each node's own election timeout. */
  #preVote: boolean
  #checkQuorum: boolean
  #unsafe: UnsafeRule | undefined
  readonly #electionTimeouts = new Map<
    NodeId,
    Pick<RaftTuning, 'electionTimeoutTicks' | 'electionTimeoutTicksMax'>
  >()
  /** Membership: members being added, learners to promote, nodes that were ever members. */
  readonly #joiners = new Map<NodeId, Joiner>()
  readonly #everMember = new Set<NodeId>()
  #housekeepingScheduled = false
  #retireScheduled = false
  readonly #retiring = new Set<NodeId>()
  readonly #retireRandom: PRNG
  readonly #reads = new Map<number, PendingRead>()
  #nextReadId = 1
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
    this.#tickMs = options.tickMs ?? clusterDefaults.tickMs
    this.random = new PRNG(options.seed)
    this.#retireRandom = this.random.fork('retire')
    this.#preVote = options.preVote ?? true
    this.#checkQuorum = options.checkQuorum ?? true
    this.#unsafe = options.unsafe
    this.founders = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`)
    for (const id of this.founders) this.#everMember.add(id)
    this.#checker = new SafetyChecker(
      this.founders,
      (kind, message) => this.#violate(kind, message),
      {
        onConfigCommitted: () => this.#configCommitted(),
      },
    )
    this.network = new SimNetwork(
      this.founders,
      this.random.fork('network'),
      {
        scheduleDelivery: (delayMs, message, to) =>
          this.#queue.push(this.#now + delayMs, { kind: 'deliver', message, to }),
        lost: (message, reason) => this.#lost(message, reason),
      },
      { ...defaultNetworkOptions, ...options.network },
    )
    this.#timing = {
      tickMs: this.#tickMs,
      diskLatencyMsMax: options.diskLatencyMsMax ?? clusterDefaults.diskLatencyMsMax,
      snapshotEveryEntries: options.snapshotEveryEntries ?? 0,
    }
    for (const id of this.founders) this.#host(id, options.persisted?.[id])
    for (const node of this.#nodes) this.#guard(node.id, () => node.start(false))
  }

  /** Creates the simulator's side of a node (its disk, network links, checker mirror). */
  #host(id: NodeId, persisted: PersistedState | undefined): SimNode {
    const index = this.#nodes.length
    const node = new SimNode(
      id,
      index,
      this,
      this.random.fork(`node/${id}`),
      this.#timing,
      persisted,
    )
    this.#nodes.push(node)
    this.#byId.set(id, node)
    this.#electionRandom.set(id, this.random.fork(`election/${id}`))
    if (index >= this.founders.length) {
      assert(this.network.addNode(id) === index, () => `network index of ${id}`)
      assert(this.#checker.addNode(id) === index, () => `checker index of ${id}`)
    }
    this.#ids = [...this.#ids, id]
    return node
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

  /** The ids of the nodes the cluster hosts now (retired ones left out), in the order they came. */
  get ids(): readonly NodeId[] {
    return this.#ids
  }

  /** Every node id the cluster ever hosted, retired ones included. */
  get allIds(): readonly NodeId[] {
    return this.#nodes.map((node) => node.id)
  }

  /** Whether the node left the cluster for good (its removal committed, or its addition lost). */
  isRetired(id: NodeId): boolean {
    return this.#node(id).retired
  }

  /**
   * The committed configuration: the one introduced by the highest configuration entry known to
   * be committed (the bootstrap configuration before any). This is what liveness is judged on.
   */
  members(): ClusterConfig {
    return this.#checker.committedConfig
  }

  /** The latest configuration in the leader's log (committed or not), or the committed one. */
  latestConfig(): ClusterConfig {
    const leader = this.leader()
    return leader === undefined ? this.members() : this.#node(leader).raw.status().config
  }

  /** The node that is leader in the highest term among running nodes, if any. */
  leader(): NodeId | undefined {
    let leader: SimNode | undefined
    for (const node of this.#nodes) {
      if (node.retired) continue
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
    /** Configuration entries committed (additions, promotions, removals). */
    readonly membershipChanges: number
    /** Leadership transfers started (TimeoutNow sent, or about to be once the target catches up). */
    readonly transfers: number
    readonly crashes: number
    readonly restarts: number
  } {
    return {
      elections: this.#elections,
      leaderChanges: this.#checker.leaderTerms,
      snapshotsInstalled: this.#snapshotsInstalled,
      membershipChanges: this.#checker.configChangesCommitted,
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
    this.#stop(node)
    this.#crashes++
  }

  /** Stops a node (a crash, or a retirement: then the trace has a `retire` record instead). */
  #stop(node: SimNode, retiring = false): void {
    const write: CrashedWrite = node.crash(
      this.#options.tornWriteProbability ?? clusterDefaults.tornWriteProbability,
    )
    this.#checker.nodeCrashed(node.index)
    if (!retiring) this.#trace({ type: 'crash', node: node.id, write })
    this.#failReadsAt(node)
    for (const observer of this.#observers) observer.nodeCrashed?.(node.id)
  }

  /** Starts a crashed node again from its disk. (A retired node stays down.) */
  restart(id: NodeId): void {
    const node = this.#node(id)
    if (node.up || node.retired) return
    const forgetVote = this.#unsafe === 'forget-vote'
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

  // ================================================================== membership and leadership

  /**
   * Adds a member: proposes it to the leader as a learner and, once that is accepted, starts a
   * fresh node with an empty disk under that id. The cluster promotes it to voter by itself once
   * it has caught up with the leader's log (§4.2.1). `id` defaults to the next free `n<k>`; ids
   * are never reused (a node that comes back under an old id with an empty disk could vote twice
   * in one term). Refused, changing nothing, when there is no leader, the leader refuses the
   * change (one at a time; not before it committed an entry of its term), or the configuration
   * has `clusterLimits.membersMax` members already.
   */
  addMember(id?: NodeId): MembershipResult {
    const newId = id ?? this.#nextFreeId()
    const idError = memberIdError(newId)
    if (idError !== undefined) return { ok: false, error: idError }
    if (this.#byId.has(newId))
      return { ok: false, error: `${newId} was a node of this cluster already; ids are not reused` }
    if (this.#nodes.length >= clusterLimits.nodesEverMax)
      return {
        ok: false,
        error: `this cluster has hosted ${clusterLimits.nodesEverMax} nodes, its limit`,
      }
    const leader = this.#leaderNode()
    if (leader === undefined) return { ok: false, error: 'no leader to propose the change to' }
    const status = leader.raw.status()
    const config = status.config
    if (config.voters.length + config.learners.length >= clusterLimits.membersMax)
      return { ok: false, error: `the cluster has ${clusterLimits.membersMax} members, its limit` }
    const result = this.#propose(
      leader,
      { voters: config.voters, learners: [...config.learners, newId] },
      status.configIndex,
    )
    if (!result.ok) return result
    this.#joiners.set(newId, { index: result.index, term: status.term, promote: true })
    const node = this.#host(newId, undefined)
    this.#trace({ type: 'member-added', node: newId, index: result.index })
    this.#guard(newId, () => node.start(false))
    this.#afterStep()
    for (const observer of this.#observers) observer.memberAdded?.(newId)
    this.#scheduleHousekeeping()
    return { ok: true, id: newId, index: result.index }
  }

  /**
   * Removes a member (voter or learner) through the leader. Once the removal is committed the
   * node is stopped for good (retired). Removing the leader itself is allowed: it keeps leading
   * until the change commits, then hands over and steps down (§4.2.2).
   */
  removeMember(id: NodeId): MembershipResult {
    const leader = this.#leaderNode()
    if (leader === undefined) return { ok: false, error: 'no leader to propose the change to' }
    const status = leader.raw.status()
    const config = status.config
    if (!config.voters.includes(id) && !config.learners.includes(id))
      return { ok: false, error: `${id} is not a member` }
    const joiner = this.#joiners.get(id)
    if (joiner !== undefined) joiner.promote = false
    const next = {
      voters: config.voters.filter((voter) => voter !== id),
      learners: config.learners.filter((learner) => learner !== id),
    }
    const result = this.#propose(leader, next, status.configIndex)
    return result.ok ? { ok: true, id, index: result.index } : result
  }

  /**
   * Proposes any configuration to the leader, as it is (no learner step, no automatic
   * promotion). The core validates it against the latest configuration in the leader's log. For
   * scripted tests and for showing what the unsafe membership rules break.
   */
  changeMembership(next: ClusterConfig): MembershipResult {
    const leader = this.#leaderNode()
    if (leader === undefined) return { ok: false, error: 'no leader to propose the change to' }
    const result = this.#propose(leader, next, leader.raw.status().configIndex)
    return result.ok ? { ok: true, id: leader.id, index: result.index } : result
  }

  /** Asks the leader to hand leadership to `to`; returns the core's answer (§3.10). */
  transferLeadership(to: NodeId): TransferResult {
    const leader = this.#leaderNode()
    if (leader === undefined) return { ok: false, error: 'no leader to transfer from' }
    const results: TransferResult[] = []
    this.#guard(leader.id, () => {
      results.push(leader.raw.transferLeadership(to))
      leader.pump()
    })
    this.#afterStep()
    return results[0] ?? { ok: false, error: `${leader.id} went down` }
  }

  #propose(leader: SimNode, next: ClusterConfig, configIndex: number): ConfigChangeResult {
    const results: ConfigChangeResult[] = []
    this.#guard(leader.id, () => {
      results.push(leader.raw.proposeConfigChange(next, { expectedConfigIndex: configIndex }))
      leader.pump()
    })
    this.#afterStep()
    return results[0] ?? { ok: false, error: `${leader.id} went down` }
  }

  #leaderNode(): SimNode | undefined {
    const id = this.leader()
    return id === undefined ? undefined : this.#node(id)
  }

  #nextFreeId(): NodeId {
    let k = this.#nodes.length + 1
    while (this.#byId.has(`n${k}`)) k++
    return `n${k}`
  }

  /** A configuration entry committed: members it no longer holds are retired (soon after). */
  #configCommitted(): void {
    const config = this.#checker.committedConfig
    for (const id of [...config.voters, ...config.learners]) {
      this.#everMember.add(id)
      const joiner = this.#joiners.get(id)
      if (joiner !== undefined && (!joiner.promote || config.voters.includes(id)))
        this.#joiners.delete(id)
    }
    if (this.#retireScheduled) return
    // Not inside the step that committed it: the node that did may be the one to retire.
    this.#retireScheduled = true
    this.schedule(0, () => {
      this.#retireScheduled = false
      const committed = this.#checker.committedConfig
      for (const node of this.#nodes) {
        if (node.retired || this.#retiring.has(node.id) || !this.#everMember.has(node.id)) continue
        if (committed.voters.includes(node.id) || committed.learners.includes(node.id)) continue
        // An operator shuts a removed server down some time after its removal; until then it
        // runs, and may still campaign or vote on an old configuration.
        this.#retiring.add(node.id)
        const delayMs = this.#retireRandom.nextInt((this.#options.retireDelayMsMax ?? 0) + 1)
        this.schedule(delayMs, () => {
          this.#retiring.delete(node.id)
          if (!node.retired) this.#retire(node, 'its removal from the configuration was committed')
        })
      }
    })
  }

  /**
   * While members are being added: promotes caught-up learners, and retires nodes whose addition
   * was lost (truncated from the logs by a new leader). Runs every tick until none is pending.
   */
  #scheduleHousekeeping(): void {
    if (this.#housekeepingScheduled || this.#joiners.size === 0) return
    this.#housekeepingScheduled = true
    this.schedule(this.#tickMs, () => {
      this.#housekeepingScheduled = false
      this.#housekeep()
      this.#scheduleHousekeeping()
    })
  }

  #housekeep(): void {
    const leader = this.#leaderNode()
    if (leader === undefined) return
    for (const [id, joiner] of this.#joiners) {
      const node = this.#node(id)
      if (node.retired) {
        this.#joiners.delete(id)
        continue
      }
      const status = leader.raw.status()
      const { config } = status
      if (config.voters.includes(id)) {
        if (this.#everMember.has(id)) this.#joiners.delete(id)
        continue
      }
      if (config.learners.includes(id)) {
        if (!joiner.promote || status.configIndex > status.commitIndex) continue
        const progress = status.progress?.[id]
        if (progress === undefined || progress.state !== 'replicate') continue
        this.#propose(
          leader,
          { voters: [...config.voters, id], learners: config.learners.filter((l) => l !== id) },
          status.configIndex,
        )
        continue
      }
      if (!this.#everMember.has(id) && additionIsLost(joiner, status, leader.raw)) {
        this.#joiners.delete(id)
        this.#retire(node, 'its addition was lost: the entry never committed')
      }
    }
  }

  #retire(node: SimNode, reason: string): void {
    if (node.up) this.#stop(node, true)
    node.retire()
    this.#ids = this.#ids.filter((id) => id !== node.id)
    this.#trace({ type: 'retire', node: node.id, reason })
    for (const observer of this.#observers) observer.nodeRetired?.(node.id, reason)
  }

  // ================================================================== reads

  /**
   * Starts a linearizable read of `key` at node `via`, through ReadIndex (§6.4): the node (or
   * the leader, if `via` is a follower) confirms with a heartbeat round that it still leads, and
   * the read is served from `via`'s state machine once it has applied the read index. `done` and
   * the observers' `readDone` receive the outcome (possibly before this returns). With the unsafe
   * rule `stale-read` the read is answered at once from `via`'s state machine instead.
   */
  read(via: NodeId, key: string, done?: (outcome: ClusterReadOutcome) => void): ClusterReadStart {
    const node = this.#byId.get(via)
    if (node === undefined) return { ok: false, error: 'unknown-node' }
    if (!node.up) return { ok: false, error: 'down' }
    const requestId = this.#nextReadId++
    this.#reads.set(requestId, { node, key, done })
    if (this.#unsafe === 'stale-read') {
      this.readReady(node, requestId, node.appliedIndex)
      return { ok: true, requestId }
    }
    this.#guard(via, () => {
      node.raw.readIndex(requestId)
      node.pump()
    })
    this.#afterStep()
    return { ok: true, requestId }
  }

  stateMachineOptions(): KvStateMachineOptions {
    return { unsafeIgnoreSessions: this.#unsafe === 'no-sessions' }
  }

  readReady(node: SimNode, requestId: number, index: number): void {
    const read = this.#reads.get(requestId)
    if (read === undefined || read.node !== node) return
    this.#reads.delete(requestId)
    const record = node.kv.get(read.key)
    this.#readDone(read, {
      ok: true,
      requestId,
      node: node.id,
      key: read.key,
      value: record?.value ?? null,
      revision: record?.revision ?? 0,
      index,
    })
  }

  readFailed(node: SimNode, failure: ReadFailure): void {
    const read = this.#reads.get(failure.requestId)
    if (read === undefined || read.node !== node) return
    this.#reads.delete(failure.requestId)
    this.#readDone(read, {
      ok: false,
      requestId: failure.requestId,
      node: node.id,
      key: read.key,
      reason: failure.reason,
      leaderId: failure.leaderId,
    })
  }

  #failReadsAt(node: SimNode): void {
    for (const [requestId, read] of this.#reads) {
      if (read.node !== node) continue
      this.#reads.delete(requestId)
      this.#readDone(read, {
        ok: false,
        requestId,
        node: node.id,
        key: read.key,
        reason: 'down',
        leaderId: undefined,
      })
    }
  }

  #readDone(read: PendingRead, outcome: ClusterReadOutcome): void {
    this.#trace({ type: 'read-result', outcome })
    read.done?.(outcome)
    for (const observer of this.#observers) observer.readDone?.(outcome)
  }

  // ================================================================== runtime settings

  /**
   * Sets one node's election timeout, randomized in [ticksMin, ticksMax] (default ticksMax:
   * 2 * ticksMin - 1); with no ticksMin, back to the cluster's. It takes effect at once and
   * lasts across restarts. Invalid values are refused and change nothing.
   */
  setElectionTimeout(id: NodeId, ticksMin?: number, ticksMax?: number): ReloadResult {
    const node = this.#byId.get(id)
    if (node === undefined) return { ok: false, error: `unknown node ${id}` }
    const base = this.#options.electionTimeoutTicks ?? clusterDefaults.electionTimeoutTicks
    const timing = {
      electionTimeoutTicks: ticksMin ?? base,
      electionTimeoutTicksMax: ticksMin === undefined ? undefined : ticksMax,
    }
    const heartbeat = this.#options.heartbeatIntervalTicks ?? clusterDefaults.heartbeatIntervalTicks
    if (
      !Number.isSafeInteger(timing.electionTimeoutTicks) ||
      timing.electionTimeoutTicks <= heartbeat
    )
      return {
        ok: false,
        error: `ticksMin must be an integer above the heartbeat interval (${heartbeat})`,
      }
    const max = timing.electionTimeoutTicksMax
    if (max !== undefined && (!Number.isSafeInteger(max) || max < timing.electionTimeoutTicks))
      return { ok: false, error: 'ticksMax must be an integer of at least ticksMin' }
    if (node.up) {
      const results: ReloadResult[] = []
      this.#guard(id, () => results.push(node.raw.reloadConfig(timing)))
      const result = results[0] ?? { ok: false, error: `${id} went down` }
      if (!result.ok) return result
    }
    if (ticksMin === undefined) this.#electionTimeouts.delete(id)
    else this.#electionTimeouts.set(id, timing)
    this.#trace({ type: 'tuning', node: id, tuning: timing })
    return { ok: true }
  }

  /** The runtime settings in force: pre-vote, check-quorum and the unsafe rule (or null). */
  get tuning(): Required<ClusterTuning> {
    return { preVote: this.#preVote, checkQuorum: this.#checkQuorum, unsafe: this.#unsafe ?? null }
  }

  /**
   * Switches pre-vote, check-quorum or the unsafe rule on every node at once (and for later
   * restarts and new members), as a runtime reload of the core's settings.
   */
  setTuning(tuning: ClusterTuning): ReloadResult {
    if (
      tuning.unsafe !== undefined &&
      tuning.unsafe !== null &&
      !unsafeRules.includes(tuning.unsafe)
    )
      return { ok: false, error: `unknown unsafe rule ${JSON.stringify(tuning.unsafe)}` }
    if (tuning.preVote !== undefined) this.#preVote = tuning.preVote
    if (tuning.checkQuorum !== undefined) this.#checkQuorum = tuning.checkQuorum
    if (tuning.unsafe !== undefined) this.#unsafe = tuning.unsafe ?? undefined
    const core = this.#coreTuning()
    for (const node of this.#nodes) {
      if (!node.up) continue
      this.#guard(node.id, () => {
        const result = node.raw.reloadConfig(core)
        assert(result.ok, () => `reload refused: ${result.ok ? '' : result.error}`)
      })
    }
    this.#trace({ type: 'tuning', node: undefined, tuning: this.tuning })
    return { ok: true }
  }

  #coreTuning(): { preVote: boolean; checkQuorum: boolean; unsafe: UnsafeRules } {
    return {
      preVote: this.#preVote,
      checkQuorum: this.#checkQuorum,
      unsafe: coreUnsafeRules(this.#unsafe),
    }
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
    assert(node !== undefined, () => `unknown node ${id} (nodes are ${this.allIds.join(', ')})`)
    return node
  }

  // ================================================================== SimNodeHost

  raftOptions(node: SimNode): RawNodeOptions {
    const options = this.#options
    const timeout = this.#electionTimeouts.get(node.id)
    return {
      id: node.id,
      random: this.#electionRandom.get(node.id)!,
      // Every node, joiners too, is given the bootstrap configuration: it is the configuration
      // at index 0 of every log. A joiner is not in it, so it never campaigns on its own.
      initialConfig: { voters: [...this.founders], learners: [] },
      electionTimeoutTicks:
        timeout?.electionTimeoutTicks ??
        options.electionTimeoutTicks ??
        clusterDefaults.electionTimeoutTicks,
      electionTimeoutTicksMax: timeout?.electionTimeoutTicksMax,
      heartbeatIntervalTicks:
        options.heartbeatIntervalTicks ?? clusterDefaults.heartbeatIntervalTicks,
      ...this.#coreTuning(),
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

function logView(raw: RawNode): LogView {
  const status = raw.status()
  return {
    snapshotIndex: status.snapshotIndex,
    lastIndex: status.lastIndex,
    entries: (from, to) => raw.entries(from, to),
  }
}
