import { randomBytes } from 'node:crypto'
import type { NodeId } from '@raftkit/raft'
import {
  isWorldCommand,
  type Bilingual,
  type Command,
  type LabEvent,
  type NodeView,
  type Recipe,
  type RecipeEntry,
  type RecipeStamp,
  type ScenarioProgress,
  type State,
  type WorldCommand,
} from '../protocol/index.js'
import { EventStore } from './event-store.js'
import { ParkedWorlds } from './parked-worlds.js'
import { CommandRefused, SimWorld } from './world.js'

export interface SessionLimits {
  /** Events held per session (older ones are let go; replay shows them again). */
  readonly maxEvents: number
  /** Recorded commands per session. */
  readonly maxCommands: number
  /** Log entries per node before new writes are refused (unless snapshots compact the log). */
  readonly maxLogEntries: number
  /** Worlds kept at earlier points for fast seeking back. */
  readonly parkedWorlds: number
}

export const defaultSessionLimits: SessionLimits = {
  maxEvents: 20_000,
  maxCommands: 5_000,
  maxLogEntries: 20_000,
  parkedWorlds: 5,
}

/** A guided scenario's script as a session plays it: texts by virtual time. */
export interface ScenarioScript {
  readonly id: string
  readonly title: Bilingual
  readonly steps: readonly {
    readonly time: number
    readonly text: Bilingual
    readonly pause: boolean
  }[]
}

export interface SessionOptions {
  readonly id?: string
  readonly recipe: Recipe
  readonly playing?: boolean
  readonly speed?: number
  readonly scenario?: ScenarioScript
  readonly limits?: SessionLimits
}

/** How far past the end of the run so far a seek may run on (virtual ms). */
const seekAheadMs = 60_000

/** How many entries of each node's log a `State` carries. */
export const stateLogTail = 200

/**
 * One visitor's simulated cluster: a recipe (seed, settings, the commands given so far, each
 * stamped with when it took effect) and the world it produces. The run moves forward when the
 * player (the session manager's timer) advances it or the user steps; seeking back rebuilds
 * the world from the recipe, starting from a parked world where one is near.
 *
 * Commands given after seeking back drop the recorded future (like undo, then a new edit).
 */
export class LabSession {
  readonly id: string
  readonly createdAt = Date.now()
  lastActiveAt = Date.now()
  playing: boolean
  speed: number
  readonly #seed: number
  readonly #settings: Recipe['settings']
  readonly #commands: RecipeEntry[]
  readonly #scenarioId: string | undefined
  #scenario: ScenarioScript | undefined
  readonly #limits: SessionLimits
  #world: SimWorld
  /** How many recipe commands the current world has applied. */
  #cursor = 0
  readonly #events: EventStore
  #horizon = 0
  readonly #parked: ParkedWorlds
  /** Virtual ms owed to the player but not yet run (fractions of a millisecond at low speed). */
  #owedMs = 0
  /** Scenario step last announced (to pause at the start of each step once). */
  #announcedStep = -1
  /** Bumped on every change a viewer should see. */
  version = 0
  /** When a seek back last happened (the background builder only works for scrubbed sessions). */
  scrubbedAt = 0

  constructor(options: SessionOptions) {
    this.id = options.id ?? randomBytes(9).toString('base64url')
    const recipe = options.recipe
    this.#seed = recipe.seed
    this.#settings = recipe.settings
    this.#commands = [...recipe.commands]
    this.#scenarioId = recipe.scenario
    this.#scenario = options.scenario
    this.#limits = options.limits ?? defaultSessionLimits
    this.#events = new EventStore(this.#limits.maxEvents)
    this.#parked = new ParkedWorlds(this.#limits.parkedWorlds)
    this.playing = options.playing ?? true
    this.speed = options.speed ?? 0.1
    this.#world = this.#newWorld()
    const last = this.#commands[this.#commands.length - 1]
    this.#horizon = Math.max(recipe.endTime ?? 0, last?.at.time ?? 0)
  }

