import type { KvCommand, KvResult } from '@raftkit/kv'
import type { NodeId } from '@raftkit/raft'
import { assert } from './assert.js'
import type { KvInput, KvOutput, Operation } from './checker/index.js'
import type { PRNG } from './prng.js'
import type { ClusterProposeResult, ClusterReadOutcome, SimCluster } from './sim-cluster.js'

export interface WorkloadOptions {
  /** Concurrent closed-loop clients. */
  readonly clients: number
  /** Keys k0..k(n-1): few keys, so that operations contend. */
  readonly keys: number
  /**
   * Every this many virtual ms the clients move on to a fresh set of keys (k0@1, k1@1, ...).
   * The checker verifies each key on its own, so this bounds the history it must search per key
   * however long the run, while keeping contention within each period. 0 keeps one set.
   */
  readonly keyPeriodMs: number
  /** A client gives up on an operation after this long; the outcome is then unknown. */
  readonly opTimeoutMs: number
  /** A client pauses 0..this long between operations. */
  readonly thinkMsMax: number
  /** A final operation (see `drain`) is re-sent this often until it completes. */
  readonly resendMs: number
  /**
   * The share of writes a client retries, with the same sequence number, when it times out or
   * its node crashes, instead of giving up at once: the session table must apply them once
   * (thesis §6.3).
   */
  readonly retriedWritesFraction: number
  /** How many times such a write is re-sent before the client gives up on it. */
  readonly writeRetriesMax: number
  /** The share of reads sent to a random node rather than the believed leader (follower ReadIndex). */
  readonly followerReadsFraction: number
}

export const defaultWorkloadOptions: WorkloadOptions = {
  clients: 3,
  keys: 5,
  keyPeriodMs: 5_000,
  opTimeoutMs: 400,
  thinkMsMax: 5,
  resendMs: 100,
  retriedWritesFraction: 0.5,
  writeRetriesMax: 2,
  followerReadsFraction: 0.5,
}

export interface ClientOpCounts {
  /** Operations that returned a result. */
  ok: number
  /** Operations that certainly never took effect (every node refused them or was down). */
  failed: number
  /** Operations whose outcome the client never learned (a timeout, a crash of its node). */
  indeterminate: number
  /** Writes re-sent with the same sequence number after a timeout or a crash. */
  retried: number
}

/** A history record the workload fills in as the operation completes. */
interface OpRecord {
  readonly clientId: number
  readonly input: KvInput
  readonly call: number
  return: number | undefined
  output: KvOutput | undefined
  /** Certainly not applied: left out of the history. */
  failed: boolean
}

interface PendingOp {
  readonly record: OpRecord
  readonly command: KvCommand
  /** Appended or forwarded at least once: it may take effect. */
  sent: boolean
  /** The node whose state machine will answer (the node the client last asked). */
  waitingOn: NodeId | undefined
  /** A final operation: retried until it completes, never timed out. */
  readonly final: boolean
  /** Re-sends left for a write that is retried on timeout or crash. */
  retriesLeft: number
  /** Bumped by each read attempt, so the answer to an abandoned attempt is ignored. */
  readAttempt: number
}

interface Client {
  readonly number: number
  readonly id: string
  seq: number
  believedLeader: NodeId
  op: PendingOp | undefined
  /** Values this client last saw per key, for compare-and-set guesses. */
  readonly seen: Map<string, string | null>
  finalDone: boolean
}

