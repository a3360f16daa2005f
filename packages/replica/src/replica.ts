import {
  RawNode,
  emptyHardState,
  type ClusterConfig,
  type CommandEntry,
  type Entry,
  type HardState,
  type LogIndex,
  type Message,
  type NodeId,
  type PersistedState,
  type RaftEvent,
  type RawNodeOptions,
  type Ready,
  type Snapshot,
  type Status,
} from '@raftkit/raft'
import type { Outcome } from './outcome.js'
import {
  silentLogger,
  type LogStore,
  type Logger,
  type Scheduler,
  type StateMachine,
  type Transport,
} from './ports.js'
import { PendingProposals } from './pending-proposals.js'
import { PendingReads } from './pending-reads.js'
import { unwrapCommand, wrapCommand, type ProposalTag } from './proposal-envelope.js'
import { onlyCommitMoved, splitMessages } from './message-order.js'

export interface ReplicaOptions<Result> {
  readonly raft: Omit<RawNodeOptions, 'onEvent'>
  readonly persisted: PersistedState | undefined
  readonly logStore: LogStore
  readonly transport: Transport
  readonly stateMachine: StateMachine<Result>
  readonly scheduler: Scheduler
  /** Milliseconds per Raft tick. Election and heartbeat timeouts are counted in ticks. */
  readonly tickMs: number
  /** Take a snapshot (and compact the log) after this many applied entries. 0 disables. */
  readonly snapshotEveryEntries?: number
  readonly logger?: Logger
  readonly onEvent?: (event: RaftEvent) => void
  /** Called after each Ready is handled (for metrics). */
  readonly onReadyHandled?: (info: {
    entries: number
    committed: number
    messages: number
    persistMs: number
  }) => void
  readonly now?: () => number
}

/**
 * Runs the pure Raft core as a live node. The core is synchronous; this class owns everything
 * asynchronous around it and keeps Raft's ordering rules:
 *
 * - inbound messages and ticks are queued and fed to the core from one loop, never from a
 *   socket callback in the middle of handling a Ready;
 * - for each Ready: persist (and fsync) → send → apply → advance, one Ready at a time;
 * - a proposal resolves when its entry is applied, with the state machine's result, or fails
 *   when a different entry is applied at its index (a new leader replaced it);
 * - a linearizable read resolves when the read index is confirmed and applied.
 */
export class Replica<Result> {
  readonly #node: RawNode
  readonly #options: ReplicaOptions<Result>
  readonly #logger: Logger
  readonly #proposals = new PendingProposals<Result>()
  readonly #reads: PendingReads
  #inbox: Message[] = []
  #handlingReady = false
  #drainScheduled = false
  #stopped = false
  #failed: Error | undefined
  #stopTicking: (() => void) | undefined
  #lastSnapshotIndex: LogIndex
  #idle: (() => void)[] = []
  /** The hard state as last made durable (votes and terms are compared against it). */
  #durableHardState: HardState
  /** A snapshot being encoded and saved in the background, and one saved but not yet compacted. */
  #snapshotTask: Promise<void> | undefined
  #pendingCompaction: Snapshot | undefined
  /** The index of the newest snapshot handed to the store (saved or being saved). */
  #newestSnapshotIndex: LogIndex
  /** The latest hard state when only its commit index moved since the last write. */
  #unwrittenHardState: HardState | undefined
  /** What a durable state machine had already applied when the replica started (0 otherwise). */
  readonly #durablyApplied: LogIndex
  /**
   * The last index the state machine has actually applied (or restored). The core's own applied
   * index can run ahead of it: messages are stepped while a Ready is being handled, and a
   * snapshot from the leader moves the core at once, before its Ready reaches the state machine.
   * Reads and snapshots go by this one.
   */
  #machineApplied: LogIndex
  /** Marks this run's proposals in their entries (see proposal-envelope.ts). */
  readonly #tag: ProposalTag
  #leaderId: NodeId | undefined

