import type { KvCommand, KvResult } from '@raftkit/kv'
import type { Entry, Message, NodeId, RaftEvent } from '@raftkit/raft'
import { SimCluster, type TraceRecord } from '@raftkit/sim'
import {
  labTickMs,
  type Bilingual,
  type ClientOpView,
  type LabEvent,
  type LinkView,
  type LogEntryView,
  type MessageView,
  type NodeView,
  type RecipeStamp,
  type Settings,
  type TermSpan,
  type WorldCommand,
} from '../protocol/index.js'
import {
  describeCommand,
  isNotableLoss,
  narrateLoss,
  narrateRaft,
  narrateTrace,
  narrateUserCommand,
  narrateViolation,
  summarizeMessage,
} from './narrate.js'
import { translateRule } from './rules.js'

/** A command the world refused: it changed nothing. */
export class CommandRefused extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

/**
 * Receives the world's events. `make` builds the event (text in two languages); a replay that
 * already holds the event skips building it.
 */
export type EventSink = (seq: number, make: () => LabEvent) => void

interface TrackedMessage {
  /** Built when first shown: most messages arrive before any frame shows them. */
  view: Omit<MessageView, 'summary' | 'dropped' | 'dropReason'> & { summary?: string }
  readonly message: Message
  /** When it was (or will be, for a message to a node that is down) lost, and why. */
  lostAt?: number
  lossReason?: string
}

interface TrackedClientOp {
  view: ClientOpView
  readonly clientSeq: number
}

const droppedVisibleMs = 40
const maxInFlightShown = 400
const maxClientsShown = 30
const maxTermSpans = 500
/** A client operation that saw no answer in this long (virtual) is given up as indeterminate. */
const clientTimeoutMs = 10_000

/**
 * One simulated run as the Lab sees it: the real `SimCluster` (the core on virtual time, the
 * safety checker live), the user's commands applied to it, and what the page draws kept up to
 * date from the simulator's trace — messages in flight, the terms timeline, client operations,
 * and a numbered stream of events told in two languages.
 *
 * Deterministic: two worlds built from the same settings and seed, given the same calls, emit
 * the same events and reach the same state. Replay relies on it.
 */
export class SimWorld {
  readonly cluster: SimCluster
  readonly settings: Settings
  readonly seed: number
  readonly #sink: EventSink
  #eventSeq = 0
  /** Set during a step when it produced anything a person would see. */
  #visible = false
  #messageIds = 0
  readonly #inFlight = new Map<number, TrackedMessage>()
  /** A message object may be in flight more than once (the network duplicates). */
  readonly #idsByMessage = new Map<Message, number[]>()
  #terms: TermSpan[] = []
  readonly #clientOps: TrackedClientOp[] = []
  #clientSeq = 0
  #violationsSeen = 0
  #groups: NodeId[][] | null = null
  readonly #links = new Map<string, LinkView>()
  #workload = { writesPerSecond: 0, keys: 10, generation: 0, written: 0 }
  #loadSeq = 0
  readonly #latencyMax: number
  /** Lost messages still shown (briefly, so the page can draw them falling). */
  readonly #lostIds = new Set<number>()