/**
 * The client side of the simulation: closed-loop clients issuing put, get, delete and
 * compare-and-set on a few keys, each with one operation outstanding, recording what they saw
 * as a history for the linearizability checker.
 *
 * Writes (put, delete, cas) go through the log. A client sends one to the node it believes is
 * the leader. A refusal that names a leader (`not-leader`) is retried there: nothing was
 * appended, so a retry is safe. Once a node takes the command (appended, or forwarded to the
 * leader), the client waits for that node to apply it and reads the answer from that node's
 * state machine, matched by (clientId, seq). If the node crashes, or the operation times out, the
 * outcome is unknown: it may still take effect later, which the checker allows for. Some writes
 * are then re-sent, with the same sequence number, to another node (the session table answers a
 * copy that already took effect without applying it again, thesis §6.3); the others are given
 * up and the client moves on to a new operation at another node.
 *
 * Reads (get) do not write to the log: they go through ReadIndex (§6.4), half of them at the
 * believed leader and half at a random node, which asks the leader for the read index. A read
 * that fails is simply tried again elsewhere (it has no effect), until the operation times out.
 *
 * `drain()` ends the run's workload: each client finishes with one write that it re-sends (same
 * sequence number, so the session table keeps it exactly-once) until it completes. In a healed
 * cluster those writes must all complete; that is the liveness check.
 */
export class Workload {
  readonly counts: ClientOpCounts = { ok: 0, failed: 0, indeterminate: 0, retried: 0 }
  readonly #cluster: SimCluster
  readonly #random: PRNG
  readonly #options: WorkloadOptions
  readonly #clients: Client[]
  readonly #byId = new Map<string, Client>()
  readonly #records: OpRecord[] = []
  #draining = false
  /** For `#stamp`: the virtual ms of the last stamp and how many stamps it has had. */
  #stampMs = -1
  #stampsInMs = 0

