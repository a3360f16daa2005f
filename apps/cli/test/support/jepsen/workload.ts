import type { KvInput, KvOutput } from '@raftkit/sim'
import { kvPath, tryHttp, type HttpReply } from '../http.js'
import type { ProcessCluster } from '../process-cluster.js'
import type { Rng } from '../random.js'
import { sleep } from '../wait.js'
import type { History } from './history.js'

export interface WorkloadOptions {
  readonly clients: number
  readonly keys: readonly string[]
  /** Client-side timeout of one request; past it the outcome is unknown. */
  readonly requestTimeoutMs: number
}

/**
 * A reply the client can act on; a certain failure (the request was never sent, or the node
 * refused it before proposing anything); or why the client cannot know what happened.
 */
type Outcome =
  { readonly output: KvOutput } | { readonly failed: string } | { readonly unknown: string }

/**
 * One of the register clients: it reads, writes and compare-and-sets a few shared keys, one
 * request at a time, each on a node picked at random (any node: followers forward writes and
 * serve linearizable reads through ReadIndex). Writes carry the client's id and a fresh sequence
 * number, as a real client's would, and every value written is unique, so a read tells exactly
 * which write it saw.
 *
 * It never retries: an operation whose answer did not come (a timeout, a dropped connection, a
 * 5xx) is recorded as indeterminate and the client moves on with the next sequence number.
 */
export class RegisterClient {
  readonly #id: number
  readonly #name: string
  readonly #cluster: ProcessCluster
  readonly #history: History
  readonly #options: WorkloadOptions
  readonly #rng: Rng
  #seq = 0
  #writes = 0
  /** Values this client saw or wrote recently, per key: candidates for a CAS's `expected`. */
  readonly #seen = new Map<string, (string | null)[]>()

  constructor(
    id: number,
    cluster: ProcessCluster,
    history: History,
    options: WorkloadOptions,
    rng: Rng,
  ) {
    this.#id = id
    this.#name = `jepsen-c${id}`
    this.#cluster = cluster
    this.#history = history
    this.#options = options
    this.#rng = rng
  }

  /** Runs operations until `shouldStop()`. */
  async run(shouldStop: () => boolean): Promise<void> {
    while (!shouldStop()) {
      const key = this.#rng.pick(this.#options.keys)
      const roll = this.#rng.next()
      const input: KvInput =
        roll < 0.4
          ? { op: 'get', key }
          : roll < 0.75
            ? { op: 'put', key, value: this.#nextValue() }
            : { op: 'cas', key, expected: this.#expectedFor(key), value: this.#nextValue() }
      const node = this.#pickNode()
      if (node === undefined) {
        await sleep(20)
        continue
      }
      await this.perform(input, node)
    }
  }

  /** Sends one operation to `node` and records it in the history. */
  async perform(input: KvInput, node: string): Promise<void> {
    const call = this.#history.now()
    const outcome = await this.#send(input, node)
    if ('failed' in outcome) {
      // It never took effect, so it is not part of the history; only the failure is counted.
      this.#history.failed(outcome.failed)
      await sleep(10 + this.#rng.int(0, 40))
    } else if ('output' in outcome) {
      this.#history.record({
        clientId: this.#id,
        input,
        call,
        return: this.#history.now(),
        output: outcome.output,
        node,
      })
      this.#remember(input, outcome.output)
    } else {
      this.#history.record({
        clientId: this.#id,
        input,
        call,
        return: undefined,
        output: undefined,
        node,
        indeterminate: outcome.unknown,
      })
      // Give a struggling cluster a moment instead of hammering it.
      await sleep(10 + this.#rng.int(0, 40))
    }
  }

