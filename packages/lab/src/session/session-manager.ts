import { frameIntervalMs, type LabEvent, type Recipe, type ServerFrame } from '../protocol/index.js'
import {
  defaultSessionLimits,
  LabSession,
  type ScenarioScript,
  type SessionLimits,
} from './session.js'
import { CommandRefused } from './world.js'

/** A browser watching a session over its WebSocket. */
export interface Viewer {
  /** Bytes queued on the socket and not yet sent (the WebSocket's `bufferedAmount`). */
  readonly bufferedAmount: number
  send(text: string): void
  close(code: number, reason: string): void
}

interface ViewerState {
  readonly viewer: Viewer
  /** The last event this viewer was sent. */
  lastSeq: number
  lagging: boolean
  lastVersion: number
  lastStateAt: number
}

export interface ManagerOptions {
  /** At most this many sessions at once (default 100). */
  readonly maxSessions?: number
  /** A session nobody touched (no request, no viewer) for this long is deleted (default 30 min). */
  readonly idleMs?: number
  /** A session with no viewer pauses after this long without a request (default 2 min). */
  readonly unwatchedPauseMs?: number
  /** A viewer whose socket holds more than this many unsent bytes is told it is lagging (1 MiB). */
  readonly maxBufferedBytes?: number
  /** ...and resumes once it is below this (256 KiB). */
  readonly resumeBufferedBytes?: number
  /** CPU time (ms) the player may spend per frame, over all sessions (default 30). */
  readonly frameBudgetMs?: number
  readonly limits?: SessionLimits
  /** Entries per node in the state frames on the socket (the REST state has 200). */
  readonly frameLogTail?: number
  /** Events per frame and viewer; a viewer further behind is told it is lagging. */
  readonly maxEventsPerFrame?: number
  /** Run the frame timer (default true; tests drive `frame()` by hand when false). */
  readonly timer?: boolean
}

interface Entry {
  readonly session: LabSession
  readonly viewers: Set<ViewerState>
}

/**
 * Every anonymous session in memory, the player that moves them in real time, and the frames
 * their viewers get. One timer for all sessions: each frame it advances the playing sessions
 * (within a CPU budget), then sends each viewer the new events and the state — unless the
 * viewer's socket is backed up, in which case it is sent `lagging` once and nothing more until
 * its buffer drains, so a slow browser never makes the server buffer without bound.
 */
export class SessionManager {
  readonly #sessions = new Map<string, Entry>()
  readonly #options: Required<Omit<ManagerOptions, 'limits'>> & { limits: SessionLimits }
  #timer: ReturnType<typeof setInterval> | undefined
  #lastFrameAt = performance.now()

