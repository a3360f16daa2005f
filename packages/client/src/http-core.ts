import { Endpoints } from './endpoints.js'
import { RaftkitError, RaftkitUnavailableError, isRetryableStatus } from './errors.js'
import { SessionLanes } from './sessions.js'

export interface ClientOptions {
  /** A few node URLs of the cluster; the client discovers the others. */
  readonly endpoints: readonly string[]
  /** An API key for writes and administration, when the cluster requires one. */
  readonly apiKey?: string
  /** Per attempt, in ms. Default 5000. */
  readonly requestTimeoutMs?: number
  /** For a whole call, retries included, in ms. Default 20000. */
  readonly deadlineMs?: number
  /** The exactly-once session id prefix; a random one by default. */
  readonly clientId?: string
  /** Injected fetch (tests, custom agents). */
  readonly fetch?: typeof fetch
}

export interface CallOptions {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  readonly path: string
  readonly query?: Record<string, string | number | boolean | undefined>
  readonly body?: unknown
  /** A write: sent to the leader when known, with an exactly-once identity. */
  readonly write?: boolean
  readonly headers?: Record<string, string>
  /** Statuses that are answers, not errors (404 for "absent", 409 for a failed compare-and-set). */
  readonly accept?: readonly number[]
}

export interface CallResult<T> {
  readonly status: number
  readonly body: T
  readonly headers: Headers
}

/**
 * The request loop every call goes through: pick a node (the leader for writes), time the
 * attempt out, and on a network failure or a 502/503/504 find the leader again and retry with
 * back-off until the deadline. A write keeps its (client id, seq) across retries, so a retry of
 * a write that did take effect is answered from the server's session table, not applied twice.
 */
export class HttpCore {
  readonly endpoints: Endpoints
  readonly #options: ClientOptions
  readonly #fetch: typeof fetch
  readonly #lanes: SessionLanes
  #discovered = false
  #closed = false

  constructor(options: ClientOptions) {
    this.endpoints = new Endpoints(options.endpoints)
    this.#options = options
    this.#fetch = options.fetch ?? fetch
    this.#lanes = new SessionLanes(options.clientId)
  }

  get clientId(): string {
    return this.#lanes.clientId
  }

  get apiKey(): string | undefined {
    return this.#options.apiKey
  }

  async call<T>(options: CallOptions): Promise<CallResult<T>> {
    const lane = options.write === true ? this.#lanes.acquire() : undefined
    try {
      return await this.#loop<T>(
        options,
        lane === undefined ? undefined : { id: lane.id, seq: lane.seq },
      )
    } finally {
      if (lane !== undefined) this.#lanes.release(lane)
    }
  }

  async #loop<T>(
    options: CallOptions,
    identity: { id: string; seq: number } | undefined,
  ): Promise<CallResult<T>> {
    if (this.#closed) throw new Error('the client is closed')
    await this.ensureDiscovered()
    const deadline = Date.now() + (this.#options.deadlineMs ?? 20_000)
    let attempt = 0
    let lastError: unknown
    for (;;) {
      const url = this.endpoints.pick(options.write === true)
      attempt++
      try {
        const response = await this.#attempt(url, options, identity, deadline)
        if (!isRetryableStatus(response.status)) return await this.#answer<T>(response, options)
        lastError = await errorOf(response)
        // A 503 on a write often means "no leader yet"; any node may know the new one.
        this.endpoints.failed(url)
      } catch (error) {
        if (error instanceof RaftkitError) throw error
        lastError = error
        this.endpoints.failed(url)
      }
      const wait = backoffMs(attempt)
      if (Date.now() + wait >= deadline) {
        throw new RaftkitUnavailableError(
          `no node answered ${options.method} ${options.path} after ${attempt} attempts: ${describe(lastError)}`,
          attempt,
          lastError,
        )
      }
      await sleep(wait)
      await this.findLeader()
    }
  }

  async #attempt(
    url: string,
    options: CallOptions,
    identity: { id: string; seq: number } | undefined,
    deadline: number,
  ): Promise<Response> {
    const target = new URL(options.path, url)
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) target.searchParams.set(name, String(value))
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    if (identity !== undefined) {
      headers['x-raftkit-client-id'] = identity.id
      headers['x-raftkit-seq'] = String(identity.seq)
    }
    if (this.#options.apiKey !== undefined)
      headers['authorization'] = `Bearer ${this.#options.apiKey}`
    const timeoutMs = Math.max(
      1,
      Math.min(this.#options.requestTimeoutMs ?? 5000, deadline - Date.now()),
    )
    return this.#fetch(target, {
      method: options.method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    })
  }

  async #answer<T>(response: Response, options: CallOptions): Promise<CallResult<T>> {
    if (response.ok || options.accept?.includes(response.status) === true) {
      const text = await response.text()
      const body = (text.length === 0 ? undefined : JSON.parse(text)) as T
      return { status: response.status, body, headers: response.headers }
    }
    throw await errorOf(response)
  }

  /** Discovers the members once (the first call does it). */
  async ensureDiscovered(): Promise<void> {
    if (!this.#discovered) await this.discover()
  }

  /** Learns the members' client URLs from any node that answers (seed 001's discovery). */
  async discover(): Promise<void> {
    for (const url of [...this.endpoints.all]) {
      try {
        const response = await this.#fetch(new URL('/v1/cluster', url), {
          signal: AbortSignal.timeout(this.#probeTimeoutMs()),
        })
        if (!response.ok) continue
        const view = (await response.json()) as {
          leaderId: string | null
          members: { id: string; clientUrl: string | null }[]
        }
        for (const member of view.members)
          if (member.clientUrl) this.endpoints.add(member.clientUrl)
        const leader = view.members.find((m) => m.id === view.leaderId)
        if (leader?.clientUrl) this.endpoints.leader = leader.clientUrl
        this.#discovered = true
        return
      } catch {
        // try the next one
      }
    }
    // Nobody answered; calls will retry and discover again.
  }

  /** Asks the known nodes who leads now. */
  async findLeader(): Promise<void> {
    for (const url of [...this.endpoints.all]) {
      try {
        const response = await this.#fetch(new URL('/v1/cluster/leader', url), {
          signal: AbortSignal.timeout(this.#probeTimeoutMs()),
        })
        if (!response.ok) continue
        const leader = (await response.json()) as { id: string; clientUrl: string | null }
        if (leader.clientUrl) {
          this.endpoints.leader = leader.clientUrl
          return
        }
      } catch {
        // try the next one
      }
    }
  }

  /** Discovery probes are short: a hung node must not hold up a call for long. */
  #probeTimeoutMs(): number {
    return Math.min(1000, this.#options.requestTimeoutMs ?? 5000)
  }

  close(): void {
    this.#closed = true
  }
}

async function errorOf(response: Response): Promise<RaftkitError> {
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string } & Record<string, unknown>
    }
    if (body.error?.code !== undefined) {
      const { code, message, ...details } = body.error
      return new RaftkitError(response.status, code, message ?? code, details)
    }
  } catch {
    // not JSON
  }
  return new RaftkitError(
    response.status,
    'http_error',
    `HTTP ${response.status}: ${text.slice(0, 200)}`,
  )
}

function backoffMs(attempt: number): number {
  const base = Math.min(1000, 50 * 2 ** Math.min(attempt - 1, 5))
  return Math.round(base * (0.5 + Math.random() / 2))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function describe(error: unknown): string {
  if (error instanceof RaftkitError) return `${error.status} ${error.code}: ${error.message}`
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause
    return cause?.code !== undefined ? `${error.message} (${cause.code})` : error.message
  }
  return String(error)
}
