import type {
  Command,
  CreateSessionBody,
  CreateSessionResponse,
  EventsResponse,
  LabEvent,
  NodeView,
  ServerFrame,
  State,
} from '../protocol'
import { LabError, apiBase, getJson, postJson } from './http'

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'gone'

/** What the views read; replaced (never mutated) on every change, for useSyncExternalStore. */
export interface SessionSnapshot {
  readonly state: State
  /** `performance.now()` when `state` arrived: animations interpolate virtual time from it. */
  readonly receivedAt: number
  /** The most recent events, oldest first, at most `eventsKept`. */
  readonly events: readonly LabEvent[]
  readonly status: ConnectionStatus
  /** The furthest virtual time seen in this run: the end of the scrubbable timeline. */
  readonly horizon: number
  /** The terms as of the horizon, so the timeline still shows the future after a seek back. */
  readonly horizonTerms: State['terms']
}

/** Enough to scroll back through a long run; older ones are a replay (seek) away. */
export const eventsKept = 5000
const commandTimeoutMs = 20_000

interface Pending {
  readonly resolve: () => void
  readonly reject: (error: LabError) => void
  readonly timer: ReturnType<typeof setTimeout>
}

/**
 * One Lab session seen from the page: its state and events over the session's WebSocket, and
 * commands sent back over it (over REST while the socket is down). It reconnects by itself and
 * fills gaps in the event stream from `GET .../events`.
 */
/** Where a session's routes are, relative to `/v1/lab` (the WebSocket's is absolute). */
export interface SessionPaths {
  readonly state: string
  readonly ws: string
  readonly events: string
  readonly commands: string
  readonly node: (node: string) => string
}

export function sessionPaths(id: string, wsPath?: string): SessionPaths {
  const base = `/sessions/${encodeURIComponent(id)}`
  return {
    state: base,
    ws: wsPath ?? `${apiBase}${base}/ws`,
    events: `${base}/events`,
    commands: `${base}/commands`,
    node: (node) => `${base}/nodes/${encodeURIComponent(node)}`,
  }
}

export class SessionClient {
  readonly id: string
  private readonly paths: SessionPaths
  private socket: WebSocket | null = null
  private snapshot: SessionSnapshot
  private readonly listeners = new Set<() => void>()
  private readonly pending = new Map<string, Pending>()
  private nextCommandId = 1
  private reconnectDelayMs = 250
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private catchingUp = false
  private catchUpTimer: ReturnType<typeof setTimeout> | null = null
  private disposed = false

  static async create(body: CreateSessionBody): Promise<SessionClient> {
    const created = await postJson<CreateSessionResponse>('/sessions', body)
    return new SessionClient(created.id, sessionPaths(created.id, created.wsPath), created.state)
  }

  /** Attaches to an existing session (after a reload, say). */
  static async open(id: string): Promise<SessionClient> {
    const paths = sessionPaths(id)
    const state = await getJson<State>(paths.state)
    return new SessionClient(id, paths, state)
  }

