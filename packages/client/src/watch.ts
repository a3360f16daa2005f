import WebSocket from 'ws'
import type { HttpCore } from './http-core.js'
import type { Change, WatchEvent } from './types.js'

export type WatchTarget = { readonly platform?: string } | { readonly prefix: string }

export interface WatchOptions {
  /** The last revision already seen: changes after it are delivered. Default: from now on. */
  readonly afterRevision?: number
  /** Each change, in revision order, exactly once across reconnects. */
  readonly onChange: (change: Change) => void
  /**
   * The node no longer has the changes after `afterRevision` (compacted): re-read the state;
   * the watch goes on from `revision`.
   */
  readonly onCompacted?: (info: { floor: number; revision: number }) => void
  /** A connection dropped (the watch reconnects on its own). */
  readonly onDisconnect?: (reason: string) => void
}

/**
 * A watch over a WebSocket that survives node failures: when the connection drops it reconnects
 * to another node and resumes after the last revision it delivered, so the caller sees every
 * change once and in order, across leader changes.
 */
export class Watch {
  readonly #core: HttpCore
  readonly #target: WatchTarget
  readonly #options: WatchOptions
  #socket: WebSocket | undefined
  #lastRevision: number | undefined
  #closed = false
  #attempt = 0
  #connectedOnce: (() => void) | undefined
  readonly ready: Promise<void>

  constructor(core: HttpCore, target: WatchTarget, options: WatchOptions) {
    this.#core = core
    this.#target = target
    this.#options = options
    this.#lastRevision = options.afterRevision
    this.ready = new Promise((resolve) => (this.#connectedOnce = resolve))
    void this.#connect()
  }

  /** The revision the watch has reached (changes and progress notices). */
  get lastRevision(): number | undefined {
    return this.#lastRevision
  }

  close(): void {
    this.#closed = true
    this.#socket?.close(1000, 'closed by the client')
  }

  async #connect(): Promise<void> {
    if (this.#closed) return
    // The first connection learns the members, so a failover has somewhere to go.
    await this.#core.ensureDiscovered().catch(() => {})
    if (this.#attempt > 0) await this.#core.discover().catch(() => {})
    const base = this.#core.endpoints.pick(false)
    const url = new URL('prefix' in this.#target ? '/v1/watch/kv' : '/v1/watch/versions', base)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    if ('prefix' in this.#target) url.searchParams.set('prefix', this.#target.prefix)
    else if (this.#target.platform !== undefined)
      url.searchParams.set('platform', this.#target.platform)
    if (this.#lastRevision !== undefined) url.searchParams.set('after', String(this.#lastRevision))
    const headers: Record<string, string> = {}
    if (this.#core.apiKey !== undefined) headers['authorization'] = `Bearer ${this.#core.apiKey}`
    const socket = new WebSocket(url, { headers, handshakeTimeout: 5000 })
    this.#socket = socket
    socket.on('message', (data) => this.#onMessage(String(data)))
    socket.once('close', (code, reason) =>
      this.#onDrop(base, `closed ${code} ${reason.toString()}`),
    )
    socket.once('error', (error) => {
      socket.terminate()
      this.#onDrop(base, error.message)
    })
  }

  #onMessage(text: string): void {
    let event: WatchEvent
    try {
      event = JSON.parse(text) as WatchEvent
    } catch {
      return
    }
    this.#attempt = 0
    switch (event.type) {
      case 'change':
        if (this.#lastRevision !== undefined && event.change.revision <= this.#lastRevision) return
        this.#lastRevision = event.change.revision
        this.#options.onChange(event.change)
        break
      case 'progress':
        // Everything up to here is delivered; resuming from it loses nothing.
        this.#lastRevision = Math.max(this.#lastRevision ?? 0, event.revision)
        this.#connectedOnce?.()
        this.#connectedOnce = undefined
        break
      case 'compacted':
        this.#lastRevision = event.revision
        this.#options.onCompacted?.({ floor: event.floor, revision: event.revision })
        break
    }
  }

  #dropped = new WeakSet<WebSocket>()

  #onDrop(url: string, reason: string): void {
    const socket = this.#socket
    if (socket === undefined || this.#dropped.has(socket)) return
    this.#dropped.add(socket)
    if (this.#closed) return
    this.#options.onDisconnect?.(reason)
    this.#core.endpoints.failed(url)
    this.#attempt++
    const wait = Math.min(2000, 50 * 2 ** Math.min(this.#attempt, 6))
    setTimeout(() => void this.#connect(), wait)
  }
}