  constructor(cluster: SimCluster, random: PRNG, options: Partial<WorkloadOptions> = {}) {
    this.#cluster = cluster
    this.#random = random
    this.#options = { ...defaultWorkloadOptions, ...options }
    assert(this.#options.clients >= 1, 'at least one client')
    this.#clients = Array.from({ length: this.#options.clients }, (_, i) => ({
      number: i + 1,
      id: `c${i + 1}`,
      seq: 0,
      believedLeader: random.pick(cluster.ids),
      op: undefined,
      seen: new Map(),
      finalDone: false,
    }))
    for (const client of this.#clients) this.#byId.set(client.id, client)
    cluster.observe({
      commandApplied: (node, _index, command, result) => this.#applied(node, command, result),
      nodeCrashed: (node) => this.#nodeCrashed(node),
    })
  }

  /** Starts every client, each after a short random delay. */
  start(): void {
    for (const client of this.#clients) {
      this.#cluster.schedule(this.#random.nextInt(this.#options.thinkMsMax + 1), () =>
        this.#startOp(client),
      )
    }
  }

  /** Switches the clients to their final write (see the class comment). */
  drain(): void {
    this.#draining = true
    for (const client of this.#clients) if (client.op === undefined) this.#startOp(client)
  }

  /** True when every client's final write has completed. */
  get drained(): boolean {
    return this.#draining && this.#clients.every((client) => client.finalDone)
  }

  /** Clients still waiting for an operation, described for a liveness report. */
  pending(): string[] {
    const pending: string[] = []
    for (const client of this.#clients) {
      const op = client.op
      if (op === undefined) continue
      pending.push(
        `${client.id} seq ${op.command.seq} (${op.final ? 'final ' : ''}${op.command.op} ` +
          `${op.command.key}, called at ${op.record.call} ms)`,
      )
    }
    return pending
  }

  /** The history so far, in call order; operations still pending are indeterminate. */
  history(): Operation<KvInput, KvOutput>[] {
    const history: Operation<KvInput, KvOutput>[] = []
    for (const record of this.#records) {
      if (record.failed) continue
      history.push({
        clientId: record.clientId,
        input: record.input,
        call: record.call,
        return: record.return,
        output: record.output,
      })
    }
    return history
  }

  // ------------------------------------------------------------------ operation lifecycle

  /**
   * The time of a call or a return for the history: the virtual ms, plus a fraction that orders
   * the events within one ms as they happened. Many things happen in one virtual ms (a read can
   * be called and answered, and a write applied, in the same step), and the checker must not
   * have to guess their order: with ties it would assume returns came before calls.
   */
  #stamp(): number {
    const now = this.#cluster.now
    if (now !== this.#stampMs) {
      this.#stampMs = now
      this.#stampsInMs = 0
    }
    this.#stampsInMs++
    assert(this.#stampsInMs < stampsPerMsMax, () => `more than ${stampsPerMsMax} stamps in one ms`)
    return now + this.#stampsInMs / stampsPerMsMax
  }

  #startOp(client: Client): void {
    if (client.op !== undefined) return
    if (this.#draining && client.finalDone) return
    const final = this.#draining
    const command = final ? this.#finalCommand(client) : this.#nextCommand(client)
    const record: OpRecord = {
      clientId: client.number,
      input: inputOf(command),
      call: this.#stamp(),
      return: undefined,
      output: undefined,
      failed: false,
    }
    this.#records.push(record)
    const retried = command.op !== 'get' && this.#random.chance(this.#options.retriedWritesFraction)
    const op: PendingOp = {
      record,
      command,
      sent: false,
      waitingOn: undefined,
      final,
      retriesLeft: retried ? this.#options.writeRetriesMax : 0,
      readAttempt: 0,
    }
    client.op = op
    if (final) this.#scheduleResend(client, op)
    else this.#scheduleTimeout(client, op)
    const reader = command.op === 'get' && this.#random.chance(this.#options.followerReadsFraction)
    this.#attempt(client, op, reader ? this.#anyNode() : client.believedLeader)
  }

  #scheduleTimeout(client: Client, op: PendingOp): void {
    this.#cluster.schedule(this.#options.opTimeoutMs, () => this.#timedOut(client, op))
  }

  #attempt(client: Client, op: PendingOp, node: NodeId): void {
    if (client.op !== op) return
    if (op.command.op === 'get') {
      this.#attemptRead(client, op, node)
      return
    }
    const result = this.#cluster.propose(node, op.command)
    this.#traceAttempt(client, op, node, result)
    if (result.ok) {
      op.sent = true
      op.waitingOn = node
      client.believedLeader = result.outcome === 'forwarded' ? result.leaderId : node
      return
    }
    if (
      result.error === 'not-leader' &&
      result.leaderId !== undefined &&
      result.leaderId !== node
    ) {
      // Nothing was appended anywhere: retrying at the named leader is safe.
      client.believedLeader = result.leaderId
      this.#cluster.schedule(1, () => this.#attempt(client, op, client.believedLeader))
      return
    }
    // No leader known here, or the node is down or busy: back off and try another node.
    client.believedLeader = this.#otherNode(node)
    this.#cluster.schedule(10 + this.#random.nextInt(21), () => {
      if (op.waitingOn === undefined) this.#attempt(client, op, client.believedLeader)
    })
  }

  /** One ReadIndex attempt at `node`; a failed one is tried again elsewhere. */
  #attemptRead(client: Client, op: PendingOp, node: NodeId): void {
    const attempt = ++op.readAttempt
    op.sent = true
    op.waitingOn = node
    const started = this.#cluster.read(node, op.command.key, (outcome) => {
      if (client.op === op && op.readAttempt === attempt) this.#readOutcome(client, op, outcome)
    })
    this.#traceAttempt(client, op, node, started.ok ? 'read-index' : started.error)
    if (!started.ok) this.#retryRead(client, op, node, undefined)
  }

  #readOutcome(client: Client, op: PendingOp, outcome: ClusterReadOutcome): void {
    if (!outcome.ok) {
      this.#retryRead(client, op, outcome.node, outcome.leaderId)
      return
    }
    const result: KvResult = { op: 'get', value: outcome.value, revision: outcome.revision }
    op.record.return = this.#stamp()
    op.record.output = { op: 'get', value: outcome.value }
    this.#learn(client, op.command, op.record.output)
    client.believedLeader = this.#cluster.leader() ?? client.believedLeader
    this.#finish(client, op, 'ok', result, `read at ${outcome.node} (read index ${outcome.index})`)
  }

  #retryRead(client: Client, op: PendingOp, node: NodeId, leaderId: NodeId | undefined): void {
    op.waitingOn = undefined
    const attempt = op.readAttempt
    const next = leaderId !== undefined && leaderId !== node ? leaderId : this.#otherNode(node)
    const delay = next === leaderId ? 1 : 10 + this.#random.nextInt(21)
    this.#cluster.schedule(delay, () => {
      if (client.op === op && op.readAttempt === attempt) this.#attempt(client, op, next)
    })
  }

  #applied(node: NodeId, command: KvCommand, result: KvResult): void {
    const client = this.#byId.get(command.clientId)
    const op = client?.op
    if (client === undefined || op === undefined) return
    if (op.command.seq !== command.seq || op.waitingOn !== node) return
    const output = outputOf(result)
    if (output === undefined) {
      // Rejected as a stale copy: cannot happen for the latest seq, so the outcome is unknown.
      this.#finish(client, op, 'indeterminate', undefined, `rejected: ${result.op}`)
      return
    }
    op.record.return = this.#stamp()
    op.record.output = output
    this.#learn(client, command, output)
    this.#finish(client, op, 'ok', result, `applied at ${node}`)
  }

  #nodeCrashed(node: NodeId): void {
    for (const client of this.#clients) {
      const op = client.op
      // A read in flight there fails through the cluster (reason `down`) and is retried.
      if (op === undefined || op.waitingOn !== node || op.command.op === 'get') continue
      client.believedLeader = this.#otherNode(node)
      if (op.final) {
        op.waitingOn = undefined
        this.#cluster.schedule(1, () => this.#attempt(client, op, client.believedLeader))
      } else if (op.retriesLeft > 0) {
        this.#retryWrite(client, op)
      } else {
        this.#finish(client, op, 'indeterminate', undefined, `${node} crashed`)
      }
    }
  }

  /** Re-sends a write with its sequence number unchanged: it may have taken effect already. */
  #retryWrite(client: Client, op: PendingOp): void {
    op.retriesLeft--
    op.waitingOn = undefined
    this.counts.retried++
    const target = this.#cluster.leader() ?? client.believedLeader
    this.#cluster.schedule(1, () => this.#attempt(client, op, target))
  }

  #timedOut(client: Client, op: PendingOp): void {
    if (client.op !== op) return
    client.believedLeader = this.#otherNode(op.waitingOn ?? client.believedLeader)
    if (op.sent && op.retriesLeft > 0) {
      this.#retryWrite(client, op)
      this.#scheduleTimeout(client, op)
    } else if (op.sent) this.#finish(client, op, 'indeterminate', undefined, 'timed out')
    else {
      op.record.failed = true
      this.#finish(client, op, 'failed', undefined, 'refused everywhere until the timeout')
    }
  }

  #scheduleResend(client: Client, op: PendingOp): void {
    this.#cluster.schedule(this.#options.resendMs, () => {
      if (client.op !== op) return
      // Re-send with the same seq: the session table answers it once, however many copies land.
      const target = this.#cluster.leader() ?? client.believedLeader
      op.waitingOn = undefined
      this.#attempt(client, op, target)
      this.#scheduleResend(client, op)
    })
  }

  #finish(
    client: Client,
    op: PendingOp,
    outcome: 'ok' | 'failed' | 'indeterminate',
    result: KvResult | undefined,
    reason: string,
  ): void {
    assert(client.op === op, () => `${client.id}: finishing an operation that is not current`)
    client.op = undefined
    this.#counts(outcome)
    if (this.#cluster.tracing) {
      this.#cluster.trace({
        type: 'op-result',
        client: client.number,
        seq: op.command.seq,
        outcome,
        result,
        reason,
      })
    }
    if (op.final) {
      if (outcome === 'ok') client.finalDone = true
      else this.#cluster.schedule(1, () => this.#startOp(client))
      return
    }
    this.#cluster.schedule(this.#random.nextInt(this.#options.thinkMsMax + 1), () =>
      this.#startOp(client),
    )
  }

  #counts(outcome: 'ok' | 'failed' | 'indeterminate'): void {
    this.counts[outcome]++
  }

  // ------------------------------------------------------------------ commands

  #nextCommand(client: Client): KvCommand {
    const random = this.#random
    const seq = ++client.seq
    const key = this.#key(random.nextInt(this.#options.keys))
    const value = `${client.id}.${seq}`
    const roll = random.nextInt(100)
    if (roll < 35) return { op: 'put', clientId: client.id, seq, key, value }
    if (roll < 65) return { op: 'get', clientId: client.id, seq, key }
    if (roll < 80) return { op: 'delete', clientId: client.id, seq, key }
    // Guess the current value from what this client saw last, so that some swaps succeed.
    const expected = random.chance(0.25) ? null : (client.seen.get(key) ?? null)
    return { op: 'cas', clientId: client.id, seq, key, expected, value }
  }

  #finalCommand(client: Client): KvCommand {
    const seq = ++client.seq
    const key = this.#key((client.number - 1) % this.#options.keys)
    return { op: 'put', clientId: client.id, seq, key, value: `${client.id}.${seq}.final` }
  }

  #key(index: number): string {
    const period = this.#options.keyPeriodMs
    return period > 0 ? `k${index}@${Math.floor(this.#cluster.now / period)}` : `k${index}`
  }

  #learn(client: Client, command: KvCommand, output: KvOutput): void {
    switch (output.op) {
      case 'put':
        if (command.op === 'put') client.seen.set(command.key, command.value)
        break
      case 'get':
        client.seen.set(command.key, output.value)
        break
      case 'delete':
        client.seen.set(command.key, null)
        break
      case 'cas':
        if (output.swapped && command.op === 'cas') client.seen.set(command.key, command.value)
        break
    }
  }

  /** Another node the cluster hosts (members come and go), or `node` if it is the only one. */
  #otherNode(node: NodeId): NodeId {
    const others = this.#cluster.ids.filter((id) => id !== node)
    return others.length === 0 ? node : this.#random.pick(others)
  }

  #anyNode(): NodeId {
    return this.#random.pick(this.#cluster.ids)
  }

  #traceAttempt(
    client: Client,
    op: PendingOp,
    node: NodeId,
    result: ClusterProposeResult | string,
  ): void {
    if (!this.#cluster.tracing) return
    const outcome = typeof result === 'string' ? result : result.ok ? result.outcome : result.error
    this.#cluster.trace({
      type: 'client-op',
      client: client.number,
      node,
      command: op.command,
      outcome,
    })
  }
}

/** A power of two, so that stamps are exact binary fractions. */
const stampsPerMsMax = 4096

function inputOf(command: KvCommand): KvInput {
  switch (command.op) {
    case 'put':
      return { op: 'put', key: command.key, value: command.value }
    case 'get':
      return { op: 'get', key: command.key }
    case 'delete':
      return { op: 'delete', key: command.key }
    case 'cas':
      return { op: 'cas', key: command.key, expected: command.expected, value: command.value }
  }
}

/** The checker's view of a result; undefined for a rejection (which has no model output). */
function outputOf(result: KvResult): KvOutput | undefined {
  switch (result.op) {
    case 'put':
      return { op: 'put' }
    case 'get':
      return { op: 'get', value: result.value }
    case 'delete':
      return { op: 'delete', existed: result.existed }
    case 'cas':
      return { op: 'cas', swapped: result.swapped }
    case 'rejected':
      return undefined
  }
}