  constructor(id: string, paths: SessionPaths, state: State) {
    this.id = id
    this.paths = paths
    this.snapshot = { state, receivedAt: performance.now(), events: [], status: 'connecting', horizon: Math.max(state.horizon, state.time), horizonTerms: state.terms }
    this.connect()
    void this.fetchEvents(Math.max(0, state.eventSeq - 500))
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot = (): SessionSnapshot => this.snapshot

  /** Sends a command; resolves when the server applied it, rejects with its error otherwise. */
  send(command: Command): Promise<void> {
    if (this.disposed) return Promise.reject(new LabError({ code: 'closed', message: 'session closed' }))
    const socket = this.socket
    if (socket === null || socket.readyState !== WebSocket.OPEN) return this.sendOverRest(command)
    const commandId = `c${this.nextCommandId++}`
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(commandId)
        reject(new LabError({ code: 'timeout', message: 'the server did not answer in time' }))
      }, commandTimeoutMs)
      this.pending.set(commandId, { resolve, reject, timer })
      socket.send(JSON.stringify({ type: 'command', commandId, command }))
    })
  }

  /**
   * Runs the (paused) session forward to virtual time `time`, for a shared link that names a
   * moment. The server seeks only within what it has run, so this steps there first.
   */
  async fastForward(time: number): Promise<void> {
    for (let round = 0; round < 10_000 && !this.disposed; round++) {
      const state = this.snapshot.state
      if (state.time >= time || state.stopped) break
      await this.sendOverRest({ type: 'step', count: 1000 })
    }
    if (!this.disposed && this.snapshot.state.time !== time) await this.sendOverRest({ type: 'seek', time })
  }

  /** One node with its whole log (the state carries only the newest entries). */
  fetchNode(node: string): Promise<NodeView> {
    return getJson<NodeView>(this.paths.node(node))
  }

  dispose(): void {
    this.disposed = true
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer)
    if (this.catchUpTimer !== null) clearTimeout(this.catchUpTimer)
    this.socket?.close()
    this.socket = null
    for (const [, pending] of this.pending) {
      clearTimeout(pending.timer)
      pending.reject(new LabError({ code: 'closed', message: 'session closed' }))
    }
    this.pending.clear()
    this.listeners.clear()
  }

  private async sendOverRest(command: Command): Promise<void> {
    const response = await postJson<{ ok: true; state: State }>(this.paths.commands, command)
    this.setState(response.state)
  }

  private connect(): void {
    if (this.disposed) return
    const url = new URL(this.paths.ws, location.href)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    const socket = new WebSocket(url)
    this.socket = socket
    socket.onopen = () => {
      this.reconnectDelayMs = 250
      this.update({ status: 'open' })
    }
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return
      try {
        this.onFrame(JSON.parse(message.data) as ServerFrame)
      } catch (error) {
        console.error('Raft Lab: bad frame from the server', error)
      }
    }
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = null
      if (this.disposed || this.snapshot.status === 'gone') return
      this.update({ status: 'reconnecting' })
      this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectDelayMs)
      this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 5000)
    }
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
      case 'state':
        this.setState(frame.state)
        return
      case 'events':
        this.addEvents(frame.events)
        return
      case 'reply': {
        if (frame.commandId === null) {
          if (!frame.ok) console.warn('Raft Lab: the server refused a frame:', frame.error.message)
          return
        }
        const pending = this.pending.get(frame.commandId)
        if (pending === undefined) return
        this.pending.delete(frame.commandId)
        clearTimeout(pending.timer)
        if (frame.ok) pending.resolve()
        else pending.reject(new LabError(frame.error))
        return
      }
      case 'lagging':
        void this.fetchEvents(frame.resumeAfter)
        return
      case 'closed':
        this.update({ status: 'gone' })
        this.socket?.close()
        return
    }
  }

  private setState(state: State): void {
    // A seek back replays the run: events after the new position are no longer "the past".
    let events = this.snapshot.events
    const last = events.at(-1)
    if (last !== undefined && state.eventSeq < last.seq) events = events.filter((event) => event.seq <= state.eventSeq)
    // The server's horizon shrinks when a new command drops the recorded future.
    const horizon = Math.max(state.horizon, state.time)
    const horizonTerms = state.time >= horizon || horizon < this.snapshot.horizon ? state.terms : this.snapshot.horizonTerms
    this.update({ state, receivedAt: performance.now(), events, horizon, horizonTerms })
    this.scheduleCatchUp()
  }

  /**
   * Events arrive just before the state that counts them; a state ahead of the newest event
   * means a gap (after `lagging` or a reconnect), filled over REST a moment later.
   */
  private scheduleCatchUp(): void {
    if (this.catchUpTimer !== null || this.catchingUp) return
    this.catchUpTimer = setTimeout(() => {
      this.catchUpTimer = null
      const newest = this.snapshot.events.at(-1)?.seq ?? 0
      const target = this.snapshot.state.eventSeq
      if (target > newest) void this.fetchEvents(Math.max(newest, target - eventsKept))
    }, 150)
  }

  private addEvents(incoming: readonly LabEvent[]): void {
    if (incoming.length === 0) return
    let events = this.snapshot.events
    const first = incoming[0]!
    // Replace anything the new batch overlaps (a replay after a seek renumbers from there).
    if (events.length > 0 && events.at(-1)!.seq >= first.seq) events = events.filter((event) => event.seq < first.seq)
    const merged = events.concat(incoming)
    this.update({ events: merged.length > eventsKept ? merged.slice(merged.length - eventsKept) : merged })
  }

  /** Pages through `GET .../events?after=` until caught up with the state. */
  private async fetchEvents(after: number): Promise<void> {
    if (this.catchingUp) return
    this.catchingUp = true
    try {
      let cursor = after
      for (let page = 0; page < 50 && !this.disposed; page++) {
        const response = await getJson<EventsResponse>(`${this.paths.events}?after=${cursor}&limit=1000`)
        if (response.events.length > 0) this.mergeFetched(response.events)
        if (response.events.length === 0 || response.next >= response.last) break
        cursor = response.next
      }
    } catch (error) {
      console.warn('Raft Lab: could not fetch events', error)
    } finally {
      this.catchingUp = false
    }
  }

  /** Inserts fetched events in seq order, keeping what the socket delivered meanwhile. */
  private mergeFetched(fetched: readonly LabEvent[]): void {
    const bySeq = new Map<number, LabEvent>()
    for (const event of this.snapshot.events) bySeq.set(event.seq, event)
    for (const event of fetched) if (!bySeq.has(event.seq)) bySeq.set(event.seq, event)
    const merged = [...bySeq.values()].sort((x, y) => x.seq - y.seq)
    this.update({ events: merged.length > eventsKept ? merged.slice(merged.length - eventsKept) : merged })
  }

  private update(change: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change }
    this.scheduleNotify()
  }

  /**
   * Tells the views at most once per animation frame: an `events` and a `state` frame arrive
   * back to back, and drawing both would double the work. The timer covers hidden tabs, where
   * animation frames stop.
   */
  private scheduleNotify(): void {
    if (this.notifyFrame !== null) return
    const flush = () => {
      if (this.notifyFrame === null) return
      cancelAnimationFrame(this.notifyFrame.frame)
      clearTimeout(this.notifyFrame.timer)
      this.notifyFrame = null
      for (const listener of this.listeners) listener()
    }
    this.notifyFrame = { frame: requestAnimationFrame(flush), timer: setTimeout(flush, 100) }
  }

  private notifyFrame: { frame: number; timer: ReturnType<typeof setTimeout> } | null = null
}