  constructor(settings: Settings, seed: number, sink: EventSink) {
    this.settings = settings
    this.seed = seed
    this.#sink = sink
    this.#latencyMax = settings.latencyMs[1]
    this.cluster = new SimCluster({
      nodes: settings.nodes,
      seed,
      tickMs: labTickMs,
      electionTimeoutTicks: settings.electionTimeoutMs / labTickMs,
      heartbeatIntervalTicks: settings.heartbeatMs / labTickMs,
      preVote: settings.preVote,
      checkQuorum: settings.checkQuorum,
      unsafe: settings.unsafe ?? undefined,
      snapshotEveryEntries: settings.snapshotEvery,
      ...(settings.maxEntriesPerMessage === undefined
        ? {}
        : { maxEntriesPerMessage: settings.maxEntriesPerMessage }),
      network: { latencyMsMin: settings.latencyMs[0], latencyMsMax: settings.latencyMs[1] },
    })
    this.#terms.push({ term: 0, from: 0 })
    this.#watchNetwork()
    // Core events come through an observer rather than the trace: the trace copies every
    // record (a cost per message), and the Lab learns of faults from its own commands.
    this.cluster.observe({
      raftEvent: (event) => this.#onRaftEvent(event),
      commandApplied: (node, _index, command, result) => this.#applied(node, command, result),
      nodeCrashed: (node) => this.#nodeCrashed(node),
      memberAdded: (node) =>
        this.#emit(() => ({
          type: 'member.added',
          node,
          text: {
            en: `${node} started with an empty disk and joins as a learner; it becomes a voter once it has caught up (§4.2.1)`,
            zh: `${node} 以空磁盘启动，作为学习者加入；追上日志后成为投票成员（§4.2.1）`,
          },
          data: {},
        })),
      nodeRetired: (node, reason) =>
        this.#emit(() => ({
          type: 'member.retired',
          node,
          text: {
            en: `${node} left the cluster for good: ${reason}`,
            zh: `${node} 永久离开了集群：${reason}`,
          },
          data: { reason },
        })),
    })
    this.#checkViolations()
  }

  get now(): number {
    return this.cluster.now
  }

  get steps(): number {
    return this.cluster.steps
  }

  get eventSeq(): number {
    return this.#eventSeq
  }

  get stopped(): boolean {
    return this.cluster.stopped
  }

  get stamp(): RecipeStamp {
    return { time: this.cluster.now, step: this.cluster.steps }
  }

  get workload(): { writesPerSecond: number; keys: number } {
    return { writesPerSecond: this.#workload.writesPerSecond, keys: this.#workload.keys }
  }

  // ================================================================== time

  /** Processes every event up to virtual time `time` (or until the run stops). */
  runUntilTime(time: number): void {
    do {
      // In slices, so that sweeps over the in-flight list stay frequent.
      this.cluster.runFor(Math.max(0, Math.min(time - this.cluster.now, 1_000)))
      this.#afterSteps()
    } while (!this.cluster.stopped && this.cluster.now < time)
  }

  /**
   * Advances to a recipe stamp: `step` simulator steps, then (if the stamp is later) idle time up
   * to its `time`. Returns false if the run stopped before reaching it.
   */
  runToStamp(stamp: RecipeStamp): boolean {
    if (stamp.step === undefined) {
      this.runUntilTime(stamp.time)
      return this.cluster.now === stamp.time
    }
    while (this.cluster.steps < stamp.step) {
      if (!this.cluster.step()) break
      this.#afterSteps()
    }
    if (this.cluster.steps !== stamp.step) return false
    if (this.cluster.now < stamp.time) this.runUntilTime(stamp.time)
    return this.cluster.steps === stamp.step && this.cluster.now === stamp.time
  }

  /** Whether the world is past a stamp (so a command stamped there can no longer be applied). */
  isPast(stamp: RecipeStamp): boolean {
    if (this.cluster.now !== stamp.time) return this.cluster.now > stamp.time
    return stamp.step !== undefined && this.cluster.steps > stamp.step
  }

  /**
   * Advances `count` visible steps: simulator steps that delivered or lost a message or made an
   * event. Idle ticks are passed over (at most `maxIdleMs` of virtual time per visible step).
   */
  stepVisible(count: number, stopAt?: RecipeStamp, maxIdleMs = 60_000): number {
    let done = 0
    const atStop = (): boolean => stopAt?.step !== undefined && this.cluster.steps >= stopAt.step
    while (done < count && !this.cluster.stopped && !atStop()) {
      const limit = this.cluster.now + maxIdleMs
      this.#visible = false
      let progressed = false
      while (!this.#visible && this.cluster.now <= limit && !atStop()) {
        if (!this.cluster.step()) break
        progressed = true
        this.#afterSteps()
      }
      if (!progressed) break
      done++
    }
    return done
  }

  #afterSteps(): void {
    this.#checkViolations()
    if (this.#lostIds.size > 64) this.#pruneLost()
  }

  // ================================================================== commands

  /** Checks that a command can run now; throws CommandRefused (and changes nothing) if not. */
  check(command: WorldCommand): void {
    const ids = this.cluster.ids
    const known = (id: NodeId): void => {
      if (!ids.includes(id))
        throw new CommandRefused(
          'bad_request',
          `there is no node ${id} (nodes are ${ids.join(', ')})`,
        )
    }
    if (this.cluster.stopped)
      throw new CommandRefused(
        'stopped',
        'the safety checker stopped this run at a violation; seek back to change its course',
      )
    switch (command.type) {
      case 'crash':
        known(command.node)
        if (!this.cluster.isUp(command.node))
          throw new CommandRefused('conflict', `${command.node} is already down`)
        return
      case 'restart':
        if (this.cluster.allIds.includes(command.node) && this.cluster.isRetired(command.node))
          throw new CommandRefused(
            'conflict',
            `${command.node} left the cluster for good and cannot restart`,
          )
        known(command.node)
        if (this.cluster.isUp(command.node))
          throw new CommandRefused('conflict', `${command.node} is running`)
        return
      case 'partition': {
        const seen = new Set<string>()
        for (const group of command.groups)
          for (const id of group) {
            known(id)
            if (seen.has(id))
              throw new CommandRefused('bad_request', `${id} is in more than one group`)
            seen.add(id)
          }
        return
      }
      case 'cut':
      case 'link':
        known(command.from)
        known(command.to)
        if (command.from === command.to)
          throw new CommandRefused('bad_request', 'a link joins two different nodes')
        return
      case 'campaign':
        known(command.node)
        if (!this.cluster.isUp(command.node))
          throw new CommandRefused('conflict', `${command.node} is down`)
        return
      case 'client':
        if (command.via !== undefined) {
          known(command.via)
          if (!this.cluster.isUp(command.via))
            throw new CommandRefused('conflict', `${command.via} is down: send it to another node`)
        } else if (ids.every((id) => !this.cluster.isUp(id))) {
          throw new CommandRefused('conflict', 'every node is down')
        }
        return
      case 'heal':
      case 'workload':
      case 'settings':
        return
      case 'timeout': {
        known(command.node)
        const ticks = command.electionTimeoutMs / labTickMs
        if (!Number.isInteger(ticks))
          throw new CommandRefused(
            'bad_request',
            `electionTimeoutMs must be a multiple of ${labTickMs} ms (one tick)`,
          )
        if (command.electionTimeoutMs <= this.settings.heartbeatMs)
          throw new CommandRefused(
            'bad_request',
            `the election timeout must be longer than the heartbeat interval (${this.settings.heartbeatMs} ms)`,
          )
        return
      }
      case 'addMember':
        if (command.node !== undefined && this.cluster.allIds.includes(command.node))
          throw new CommandRefused(
            'conflict',
            `${command.node} was a node of this cluster already; ids are not reused`,
          )
        if (this.cluster.leader() === undefined)
          throw new CommandRefused('conflict', 'there is no leader to propose the change to')
        return
      case 'removeMember':
        known(command.node)
        if (this.cluster.leader() === undefined)
          throw new CommandRefused('conflict', 'there is no leader to propose the change to')
        return
      case 'transfer':
        known(command.to)
        if (this.cluster.leader() === undefined)
          throw new CommandRefused('conflict', 'there is no leader to transfer from')
        if (this.cluster.leader() === command.to)
          throw new CommandRefused('conflict', `${command.to} is the leader already`)
        return
    }
  }

  /** Applies a command now (after `check`). Emits the user's command as an event first. */
  apply(command: WorldCommand): void {
    this.check(command)
    const text = narrateUserCommand(command)
    const announce = (): void =>
      this.#emit(() => ({ type: `command.${command.type}`, text, data: { command } }))
    // Commands the cluster may still turn down are told once it took them: a refusal changes
    // nothing, not even the event list.
    const refusable = ['timeout', 'addMember', 'removeMember', 'transfer', 'settings'].includes(
      command.type,
    )
    if (!refusable) announce()
    switch (command.type) {
      case 'crash':
        this.#fault(() => this.cluster.crash(command.node))
        break
      case 'restart':
        this.#fault(() => this.cluster.restart(command.node))
        break
      case 'partition':
        this.#fault(() => this.cluster.partition(command.groups))
        this.#groups = command.groups.map((group) => [...group])
        break
      case 'cut':
        this.#fault(() => this.cluster.cut(command.from, command.to))
        break
      case 'heal':
        this.#fault(() => this.cluster.heal())
        this.#groups = null
        break
      case 'link':
        this.#setLink(command.from, command.to, command.lossRate, command.delayMs)
        if (command.bothWays)
          this.#setLink(command.to, command.from, command.lossRate, command.delayMs)
        break
      case 'campaign':
        this.cluster.campaign(command.node)
        break
      case 'client':
        this.#client(command)
        break
      case 'workload':
        this.#setWorkload(command.writesPerSecond, command.keys)
        break
      case 'timeout': {
        const ticks = command.electionTimeoutMs / labTickMs
        refuseUnless(this.cluster.setElectionTimeout(command.node, ticks, 2 * ticks - 1))
        break
      }
      case 'addMember':
        refuseUnless(this.cluster.addMember(command.node), 'conflict')
        break
      case 'removeMember':
        refuseUnless(this.cluster.removeMember(command.node), 'conflict')
        break
      case 'transfer':
        refuseUnless(this.cluster.transferLeadership(command.to), 'conflict')
        break
      case 'settings':
        refuseUnless(
          this.cluster.setTuning({
            ...(command.preVote === undefined ? {} : { preVote: command.preVote }),
            ...(command.checkQuorum === undefined ? {} : { checkQuorum: command.checkQuorum }),
            ...(command.unsafe === undefined ? {} : { unsafe: command.unsafe }),
          }),
        )
        break
    }
    if (refusable) announce()
    this.#checkViolations()
  }

  #setLink(from: NodeId, to: NodeId, lossRate: number, delayMs: number): void {
    this.cluster.setLinkFaults(
      {
        dropRate: lossRate,
        duplicateRate: 0,
        delayRate: delayMs > 0 ? 1 : 0,
        delaySpikeMsMax: delayMs,
        reorderJitterMsMax: 0,
      },
      { from, to },
    )
    const key = `${from}>${to}`
    if (lossRate === 0 && delayMs === 0) this.#links.delete(key)
    else this.#links.set(key, { from, to, lossRate, delayMs })
  }

  #client(command: Extract<WorldCommand, { type: 'client' }>): void {
    const via =
      command.via ?? this.cluster.leader() ?? this.cluster.ids.find((id) => this.cluster.isUp(id))!
    const clientSeq = ++this.#clientSeq
    const base = { clientId: 'lab', seq: clientSeq, key: command.key }
    const kv: KvCommand =
      command.op === 'put'
        ? { ...base, op: 'put', value: command.value ?? '' }
        : command.op === 'cas'
          ? { ...base, op: 'cas', expected: command.expected ?? null, value: command.value ?? '' }
          : command.op === 'delete'
            ? { ...base, op: 'delete' }
            : { ...base, op: 'get' }
    const tracked: TrackedClientOp = {
      clientSeq,
      view: {
        id: clientSeq,
        op: command.op,
        key: command.key,
        ...(command.value === undefined ? {} : { value: command.value }),
        via,
        status: 'pending',
        sentAt: this.cluster.now,
      },
    }
    this.#clientOps.push(tracked)
    if (this.#clientOps.length > maxClientsShown) this.#clientOps.shift()
    this.#scheduleClientTimeout(tracked)
    if (command.op === 'get') {
      // A linearizable read through ReadIndex (§6.4): no log entry, a heartbeat round instead.
      const started = this.cluster.read(via, command.key, (outcome) => {
        if (tracked.view.status !== 'pending') return
        if (outcome.ok)
          this.#finishClient(
            tracked,
            'ok',
            outcome.value === null
              ? `absent (read index ${outcome.index})`
              : `"${outcome.value}" (revision ${outcome.revision}, read index ${outcome.index})`,
          )
        else
          this.#finishClient(
            tracked,
            'failed',
            `read refused by ${outcome.node}: ${outcome.reason}`,
          )
      })
      if (!started.ok) this.#finishClient(tracked, 'failed', `${via} is down`)
      else if (tracked.view.status === 'pending')
        this.#emit(() => ({
          type: 'client.sent',
          node: via,
          text: {
            en: `client get ${command.key} at ${via}: a ReadIndex read (§6.4)`,
            zh: `客户端在 ${via} 读取 ${command.key}：ReadIndex 读（§6.4）`,
          },
          data: { client: clientSeq },
        }))
      return
    }
    const result = this.cluster.propose(via, kv)
    if (!result.ok) {
      const reason =
        result.error === 'not-leader' || result.error === 'no-leader'
          ? 'no leader known'
          : result.error
      this.#finishClient(tracked, 'failed', `refused by ${via}: ${reason}`)
      return
    }
    const how =
      result.outcome === 'appended'
        ? {
            en: `${via} appended it at index ${result.index}`,
            zh: `${via} 把它追加在索引 ${result.index}`,
          }
        : {
            en: `${via} forwarded it to leader ${result.leaderId}`,
            zh: `${via} 把它转发给领导人 ${result.leaderId}`,
          }
    this.#emit(() => ({
      type: 'client.sent',
      node: via,
      text: {
        en: `client ${describeCommand(kv)}: ${how.en}`,
        zh: `客户端 ${describeCommand(kv)}：${how.zh}`,
      },
      data: { client: clientSeq },
    }))
  }

  #applied(node: NodeId, command: KvCommand, result: KvResult): void {
    if (command.clientId !== 'lab') return
    const tracked = this.#clientOps.find((op) => op.clientSeq === command.seq)
    if (tracked === undefined || tracked.view.status !== 'pending' || tracked.view.via !== node)
      return
    this.#finishClient(tracked, 'ok', describeResult(result))
  }

  #nodeCrashed(node: NodeId): void {
    this.#targetDown(node)
    for (const op of this.#clientOps)
      if (op.view.status === 'pending' && op.view.via === node)
        this.#finishClient(op, 'indeterminate', `${node} crashed before answering`)
  }

  /** Gives up on a client operation after a while, as a simulator event (so replays agree). */
  #scheduleClientTimeout(op: TrackedClientOp): void {
    this.cluster.schedule(clientTimeoutMs, () => {
      if (op.view.status === 'pending')
        this.#finishClient(op, 'indeterminate', `no answer within ${clientTimeoutMs / 1000} s`)
    })
  }

  #finishClient(op: TrackedClientOp, status: ClientOpView['status'], result: string): void {
    op.view = { ...op.view, status, result, doneAt: this.cluster.now }
    const zhStatus = { ok: '成功', failed: '失败', indeterminate: '结果未知', pending: '等待中' }[
      status
    ]
    this.#emit(() => ({
      type: 'client.done',
      node: op.view.via,
      text: {
        en: `client ${op.view.op} ${op.view.key}: ${status} (${result})`,
        zh: `客户端 ${op.view.op} ${op.view.key}：${zhStatus}（${result}）`,
      },
      data: { client: op.clientSeq, status, result },
    }))
  }

  #setWorkload(writesPerSecond: number, keys: number): void {
    const generation = ++this.#workload.generation
    this.#workload = { ...this.#workload, writesPerSecond, keys, generation }
    if (writesPerSecond <= 0) return
    const intervalMs = Math.max(1, Math.round(1000 / writesPerSecond))
    const write = (): void => {
      if (this.#workload.generation !== generation) return
      const leader = this.cluster.leader()
      if (leader !== undefined) {
        const seq = ++this.#loadSeq
        this.cluster.propose(leader, {
          op: 'put',
          clientId: 'load',
          seq,
          key: `k${seq % keys}`,
          value: `v${seq}`,
        })
        this.#workload.written++
      }
      this.cluster.schedule(intervalMs, write)
    }
    this.cluster.schedule(intervalMs, write)
  }

  // ================================================================== trace

  #emit(make: () => Omit<LabEvent, 'seq' | 'time' | 'step'>): void {
    const seq = ++this.#eventSeq
    this.#visible = true
    const time = this.cluster.now
    const step = this.cluster.steps
    this.#sink(seq, () => ({ seq, time, step, ...make() }))
  }

  /**
   * Wraps the simulator's network to see each message leave, arrive or get lost: the page draws
   * messages in flight from the moment they leave a node. The network's counters tell whether a
   * send was lost (dropped or blocked) or duplicated.
   */
  #watchNetwork(): void {
    const network = this.cluster.network
    const stats = network.stats
    const send = network.send.bind(network)
    network.send = (message: Message): void => {
      const dropped = stats.dropped
      const blocked = stats.blocked
      const duplicated = stats.duplicated
      send(message)
      if (stats.dropped !== dropped) return this.#lostAtSend(message, 'drop')
      if (stats.blocked !== blocked) return this.#lostAtSend(message, 'partition')
      this.#messageSent(message)
      if (stats.duplicated !== duplicated) this.#messageSent(message)
    }
    const admit = network.admit.bind(network)
    network.admit = (message: Message, toIndex: number): boolean => {
      const admitted = admit(message, toIndex)
      if (!admitted) this.#lost(message, 'partition')
      return admitted
    }
  }

  #lostAtSend(message: Message, reason: string): void {
    this.#messageSent(message)
    this.#lost(message, reason)
  }

  #lost(message: Message, reason: string): void {
    const id = this.#idsByMessage.get(message)?.[0]
    if (id !== undefined) {
      this.#forget(message, id)
      const tracked = this.#inFlight.get(id)
      if (tracked !== undefined) this.#markLost(id, tracked, this.cluster.now, reason)
    }
    this.#visible = true
    if (isNotableLoss(message, reason)) {
      const text = narrateLoss(message, reason)
      this.#emit(() => ({
        type: 'network.lost',
        node: message.to,
        text,
        data: { message: summarizeMessage(message), from: message.from, reason },
      }))
    }
  }

  #markLost(id: number, tracked: TrackedMessage, at: number, reason: string): void {
    tracked.lostAt = at
    tracked.lossReason = reason
    this.#lostIds.add(id)
  }

  /**
   * A node went down: what is on its way to it will be lost on arrival (the core never sees
   * it). Shown as lost from its expected arrival on. Decided here, when the crash happens, so
   * the picture depends only on the run, never on how often it is looked at.
   */
  #targetDown(node: NodeId): void {
    for (const [id, tracked] of this.#inFlight)
      if (tracked.view.to === node && tracked.lostAt === undefined)
        this.#markLost(id, tracked, Math.max(this.cluster.now, tracked.view.deliverAt), 'node-down')
  }

  /** A fault, told with what the simulator reports about it (a crash's torn write, say). */
  #fault(run: () => void): void {
    const records: TraceRecord[] = []
    const stop = this.cluster.onTrace((record) => {
      if (record.type !== 'raft') records.push(record)
    })
    try {
      run()
    } finally {
      stop()
    }
    for (const record of records) {
      const text = narrateTrace(record)
      if (text === undefined) continue
      const node = 'node' in record ? record.node : undefined
      this.#emit(() => ({
        type: `fault.${record.type}`,
        ...(node === undefined ? {} : { node }),
        text,
        data: record.type === 'crash' ? { write: record.write } : {},
      }))
    }
  }

  #onRaftEvent(event: RaftEvent): void {
    if (event.type === 'message-received') {
      const ids = this.#idsByMessage.get(event.message)
      const id = ids?.[0]
      if (id !== undefined) {
        this.#forget(event.message, id)
        this.#inFlight.delete(id)
      }
      this.#visible = true
      return
    }
    if (event.type === 'message-sent' || event.type === 'applied') return
    if (event.type === 'role-changed' || event.type === 'term-changed') this.#updateTerms(event)
    const text = narrateRaft(event)
    if (text === undefined) return
    const rule = 'rule' in event ? event.rule : undefined
    this.#emit(() => ({
      type: `raft.${event.type}`,
      node: event.node,
      text,
      ...(rule === undefined ? {} : { rule: translateRule(rule) }),
      data: eventData(event),
    }))
  }

  #updateTerms(event: Extract<RaftEvent, { type: 'role-changed' | 'term-changed' }>): void {
    const current = this.#terms[this.#terms.length - 1]!
    const term = event.type === 'role-changed' ? event.term : event.to
    const now = this.cluster.now
    if (term > current.term) {
      this.#terms[this.#terms.length - 1] = { ...current, to: now }
      this.#terms.push({ term, from: now })
      if (this.#terms.length > maxTermSpans) this.#terms = this.#terms.slice(-maxTermSpans)
    }
    if (event.type === 'role-changed' && event.to === 'leader') {
      const last = this.#terms[this.#terms.length - 1]!
      if (last.term === event.term)
        this.#terms[this.#terms.length - 1] = { ...last, leader: event.node }
    }
  }

  #messageSent(message: Message): void {
    const id = ++this.#messageIds
    const ids = this.#idsByMessage.get(message)
    if (ids === undefined) this.#idsByMessage.set(message, [id])
    else ids.push(id)
    const link = this.#links.get(`${message.from}>${message.to}`)
    const tracked: TrackedMessage = {
      message,
      view: {
        id,
        type: message.type,
        from: message.from,
        to: message.to,
        term: message.term,
        sentAt: this.cluster.now,
        deliverAt: this.cluster.now + this.#latencyMax + (link?.delayMs ?? 0),
        ...(message.type === 'RequestVote' || message.type === 'RequestVoteReply'
          ? { preVote: message.preVote }
          : {}),
      },
    }
    this.#inFlight.set(id, tracked)
    if (this.cluster.allIds.includes(message.to) && !this.cluster.isUp(message.to))
      this.#markLost(id, tracked, tracked.view.deliverAt, 'node-down')
  }

  #forget(message: Message, id: number): void {
    const ids = this.#idsByMessage.get(message)
    if (ids === undefined) return
    const at = ids.indexOf(id)
    if (at >= 0) ids.splice(at, 1)
    if (ids.length === 0) this.#idsByMessage.delete(message)
  }

  #checkViolations(): void {
    const violations = this.cluster.violations
    while (this.#violationsSeen < violations.length) {
      const violation = violations[this.#violationsSeen++]!
      const text = narrateViolation(violation)
      this.#emit(() => ({
        type: 'violation',
        text,
        data: { kind: violation.kind, message: violation.message },
      }))
      this.#violationSeqs.push(this.#eventSeq)
    }
  }

  readonly #violationSeqs: number[] = []

  // ================================================================== views

  /** What the page draws of each node; `logTail` bounds the entries shown (Infinity: all). */
  nodes(logTail: number): NodeView[] {
    return this.cluster.allIds.map((id) => this.node(id, logTail))
  }

  node(id: NodeId, logTail: number): NodeView {
    const cluster = this.cluster
    const persisted = cluster.persisted(id)
    const status = cluster.status(id)
    const snapshotIndex = persisted.snapshot?.meta.index ?? 0
    const entries = persisted.entries
    const from = Math.max(0, entries.length - logTail)
    const log = entries.slice(from).map((entry) => this.#entryView(entry))
    const logFrom = snapshotIndex + from + 1
    if (status === undefined) {
      const config = persisted.snapshot?.meta.config
      const lastConfig = [...entries].reverse().find((entry) => entry.kind === 'config')
      const voters =
        lastConfig?.kind === 'config' ? lastConfig.config.voters : (config?.voters ?? cluster.ids)
      return {
        id,
        up: false,
        role: 'follower',
        term: persisted.hardState.term,
        ...(persisted.hardState.vote === undefined ? {} : { votedFor: persisted.hardState.vote }),
        voter: voters.includes(id) && !cluster.isRetired(id),
        member: voters.includes(id) && !cluster.isRetired(id),
        ...(cluster.isRetired(id) ? { retired: true } : {}),
        electionElapsedMs: 0,
        electionTimeoutMs: 0,
        commitIndex: persisted.hardState.commit,
        appliedIndex: cluster.appliedIndex(id),
        snapshotIndex,
        lastIndex: snapshotIndex + entries.length,
        log,
        logFrom,
        kv: {},
      }
    }
    const kv: Record<string, string> = {}
    for (const item of cluster.stateMachine(id)?.list('', 200) ?? []) kv[item.key] = item.value
    const progress =
      status.progress === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(status.progress).map(([peer, p]) => [
              peer,
              { match: p.matchIndex, next: p.nextIndex, state: p.state },
            ]),
          )
    return {
      id,
      up: true,
      role: status.role,
      term: status.term,
      ...(status.vote === undefined ? {} : { votedFor: status.vote }),
      ...(status.leaderId === undefined ? {} : { leaderId: status.leaderId }),
      voter: status.config.voters.includes(id),
      member: status.config.voters.includes(id) || status.config.learners.includes(id),
      electionElapsedMs: status.electionElapsedTicks * labTickMs,
      electionTimeoutMs: status.electionTimeoutTicks * labTickMs,
      commitIndex: status.commitIndex,
      appliedIndex: status.appliedIndex,
      snapshotIndex: status.snapshotIndex,
      lastIndex: status.lastIndex,
      log,
      logFrom,
      kv,
      ...(progress === undefined ? {} : { progress }),
    }
  }

  #entryView(entry: Entry): LogEntryView {
    switch (entry.kind) {
      case 'noop':
        return { index: entry.index, term: entry.term, kind: 'noop', text: 'noop' }
      case 'config':
        return {
          index: entry.index,
          term: entry.term,
          kind: 'config',
          text: `config voters=(${entry.config.voters.join(',')}) learners=(${entry.config.learners.join(',')})`,
        }
      case 'command': {
        const command = this.cluster.decode(entry.data)
        return {
          index: entry.index,
          term: entry.term,
          kind: 'command',
          text: command === undefined ? `${entry.data.byteLength} bytes` : describeCommand(command),
        }
      }
    }
  }

  /** Lets go of lost messages that are no longer shown (nor ever will be). */
  #pruneLost(): void {
    const now = this.cluster.now
    for (const id of this.#lostIds) {
      const tracked = this.#inFlight.get(id)
      if (tracked === undefined || now - tracked.lostAt! > droppedVisibleMs) {
        if (tracked !== undefined) this.#forget(tracked.message, id)
        this.#inFlight.delete(id)
        this.#lostIds.delete(id)
      }
    }
  }

  /** Messages on the wire now, and those lost in the last moments (a pure view of the run). */
  inFlight(): MessageView[] {
    const now = this.cluster.now
    const views: MessageView[] = []
    for (const tracked of this.#inFlight.values()) {
      const lost = tracked.lostAt !== undefined && tracked.lostAt <= now
      if (lost && now - tracked.lostAt! > droppedVisibleMs) continue
      if (tracked.view.summary === undefined)
        tracked.view = { ...tracked.view, summary: summarizeMessage(tracked.message) }
      const view = tracked.view as MessageView
      views.push(
        lost
          ? { ...view, deliverAt: tracked.lostAt!, dropped: true, dropReason: tracked.lossReason! }
          : view,
      )
    }
    return views.length > maxInFlightShown ? views.slice(-maxInFlightShown) : views
  }

  network(): {
    groups: NodeId[][] | null
    cuts: { from: NodeId; to: NodeId }[]
    links: LinkView[]
  } {
    return {
      groups: this.#groups,
      cuts: this.cluster.network.blockedLinks().map(([from, to]) => ({ from, to })),
      links: [...this.#links.values()],
    }
  }

  terms(): readonly TermSpan[] {
    return this.#terms
  }

  clients(): ClientOpView[] {
    return this.#clientOps.map((op) => op.view)
  }

  violations(): { kind: string; message: string; time: number; eventSeq: number }[] {
    return this.cluster.violations.map((violation, i) => ({
      kind: violation.kind,
      message: violation.message,
      time: violation.time,
      eventSeq: this.#violationSeqs[i] ?? 0,
    }))
  }

  /** Emits a free-standing line (a guided scenario's narration). */
  note(type: string, text: Bilingual, data: Record<string, unknown> = {}): void {
    this.#emit(() => ({ type, text, data }))
  }
}

/** Turns the cluster's refusal (which changed nothing) into the command's error. */
function refuseUnless(
  result: { readonly ok: boolean; readonly error?: string },
  code = 'bad_request',
): void {
  if (!result.ok)
    throw new CommandRefused(code, `the cluster refused: ${result.error ?? 'no reason given'}`)
}

function describeResult(result: KvResult): string {
  switch (result.op) {
    case 'put':
      return `revision ${result.revision}`
    case 'get':
      return result.value === null ? 'absent' : `"${result.value}" (revision ${result.revision})`
    case 'delete':
      return result.existed ? `deleted at revision ${result.revision}` : 'was absent'
    case 'cas':
      return result.swapped
        ? `swapped at revision ${result.revision}`
        : `not swapped: current is ${result.current === null ? 'absent' : `"${result.current}"`}`
    case 'rejected':
      return `rejected: ${result.message}`
  }
}

/** The JSON-safe fields of a core event, for `LabEvent.data` (messages as one-line summaries). */
function eventData(event: RaftEvent): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(event)) {
    if (key === 'type' || key === 'node' || key === 'rule') continue
    if (key === 'message') data['message'] = summarizeMessage(value as Message)
    else if (value !== undefined) data[key] = value
  }
  return data
}