  get recipe(): Recipe {
    return {
      version: 1,
      seed: this.#seed,
      settings: this.#settings,
      commands: [...this.#commands],
      endTime: this.horizon,
      ...(this.#scenarioId === undefined ? {} : { scenario: this.#scenarioId }),
    }
  }

  get world(): SimWorld {
    return this.#world
  }

  get time(): number {
    return this.#world.now
  }

  get horizon(): number {
    return Math.max(this.#horizon, this.#world.now)
  }

  get lastEventSeq(): number {
    return this.#world.eventSeq
  }

  get futureCommands(): number {
    return this.#commands.length - this.#cursor
  }

  get parkedTimes(): number[] {
    return this.#parked.times()
  }

  touch(): void {
    this.lastActiveAt = Date.now()
  }

  #newWorld(): SimWorld {
    return new SimWorld(this.#settings, this.#seed, (seq, make) => {
      if (seq > this.#events.last) this.#events.push(make())
    })
  }

  // ================================================================== moving through time

  /**
   * Runs the world forward to `target` (a time, or a time and step), applying the recorded
   * commands that fall on the way at their stamps.
   */
  #advanceTo(target: RecipeStamp): void {
    const world = this.#world
    for (;;) {
      const next = this.#commands[this.#cursor]
      if (next === undefined || world.stopped) break
      const beforeTarget =
        next.at.time < target.time ||
        (next.at.time === target.time &&
          (target.step === undefined || next.at.step === undefined || next.at.step <= target.step))
      if (!beforeTarget) break
      if (!world.runToStamp(next.at)) break
      this.#replayCommand(next.command)
      this.#cursor++
    }
    if (!world.stopped) world.runToStamp(target)
    this.#horizon = Math.max(this.#horizon, world.now)
  }

  #replayCommand(command: WorldCommand): void {
    try {
      this.#world.apply(command)
    } catch (error) {
      // A recorded command that no longer fits (a scenario written for another run): skip it,
      // and say so, rather than stop the replay.
      if (!(error instanceof CommandRefused)) throw error
      this.#world.note('command.skipped', {
        en: `a recorded ${command.type} was skipped: ${error.message}`,
        zh: `跳过了一条记录的 ${command.type} 命令：${error.message}`,
      })
    }
  }

  /** Advances by real time `realMs` at the session's speed, within a CPU `budgetMs`. */
  play(realMs: number, budgetMs: number): void {
    if (!this.playing || this.#world.stopped) return
    this.#owedMs += realMs * this.speed
    const whole = Math.floor(this.#owedMs)
    if (whole < 1) return
    this.#owedMs -= whole
    const deadline = performance.now() + budgetMs
    const target = this.#world.now + whole
    const slice = Math.max(1, Math.ceil(whole / 20))
    while (this.#world.now < target && !this.#world.stopped) {
      this.#advanceTo({ time: Math.min(target, this.#world.now + slice) })
      if (this.#pauseAtScenarioStep()) break
      if (performance.now() > deadline) {
        // Too slow for this speed: drop the debt rather than fall ever further behind.
        this.#owedMs = 0
        break
      }
    }
    if (this.#world.stopped) this.playing = false
    this.version++
  }

  /**
   * Moves to a virtual time or to just after an event. Going back replays; going forward runs
   * on, up to a minute of virtual time past the end of the run so far.
   */
  seek(to: { time?: number | undefined; event?: number | undefined }): void {
    let target: RecipeStamp
    if (to.event !== undefined) {
      const event = this.#events.get(to.event)
      if (event === undefined) {
        if (to.event > this.#events.last)
          throw new CommandRefused(
            'bad_request',
            `event ${to.event} has not happened yet (last is ${this.#events.last})`,
          )
        throw new CommandRefused(
          'not_found',
          `event ${to.event} is no longer held (the oldest held is ${this.#events.firstRetained}); seek by time instead`,
        )
      }
      target = { time: event.time, step: event.step }
    } else {
      target = {
        time: Math.max(
          0,
          Math.min(to.time ?? 0, Math.max(this.horizon, this.#world.now + seekAheadMs)),
        ),
      }
    }
    this.#startNearest(target)
    this.#advanceTo(target)
    if (to.event !== undefined) {
      // An event made during a step is numbered before the step is counted: finish that step.
      while (this.#world.eventSeq < to.event && !this.#world.stopped) {
        const next = this.#commands[this.#cursor]
        if (
          next !== undefined &&
          !this.#world.isPast(next.at) &&
          next.at.step === this.#world.steps
        ) {
          this.#advanceTo(next.at)
          continue
        }
        if (this.#world.stepVisible(1, next?.at) === 0) break
      }
      this.#horizon = Math.max(this.#horizon, this.#world.now)
    }
    this.#announcedStep = this.#scenarioStepAt(this.#world.now)
    this.version++
  }

  /**
   * Picks the world to run on to `target`: the current one, or a parked one closer to the target
   * (behind it), or a fresh one when the current world is past it and nothing is parked before it.
   */
  #startNearest(target: RecipeStamp): void {
    if (this.#world.isPast(target)) {
      this.#rewind(target)
      return
    }
    const parked = this.#parked.take(target)
    if (parked === undefined) return
    if (parked.world.now > this.#world.now) {
      this.#parked.park({ world: this.#world, cursor: this.#cursor })
      this.#world = parked.world
      this.#cursor = parked.cursor
    } else this.#parked.park(parked)
  }

  #rewind(target: RecipeStamp): void {
    const left = { world: this.#world, cursor: this.#cursor }
    const parked = this.#parked.take(target)
    this.#parked.park(left)
    if (parked === undefined) {
      this.#world = this.#newWorld()
      this.#cursor = 0
    } else {
      this.#world = parked.world
      this.#cursor = parked.cursor
    }
    this.scrubbedAt = Date.now()
  }

  /**
   * Background work while idle: builds a parked world at an evenly spaced mark that has none
   * near, by replaying from the start, so the next seek back is short. Returns whether it did
   * anything. Runs only for sessions that were scrubbed recently.
   */
  buildParkedWorld(budgetMs: number): boolean {
    const horizon = this.horizon
    const spacing = horizon / (this.#limits.parkedWorlds - 1)
    if (horizon < 2_000) return false
    for (let k = 1; k < this.#limits.parkedWorlds - 1; k++) {
      const mark = Math.floor(k * spacing)
      if (this.#parked.hasNear(mark, spacing / 2)) continue
      const builder = this.#builder
      if (builder === undefined || builder.mark !== mark) {
        this.#builder = {
          mark,
          world: new SimWorld(this.#settings, this.#seed, () => {}),
          cursor: 0,
          commandsLength: this.#commands.length,
        }
      }
      const b = this.#builder!
      const deadline = performance.now() + budgetMs
      while (b.world.now < mark && !b.world.stopped && performance.now() < deadline) {
        const next = this.#commands[b.cursor]
        const sliceEnd = Math.min(mark, b.world.now + 200)
        if (next !== undefined && next.at.time <= sliceEnd) {
          b.world.runToStamp(next.at)
          try {
            b.world.apply(next.command)
          } catch (error) {
            if (!(error instanceof CommandRefused)) throw error
          }
          b.cursor++
        } else b.world.runUntilTime(sliceEnd)
      }
      if (b.world.now >= mark || b.world.stopped) {
        this.#parked.park({ world: b.world, cursor: b.cursor })
        this.#builder = undefined
      }
      return true
    }
    return false
  }

  #builder: { mark: number; world: SimWorld; cursor: number; commandsLength: number } | undefined

  /** Advances `count` visible steps (pausing the player). */
  step(count: number): void {
    this.playing = false
    for (let done = 0; done < count && !this.#world.stopped; done++) {
      const next = this.#commands[this.#cursor]
      if (next !== undefined && !this.#world.isPast(next.at)) {
        // A recorded command comes first when the step would pass its stamp.
        if (next.at.step === undefined) {
          const before = { time: this.#world.now, step: this.#world.steps }
          this.#world.stepVisible(1)
          if (this.#world.isPast(next.at)) {
            this.#rewind(before)
            this.#advanceTo(next.at)
          }
        } else if (this.#world.steps >= next.at.step) {
          this.#advanceTo(next.at)
        } else {
          this.#world.stepVisible(1, next.at)
          if (this.#world.steps === next.at.step) this.#advanceTo(next.at)
        }
      } else {
        this.#world.stepVisible(1)
      }
      this.#horizon = Math.max(this.#horizon, this.#world.now)
    }
    this.version++
  }

  // ================================================================== commands

  /** Applies a command. Throws CommandRefused (having changed nothing) when it cannot. */
  command(command: Command): void {
    this.touch()
    if (isWorldCommand(command)) {
      this.#applyWorldCommand(command)
      this.version++
      return
    }
    switch (command.type) {
      case 'play':
        if (this.#world.stopped)
          throw new CommandRefused(
            'stopped',
            'the run stopped at a safety violation; seek back to play again',
          )
        this.playing = true
        break
      case 'pause':
        this.playing = false
        break
      case 'speed':
        this.speed = command.factor
        break
      case 'step':
        this.step(command.count)
        break
      case 'seek':
        this.seek(command)
        break
      case 'scenarioStep': {
        const scenario = this.#scenario
        if (scenario === undefined)
          throw new CommandRefused('conflict', 'this session is not a guided scenario')
        const index = command.step ?? this.#scenarioStepAt(this.#world.now) + 1
        const step = scenario.steps[index]
        if (step === undefined)
          throw new CommandRefused(
            'bad_request',
            `the scenario has steps 0..${scenario.steps.length - 1}`,
          )
        this.seek({ time: step.time })
        this.#horizon = Math.max(this.#horizon, step.time)
        if (this.#world.now < step.time) this.#advanceTo({ time: step.time })
        this.#announcedStep = index
        this.playing = true
        break
      }
      case 'scenario':
        // Replacing the whole run is the session manager's job (a new recipe).
        throw new CommandRefused('internal', 'scenario commands are handled by the session manager')
    }
    this.version++
  }

  #applyWorldCommand(command: WorldCommand): void {
    const world = this.#world
    world.check(command)
    if (this.#cursor >= this.#limits.maxCommands)
      throw new CommandRefused(
        'payload_too_large',
        `a session holds at most ${this.#limits.maxCommands} commands`,
      )
    if (command.type === 'client' || (command.type === 'workload' && command.writesPerSecond > 0)) {
      const longest = Math.max(
        ...world.cluster.ids.map((id) => world.cluster.persisted(id).entries.length),
      )
      if (longest >= this.#limits.maxLogEntries)
        throw new CommandRefused(
          'payload_too_large',
          `the logs hold ${longest} entries, this session's limit; turn on snapshots (snapshotEvery) to compact them`,
        )
    }
    let undoTruncation = (): void => {}
    // Behind the end of the run (after a seek back), a command starts a new course from here.
    const truncated =
      this.#cursor < this.#commands.length ||
      this.#events.last > world.eventSeq ||
      this.#horizon > world.now
    const stamp = world.stamp
    if (truncated) {
      // A new course from here: the recorded future, and what was seen of it, is dropped.
      const future = this.#commands.splice(this.#cursor)
      const restoreEvents = this.#events.truncateAfter(world.eventSeq)
      const horizon = this.#horizon
      this.#horizon = world.now
      undoTruncation = () => {
        this.#commands.push(...future)
        restoreEvents()
        this.#horizon = horizon
      }
    }
    const before = world.eventSeq
    this.#commands.push({ at: stamp, command })
    this.#cursor++
    try {
      world.apply(command)
    } catch (error) {
      // Refused, and nothing happened: nothing is recorded, and the future stays.
      if (error instanceof CommandRefused && world.eventSeq === before) {
        this.#commands.pop()
        this.#cursor--
        undoTruncation()
      }
      throw error
    }
    // Parked worlds past this point (or that applied dropped commands) show another run.
    this.#parked.dropAfter(stamp, this.#cursor - 1)
    if (truncated) {
      this.#builder = undefined
      if (this.#scenario !== undefined && this.#commands.length > 0) this.#freePlay = true
    }
  }

  #freePlay = false

  // ================================================================== scenario

  #scenarioStepAt(time: number): number {
    const steps = this.#scenario?.steps ?? []
    let index = -1
    for (let i = 0; i < steps.length; i++) if (steps[i]!.time <= time) index = i
    return index
  }

  /** Announces scenario steps reached; returns true when the player should pause there. */
  #pauseAtScenarioStep(): boolean {
    const index = this.#scenarioStepAt(this.#world.now)
    if (index <= this.#announcedStep) return false
    this.#announcedStep = index
    const step = this.#scenario?.steps[index]
    if (step?.pause === true && !this.#freePlay) {
      this.playing = false
      return true
    }
    return false
  }

  #scenarioProgress(): ScenarioProgress | undefined {
    const scenario = this.#scenario
    if (scenario === undefined) return undefined
    const index = Math.max(0, this.#scenarioStepAt(this.#world.now))
    const step = scenario.steps[index]!
    const last = index >= scenario.steps.length - 1
    const next = scenario.steps[index + 1]
    return {
      id: scenario.id,
      title: scenario.title,
      step: index,
      steps: scenario.steps.length,
      text: step.text,
      waiting: !this.playing && next !== undefined,
      freePlay: this.#freePlay || last,
    }
  }

  // ================================================================== views

  state(logTail = stateLogTail): State {
    const world = this.#world
    const scenario = this.#scenarioProgress()
    return {
      id: this.id,
      kind: 'simulated',
      recipe: this.recipe,
      time: world.now,
      steps: world.steps,
      eventSeq: world.eventSeq,
      playing: this.playing,
      speed: this.speed,
      stopped: world.stopped,
      futureCommands: this.futureCommands,
      horizon: this.horizon,
      // The settings with the rules in force now (the recipe keeps those the run started with).
      settings: { ...this.#settings, ...world.cluster.tuning, seed: this.#seed },
      rules: world.cluster.tuning,
      nodes: world.nodes(logTail),
      network: world.network(),
      inFlight: world.inFlight(),
      terms: world.terms(),
      violations: world.violations(),
      clients: world.clients(),
      workload: world.workload,
      ...(scenario === undefined ? {} : { scenario }),
    }
  }

  node(id: NodeId): NodeView | undefined {
    if (!this.#world.cluster.ids.includes(id)) return undefined
    return this.#world.node(id, Infinity)
  }

  events(
    after: number,
    limit: number,
  ): { events: LabEvent[]; next: number; firstRetained: number; last: number } {
    const events = this.#events.after(after, limit)
    const last = events[events.length - 1]
    return {
      events,
      next: last === undefined ? Math.max(after, this.#events.firstRetained - 1) : last.seq,
      firstRetained: this.#events.firstRetained,
      last: this.#events.last,
    }
  }

  /** Events past `after` that the current world has produced (for the live stream). */
  eventsSince(after: number, limit: number): LabEvent[] {
    return this.#events.after(after, limit).filter((event) => event.seq <= this.#world.eventSeq)
  }

  /** A rough size of what this session holds, for the manager's memory cap. */
  estimatedBytes(): number {
    const cluster = this.#world.cluster
    let entries = 0
    for (const id of cluster.ids) entries += cluster.persisted(id).entries.length
    // Each node holds an entry in its log, on its disk and in the checker: ~3 copies of ~120 B.
    const perWorld = entries * 360 + cluster.ids.length * 50_000
    return this.#events.size * 400 + perWorld * (1 + this.#parked.size)
  }
}