  constructor(options: ManagerOptions = {}) {
    this.#options = {
      maxSessions: options.maxSessions ?? 100,
      idleMs: options.idleMs ?? 30 * 60_000,
      unwatchedPauseMs: options.unwatchedPauseMs ?? 2 * 60_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 1 << 20,
      resumeBufferedBytes: options.resumeBufferedBytes ?? 256 << 10,
      frameBudgetMs: options.frameBudgetMs ?? 30,
      limits: options.limits ?? defaultSessionLimits,
      frameLogTail: options.frameLogTail ?? 60,
      maxEventsPerFrame: options.maxEventsPerFrame ?? 500,
      timer: options.timer ?? true,
    }
    if (this.#options.timer) {
      this.#timer = setInterval(() => this.frame(), frameIntervalMs)
      this.#timer.unref()
    }
  }

  get size(): number {
    return this.#sessions.size
  }

  create(
    recipe: Recipe,
    options: { playing?: boolean; speed?: number; scenario?: ScenarioScript } = {},
  ): LabSession {
    this.expire()
    if (this.#sessions.size >= this.#options.maxSessions)
      throw new CommandRefused(
        'overloaded',
        `the Lab holds ${this.#options.maxSessions} sessions, its limit; try again when some expire`,
      )
    const session = new LabSession({
      recipe,
      limits: this.#options.limits,
      ...(options.playing === undefined ? {} : { playing: options.playing }),
      ...(options.speed === undefined ? {} : { speed: options.speed }),
      ...(options.scenario === undefined ? {} : { scenario: options.scenario }),
    })
    this.#sessions.set(session.id, { session, viewers: new Set() })
    return session
  }

  get(id: string): LabSession | undefined {
    const entry = this.#sessions.get(id)
    entry?.session.touch()
    return entry?.session
  }

  /** Swaps a session's run for another (a scenario chosen from within it), keeping its id and viewers. */
  replace(
    id: string,
    recipe: Recipe,
    options: { scenario?: ScenarioScript; speed?: number } = {},
  ): LabSession {
    const entry = this.#sessions.get(id)
    if (entry === undefined) throw new CommandRefused('not_found', `no session ${id}`)
    const session = new LabSession({
      id,
      recipe,
      limits: this.#options.limits,
      speed: options.speed ?? entry.session.speed,
      ...(options.scenario === undefined ? {} : { scenario: options.scenario }),
    })
    this.#sessions.set(id, { session, viewers: entry.viewers })
    for (const state of entry.viewers) {
      state.lastSeq = 0
      state.lastVersion = -1
      this.#sendHello(session, state)
    }
    return session
  }

  delete(id: string, reason = 'deleted'): boolean {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return false
    this.#sessions.delete(id)
    const frame = JSON.stringify({ type: 'closed', reason } satisfies ServerFrame)
    for (const { viewer } of entry.viewers) {
      viewer.send(frame)
      viewer.close(4000, reason)
    }
    return true
  }

  /** Attaches a viewer; returns a function to call when its socket closes. */
  attach(id: string, viewer: Viewer): (() => void) | undefined {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return undefined
    const state: ViewerState = {
      viewer,
      lastSeq: 0,
      lagging: false,
      lastVersion: -1,
      lastStateAt: 0,
    }
    entry.viewers.add(state)
    entry.session.touch()
    this.#sendHello(entry.session, state)
    return () => {
      this.#sessions.get(id)?.viewers.delete(state)
      entry.viewers.delete(state)
    }
  }

  /** How each viewer of a session is doing (for diagnostics and tests). */
  viewers(id: string): { bufferedAmount: number; lagging: boolean; lastSeq: number }[] {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return []
    return [...entry.viewers].map((v) => ({
      bufferedAmount: v.viewer.bufferedAmount,
      lagging: v.lagging,
      lastSeq: v.lastSeq,
    }))
  }

  /** Sends the current state and events to a session's viewers now (after a command). */
  flush(id: string): void {
    const entry = this.#sessions.get(id)
    if (entry !== undefined) this.#sendFrames(entry, true)
  }

  #sendHello(session: LabSession, state: ViewerState): void {
    const hello: ServerFrame = {
      type: 'hello',
      protocol: 1,
      state: session.state(this.#options.frameLogTail),
    }
    state.viewer.send(JSON.stringify(hello))
    // The hello's state covers the past; events stream from here on (older ones: REST).
    state.lastSeq = session.lastEventSeq
    state.lastVersion = session.version
    state.lastStateAt = performance.now()
  }

  /** One frame: advance the playing sessions, send viewers what changed, expire the idle. */
  frame(): void {
    const now = performance.now()
    const realMs = Math.min(250, now - this.#lastFrameAt)
    this.#lastFrameAt = now
    const playing = [...this.#sessions.values()].filter((entry) => entry.session.playing)
    const budget = this.#options.frameBudgetMs / Math.max(1, playing.length)
    const wallNow = Date.now()
    for (const entry of playing) {
      if (
        entry.viewers.size === 0 &&
        wallNow - entry.session.lastActiveAt > this.#options.unwatchedPauseMs
      ) {
        entry.session.playing = false
        continue
      }
      entry.session.play(realMs, budget)
    }
    for (const entry of this.#sessions.values())
      if (entry.viewers.size > 0) this.#sendFrames(entry, false)
    this.#buildInBackground(now)
    this.expire()
  }

  /** Spends what is left of the frame building parked worlds for sessions being scrubbed. */
  #buildInBackground(frameStart: number): void {
    const left = this.#options.frameBudgetMs - (performance.now() - frameStart)
    if (left < 2) return
    const recent = Date.now() - 60_000
    for (const { session } of this.#sessions.values()) {
      if (session.scrubbedAt < recent) continue
      if (session.buildParkedWorld(Math.min(left, 10))) return
    }
  }

  #sendFrames(entry: Entry, force: boolean): void {
    const { session } = entry
    const options = this.#options
    let stateText: string | undefined
    const eventTexts = new Map<number, { text: string; last: number }>()
    const now = performance.now()
    for (const state of entry.viewers) {
      const viewer = state.viewer
      if (state.lagging) {
        if (viewer.bufferedAmount > options.resumeBufferedBytes) continue
        state.lagging = false
        state.lastSeq = session.lastEventSeq
        stateText ??= JSON.stringify({
          type: 'state',
          state: session.state(options.frameLogTail),
        } satisfies ServerFrame)
        viewer.send(stateText)
        state.lastVersion = session.version
        state.lastStateAt = now
        continue
      }
      const behind = session.lastEventSeq - state.lastSeq
      if (
        viewer.bufferedAmount > options.maxBufferedBytes ||
        behind > options.maxEventsPerFrame * 10
      ) {
        state.lagging = true
        viewer.send(
          JSON.stringify({ type: 'lagging', resumeAfter: state.lastSeq } satisfies ServerFrame),
        )
        continue
      }
      if (behind < 0) state.lastSeq = session.lastEventSeq // rewound: the state frame says where it is
      if (behind > 0) {
        let batch = eventTexts.get(state.lastSeq)
        if (batch === undefined) {
          const events: LabEvent[] = session.eventsSince(state.lastSeq, options.maxEventsPerFrame)
          const last = events[events.length - 1]?.seq ?? state.lastSeq
          batch = { text: JSON.stringify({ type: 'events', events } satisfies ServerFrame), last }
          eventTexts.set(state.lastSeq, batch)
        }
        viewer.send(batch.text)
        state.lastSeq = batch.last
      }
      if (state.lastVersion !== session.version && (force || now - state.lastStateAt >= 90)) {
        stateText ??= JSON.stringify({
          type: 'state',
          state: session.state(options.frameLogTail),
        } satisfies ServerFrame)
        viewer.send(stateText)
        state.lastVersion = session.version
        state.lastStateAt = now
      }
    }
  }

  /** Deletes sessions idle for too long. */
  expire(): void {
    const cutoff = Date.now() - this.#options.idleMs
    for (const [id, entry] of this.#sessions)
      if (entry.viewers.size === 0 && entry.session.lastActiveAt < cutoff)
        this.delete(id, 'expired')
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    for (const id of [...this.#sessions.keys()]) this.delete(id, 'server stopping')
  }
}