  constructor(options: ReplicaOptions<Result>) {
    this.#options = options
    this.#logger = options.logger ?? silentLogger
    this.#durablyApplied = options.stateMachine.appliedIndex?.() ?? 0
    this.#durableHardState = options.persisted?.hardState ?? emptyHardState
    this.#tag = {
      high: options.raft.random.nextInt(0x1_0000_0000),
      low: options.raft.random.nextInt(0x1_0000_0000),
    }
    const snapshotIndex = options.persisted?.snapshot?.meta.index ?? 0
    const appliedIndex = Math.max(
      options.raft.appliedIndex ?? 0,
      this.#durablyApplied,
      snapshotIndex,
    )
    this.#node = new RawNode(
      { ...options.raft, appliedIndex, onEvent: options.onEvent },
      options.persisted,
    )
    this.#machineApplied = appliedIndex
    this.#lastSnapshotIndex = snapshotIndex
    this.#newestSnapshotIndex = snapshotIndex
    // Read request ids must never repeat across restarts; a clock-derived base guarantees it.
    this.#reads = new PendingReads((options.now?.() ?? 0) * 1000)
  }

  get id(): NodeId {
    return this.#node.id
  }

  /** The error that stopped this replica (a storage failure or a broken invariant), if any. */
  get failure(): Error | undefined {
    return this.#failed
  }

  async start(): Promise<void> {
    // A restarted node restores its state machine from its snapshot before replaying the log.
    // (A durable state machine that is already past the snapshot keeps its own state.)
    const snapshot = this.#options.persisted?.snapshot
    if (snapshot !== undefined && snapshot.meta.index > this.#durablyApplied)
      await this.#options.stateMachine.restore(snapshot)
    this.#stopTicking = this.#options.scheduler.every(this.#options.tickMs, () => {
      if (this.#stopped) return
      this.#guard(() => this.#node.tick())
      this.#scheduleDrain()
    })
    this.#scheduleDrain()
  }

  /** Stops ticking and fails everything pending. Waits for a Ready in progress to finish. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#stopTicking?.()
    if (this.#handlingReady) await new Promise<void>((resolve) => this.#idle.push(resolve))
    if (this.#unwrittenHardState !== undefined && this.#failed === undefined) {
      await this.#options.logStore.append([], this.#unwrittenHardState).catch(() => undefined)
      this.#unwrittenHardState = undefined
    }
    await this.#snapshotTask
    this.#proposals.failAll({ error: 'stopped' })
    this.#reads.failAll({ error: 'stopped' })
  }

  /** Hands an inbound peer message to the replica (it is stepped from the loop, not here). */
  receive(message: Message): void {
    if (this.#stopped) return
    this.#inbox.push(message)
    this.#scheduleDrain()
  }

  status(): Status {
    return this.#node.status()
  }

  configAt(index: LogIndex): ClusterConfig {
    return this.#node.configAt(index)
  }

  /**
   * Proposes a command; resolves with the state machine's result once it is applied here. On a
   * follower (with `forwardProposals`) the core hands it to the leader, and it resolves when this
   * node applies the entry, or times out with its outcome unknown.
   */
  propose(
    command: Uint8Array,
    timeoutMs: number,
  ): Promise<Outcome<{ index: LogIndex; result: Result }>> {
    const unavailable = this.#unavailable()
    if (unavailable !== undefined) return Promise.resolve(unavailable)
    const id = this.#proposals.nextId()
    const proposed = this.#node.propose(wrapCommand(this.#tag, id, command))
    if (!proposed.ok) return Promise.resolve(proposed)
    const placement =
      proposed.outcome === 'appended' ? { index: proposed.index, term: proposed.term } : undefined
    const promise = this.#proposals.add(id, placement, timeoutMs, this.#options.scheduler)
    this.#scheduleDrain()
    return promise
  }

  /** A linearizable read barrier (ReadIndex, §6.4): resolves once this node may serve the read. */
  read(timeoutMs: number): Promise<Outcome<{ index: LogIndex }>> {
    const unavailable = this.#unavailable()
    if (unavailable !== undefined) return Promise.resolve(unavailable)
    const { requestId, promise } = this.#reads.add(timeoutMs, this.#options.scheduler)
    this.#guard(() => this.#node.readIndex(requestId))
    this.#scheduleDrain()
    return promise
  }

  proposeConfigChange(
    config: ClusterConfig,
    timeoutMs: number,
  ): Promise<Outcome<{ index: LogIndex; result: Result | undefined }>> {
    const unavailable = this.#unavailable()
    if (unavailable !== undefined) return Promise.resolve(unavailable)
    const proposed = this.#node.proposeConfigChange(config)
    if (!proposed.ok) {
      const status = this.#node.status()
      if (status.role !== 'leader')
        return Promise.resolve({ ok: false, error: 'not-leader', leaderId: status.leaderId })
      return Promise.resolve({ ok: false, error: 'rejected', message: proposed.error })
    }
    const promise = this.#proposals.add(
      this.#proposals.nextId(),
      { index: proposed.index, term: this.#node.status().term },
      timeoutMs,
      this.#options.scheduler,
    )
    this.#scheduleDrain()
    return promise as Promise<Outcome<{ index: LogIndex; result: Result | undefined }>>
  }

  transferLeadership(target: NodeId): Outcome<object> {
    const unavailable = this.#unavailable()
    if (unavailable !== undefined) return unavailable
    const result = this.#node.transferLeadership(target)
    this.#scheduleDrain()
    if (result.ok) return { ok: true }
    const status = this.#node.status()
    if (status.role !== 'leader')
      return { ok: false, error: 'not-leader', leaderId: status.leaderId }
    return { ok: false, error: 'rejected', message: result.error }
  }

  campaign(): void {
    this.#guard(() => this.#node.campaign())
    this.#scheduleDrain()
  }

  #unavailable(): Outcome<never> | undefined {
    if (this.#stopped || this.#failed !== undefined) return { ok: false, error: 'stopped' }
    return undefined
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled || this.#stopped) return
    this.#drainScheduled = true
    this.#options.scheduler.defer(() => {
      this.#drainScheduled = false
      void this.#drain()
    })
  }

  /** Steps queued messages, then handles Readys until there are none (one at a time). */
  async #drain(): Promise<void> {
    if (this.#failed !== undefined) return
    const inbox = this.#inbox
    this.#inbox = []
    for (const message of inbox) this.#guard(() => this.#node.step(message))
    if (this.#handlingReady) return
    this.#handlingReady = true
    try {
      this.#compactIfDue()
      while (!this.#stopped && this.#failed === undefined && this.#node.hasReady()) {
        await this.#handleReady(this.#node.ready())
        this.#compactIfDue()
        const more = this.#inbox
        this.#inbox = []
        for (const message of more) this.#guard(() => this.#node.step(message))
      }
    } catch (error) {
      this.#fail(error)
    } finally {
      this.#handlingReady = false
      for (const resolve of this.#idle.splice(0)) resolve()
    }
  }

  async #handleReady(ready: Ready): Promise<void> {
    const started = this.#options.now?.() ?? 0
    const transport = this.#options.transport
    if (ready.softState !== undefined && ready.softState.leaderId !== this.#leaderId) {
      // Proposals forwarded to the old leader may be lost, or may still commit: unknown.
      if (this.#leaderId !== undefined) this.#proposals.failForwarded()
      this.#leaderId = ready.softState.leaderId
    }
    const { beforePersist, afterPersist } = splitMessages(
      ready.messages,
      ready.hardState,
      this.#durableHardState,
    )
    // 1. What does not depend on this Ready's writes leaves at once (see message-order.ts): the
    //    leader's appends reach the followers while its own fsync runs.
    for (const message of beforePersist) transport.send(message)
    // 2. A snapshot from the leader is stored, then restored, before anything after it.
    const store = this.#options.logStore
    if (ready.snapshot !== undefined) {
      this.#newestSnapshotIndex = Math.max(this.#newestSnapshotIndex, ready.snapshot.meta.index)
      await store.saveSnapshot(ready.snapshot)
      await this.#options.stateMachine.restore(ready.snapshot)
      this.#machineApplied = ready.snapshot.meta.index
      this.#lastSnapshotIndex = ready.snapshot.meta.index
      this.#proposals.failUpTo(ready.snapshot.meta.index)
    }
    // 3. Durability of this Ready's entries and hard state starts now. A vote sent before it is
    //    on disk can be forgotten in a crash and cast twice (two leaders in a term, §5.2); an
    //    entry acknowledged before it is on disk can be lost after the leader counted it (§5.3).
    let persisted: Promise<void> | undefined
    if (onlyCommitMoved(ready.entries, ready.hardState, this.#durableHardState)) {
      // Only the commit index moved. It is a hint (see message-order.ts), so it is not written
      // on its own (no fsync for it): it rides with the next write, or is written at stop.
      this.#unwrittenHardState = ready.hardState
    } else if (ready.entries.length > 0 || ready.hardState !== undefined) {
      persisted = store.append(ready.entries, ready.hardState ?? this.#unwrittenHardState)
      this.#unwrittenHardState = undefined
    }
    try {
      // 4. Meanwhile, apply what is committed, in log order. Committed means durable on a
      //    quorum (the leader counts its own copy only once it is on its disk, followers
      //    acknowledge only after theirs), so it may be applied before this node's own fsync of
      //    newer entries completes, as etcd applies while it saves; the state machine is
      //    deterministic, so replicas converge.
      await this.#applyCommitted(ready.committedEntries)
      // 5. Reads: confirmed indexes wait for the apply to catch up.
      for (const state of ready.readStates) this.#reads.confirmed(state.requestId, state.index)
      for (const failure of ready.readFailures) {
        this.#reads.failed(
          failure.requestId,
          failure.reason === 'no-leader'
            ? { error: 'no-leader' }
            : { error: 'not-leader', leaderId: failure.leaderId },
        )
      }
      this.#reads.appliedTo(this.#machineApplied)
    } finally {
      // However the apply went, the write must be waited for (its failure stops the replica).
      await persisted
    }
    if (ready.hardState !== undefined) this.#durableHardState = ready.hardState
    const persistMs = (this.#options.now?.() ?? 0) - started
    // 6. Only now may the rest leave.
    for (const message of afterPersist) transport.send(message)
    this.#node.advance(ready)
    this.#reads.appliedTo(this.#machineApplied)
    this.#options.onReadyHandled?.({
      entries: ready.entries.length,
      committed: ready.committedEntries.length,
      messages: ready.messages.length,
      persistMs,
    })
    this.#maybeSnapshot()
  }

  /**
   * Applies committed entries in log order. A state machine with `applyBatch` gets each run of
   * consecutive commands in one call (one transaction for an SQL store) instead of one by one.
   */
  async #applyCommitted(entries: readonly Entry[]): Promise<void> {
    const machine = this.#options.stateMachine
    let batch: { entry: CommandEntry; id: ReturnType<typeof unwrapCommand>['id'] }[] = []
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      const commands = batch
      batch = []
      const results = await machine.applyBatch!(commands.map((c) => c.entry))
      commands.forEach(({ entry, id }, i) =>
        this.#proposals.applied(entry.index, entry.term, id, results[i] as Result),
      )
      this.#machineApplied = commands[commands.length - 1]!.entry.index
    }
    for (const entry of entries) {
      if (entry.index <= this.#machineApplied) continue // applied already (a durable state machine, a snapshot)
      if (entry.kind === 'command') {
        // Unwrap the proposal envelope (see proposal-envelope.ts): the state machine sees only
        // the command; the id tells which pending proposal, if any, this entry answers.
        const { id, command } = unwrapCommand(this.#tag, entry.data)
        const unwrapped: CommandEntry = command === entry.data ? entry : { ...entry, data: command }
        if (machine.applyBatch !== undefined) {
          batch.push({ entry: unwrapped, id })
          continue
        }
        const result = await machine.apply(unwrapped)
        this.#proposals.applied(entry.index, entry.term, id, result)
      } else {
        await flush()
        this.#proposals.applied(entry.index, entry.term, undefined, undefined as Result)
      }
      this.#machineApplied = entry.index
    }
    await flush()
  }

  /**
   * Takes a snapshot once enough entries were applied since the last one, off the Ready loop:
   * the state machine captures its state now and may encode it over several turns of the event
   * loop; the file is written while Readys go on; the core's log is compacted (and old WAL
   * segments deleted) once the snapshot is durable, between two Readys.
   */
  #maybeSnapshot(): void {
    const every = this.#options.snapshotEveryEntries ?? 0
    if (every <= 0 || this.#snapshotTask !== undefined || this.#stopped) return
    const applied = this.#machineApplied
    // A snapshot from the leader is on its way to the state machine: snapshot after it lands.
    if (applied !== this.#node.status().appliedIndex) return
    // (A saved snapshot counts before its compaction, which waits for the next drain.)
    const latest = Math.max(this.#lastSnapshotIndex, this.#pendingCompaction?.meta.index ?? 0)
    if (applied - latest < every) return
    const term = this.#node.termAt(applied)
    if (term === undefined) return
    const meta = { index: applied, term, config: this.#node.configAt(applied) }
    const started = this.#options.now?.() ?? 0
    const data = this.#options.stateMachine.snapshot()
    this.#snapshotTask = (async () => {
      try {
        const snapshot: Snapshot = { meta, data: await data }
        // A snapshot from the leader may have overtaken this one meanwhile; the store takes
        // snapshots in rising order only.
        if (this.#stopped || this.#newestSnapshotIndex >= meta.index) return
        this.#newestSnapshotIndex = meta.index
        await this.#options.logStore.saveSnapshot(snapshot)
        this.#pendingCompaction = snapshot
        this.#scheduleDrain()
        this.#logger.info(
          {
            index: meta.index,
            bytes: snapshot.data.byteLength,
            ms: (this.#options.now?.() ?? 0) - started,
          },
          'snapshot taken',
        )
      } catch (error) {
        if (!this.#stopped) this.#fail(error)
      } finally {
        this.#snapshotTask = undefined
      }
    })()
  }

  /** Compacts the core's log behind a durable snapshot; called only between Readys. */
  #compactIfDue(): void {
    const snapshot = this.#pendingCompaction
    if (snapshot === undefined) return
    this.#pendingCompaction = undefined
    if (this.#lastSnapshotIndex >= snapshot.meta.index) return
    this.#guard(() => this.#node.compact(snapshot))
    this.#lastSnapshotIndex = snapshot.meta.index
  }

  #guard(action: () => void): void {
    if (this.#failed !== undefined) return
    try {
      action()
    } catch (error) {
      this.#fail(error)
    }
  }

  /**
   * Fail-stop: a storage error or a broken invariant means this node can no longer promise
   * anything, so it stops taking part (as etcd's Storage contract says) instead of limping on.
   */
  #fail(error: unknown): void {
    if (this.#failed !== undefined) return
    this.#failed = error instanceof Error ? error : new Error(String(error))
    this.#logger.error(
      { err: this.#failed.message, stack: this.#failed.stack },
      'replica stopped: fatal error',
    )
    this.#stopped = true
    this.#stopTicking?.()
    this.#proposals.failAll({ error: 'stopped' })
    this.#reads.failAll({ error: 'stopped' })
  }
}