  #pickNode(): string | undefined {
    const running = this.#cluster.running
    return running.length === 0 ? undefined : this.#rng.pick(running).id
  }

  #nextValue(): string {
    return `c${this.#id}-${++this.#writes}`
  }

  #expectedFor(key: string): string | null {
    const seen = this.#seen.get(key) ?? []
    return seen.length === 0 ? null : this.#rng.pick(seen)
  }

  #remember(input: KvInput, output: KvOutput): void {
    const value =
      output.op === 'get'
        ? output.value
        : input.op === 'put' || (input.op === 'cas' && output.op === 'cas' && output.swapped)
          ? input.value
          : undefined
    if (value === undefined) return
    const seen = this.#seen.get(input.key) ?? []
    seen.push(value)
    if (seen.length > 4) seen.shift()
    this.#seen.set(input.key, seen)
  }

  async #send(input: KvInput, node: string): Promise<Outcome> {
    const url = this.#cluster.url(node)
    const options = { timeoutMs: this.#options.requestTimeoutMs }
    const session = () => ({
      headers: { 'x-raftkit-client-id': this.#name, 'x-raftkit-seq': String(++this.#seq) },
      ...options,
    })
    switch (input.op) {
      case 'get': {
        const reply = await tryHttp(url, 'GET', kvPath(input.key), undefined, options)
        if (reply.status === 200)
          return { output: { op: 'get', value: (reply as HttpReply).json.value as string } }
        if (reply.status === 404 && (reply as HttpReply).json?.error?.code === 'not_found')
          return { output: { op: 'get', value: null } }
        return unknown(reply)
      }
      case 'put': {
        const reply = await tryHttp(
          url,
          'PUT',
          kvPath(input.key),
          { value: input.value },
          session(),
        )
        if (reply.status === 200) return { output: { op: 'put' } }
        return unknown(reply)
      }
      case 'cas': {
        const reply = await tryHttp(
          url,
          'POST',
          `${kvPath(input.key)}/cas`,
          { expected: input.expected, value: input.value },
          session(),
        )
        if (reply.status === 200 && (reply as HttpReply).json?.swapped === true)
          return { output: { op: 'cas', swapped: true } }
        if (reply.status === 409 && (reply as HttpReply).json?.swapped === false)
          return { output: { op: 'cas', swapped: false } }
        return unknown(reply)
      }
      case 'delete':
        throw new Error('the register workload does not delete')
    }
  }
}

function unknown(reply: HttpReply | { status: 'error'; error: string }): Outcome {
  if (reply.status === 400 || reply.status === 413 || reply.status === 415) {
    // The request itself was wrong: a bug in this client or the API, never a fault.
    throw new Error(
      `the node refused a well-formed request: ${reply.status} ${(reply as HttpReply).text}`,
    )
  }
  if ('error' in reply) {
    // Refused connections never carried the request.
    if (reply.error.endsWith('ECONNREFUSED')) return { failed: 'connection refused' }
    return { unknown: reply.error }
  }
  // `no_leader`: the node that answered (the one asked, or the leader a follower forwarded to)
  // refused to propose, so nothing reached a log. Every other 5xx may hide an entry in a log.
  if (reply.status === 503 && reply.json?.error?.code === 'no_leader')
    return { failed: 'no_leader' }
  return {
    unknown: `${reply.status} ${(reply.json?.error?.code as string | undefined) ?? reply.text.slice(0, 80)}`,
  }
}

/**
 * The ledger client: writes unique keys one at a time, each retried (same client id and
 * sequence number, so it applies once) until acknowledged, and remembers every acknowledgement.
 * At the end every acknowledged key must be on every node: nothing acknowledged is lost.
 */
export class LedgerClient {
  readonly acked = new Map<string, string>()
  readonly #cluster: ProcessCluster
  readonly #rng: Rng
  readonly #timeoutMs: number
  #seq = 0

  constructor(cluster: ProcessCluster, rng: Rng, timeoutMs: number) {
    this.#cluster = cluster
    this.#rng = rng
    this.#timeoutMs = timeoutMs
  }

  async run(shouldStop: () => boolean): Promise<void> {
    for (let n = 0; !shouldStop(); n++) {
      const key = `ledger/${String(n).padStart(6, '0')}`
      const value = `entry-${n}`
      const seq = ++this.#seq
      for (let attempt = 0; ; attempt++) {
        // Once the run is over, a write still unacknowledged stays unacknowledged.
        if (shouldStop() && attempt > 0) return
        const running = this.#cluster.running
        if (running.length === 0) {
          await sleep(20)
          continue
        }
        const node = this.#rng.pick(running)
        const reply = await tryHttp(
          node.clientUrl,
          'PUT',
          kvPath(key),
          { value },
          {
            timeoutMs: this.#timeoutMs,
            headers: { 'x-raftkit-client-id': 'jepsen-ledger', 'x-raftkit-seq': String(seq) },
          },
        )
        if (reply.status === 200) {
          this.acked.set(key, value)
          break
        }
        await sleep(20 + this.#rng.int(0, 30))
      }
    }
  }
}
