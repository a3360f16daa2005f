import type { NodeId } from '@raftkit/raft'
import {
  settingsSchema,
  type Bilingual,
  type Recipe,
  type RecipeEntry,
  type ScenarioSummary,
  type SettingsInput,
  type WorldCommand,
} from '../protocol/index.js'
import type { ScenarioScript } from '../session/session.js'
import { SimWorld } from '../session/world.js'
import type { BuiltScenario } from './catalog.js'

/** What a scenario's script can do while it is being written down as a recipe. */
export class ScriptContext {
  readonly world: SimWorld
  readonly commands: RecipeEntry[] = []
  readonly steps: { time: number; text: Bilingual; pause: boolean }[] = []

  constructor(world: SimWorld) {
    this.world = world
  }

  get now(): number {
    return this.world.now
  }

  /** Starts a step of the guide here; the player pauses at it unless `pause: false`. */
  say(en: string, zh: string, options: { pause?: boolean } = {}): void {
    this.world.runUntilTime(this.world.now)
    this.steps.push({ time: this.world.now, text: { en, zh }, pause: options.pause ?? true })
  }

  run(ms: number): void {
    this.world.runUntilTime(this.world.now + ms)
  }

  /** Runs until `predicate` holds (checked every millisecond of virtual time), at most `maxMs`. */
  runUntil(predicate: () => boolean, maxMs: number): boolean {
    const until = this.world.now + maxMs
    while (this.world.now < until) {
      if (predicate()) return true
      this.world.runUntilTime(this.world.now + 1)
    }
    return predicate()
  }

  /** Applies a command and records it, stamped with the time only (replay runs every event up to it first). */
  do(command: WorldCommand): void {
    this.world.runUntilTime(this.world.now)
    this.commands.push({ at: { time: this.world.now }, command })
    this.world.apply(command)
  }

  leader(): NodeId | undefined {
    return this.world.cluster.leader()
  }

  /** The running nodes other than `except`. */
  others(...except: NodeId[]): NodeId[] {
    return this.world.cluster.ids.filter((id) => !except.includes(id))
  }
}

export interface ScenarioDefinition {
  readonly id: string
  readonly title: Bilingual
  readonly summary: Bilingual
  readonly settings: SettingsInput
  /**
   * The script. It returns false when this seed did not play out as the text tells (a split
   * vote that did not split, say); the next seed is tried. Seeds are tried in order, so the
   * chosen one is the same on every machine.
   */
  readonly script: (context: ScriptContext) => boolean
  readonly seeds?: readonly number[]
}

/** Runs a scenario's script on the simulator and writes down its recipe and step texts. */
export function buildScenario(definition: ScenarioDefinition): BuiltScenario {
  const settings = settingsSchema.parse(definition.settings)
  const seeds = definition.seeds ?? Array.from({ length: 100 }, (_, i) => i + 1)
  for (const seed of seeds) {
    const context = new ScriptContext(new SimWorld(settings, seed, () => {}))
    if (!definition.script(context) || context.world.stopped !== wantsViolation(definition))
      continue
    const recipe: Recipe = {
      version: 1,
      seed,
      settings,
      commands: context.commands,
      endTime: context.world.now,
      scenario: definition.id,
    }
    const script: ScenarioScript = {
      id: definition.id,
      title: definition.title,
      steps: context.steps,
    }
    return { recipe, script }
  }
  throw new Error(`scenario ${definition.id}: no seed among ${seeds.length} plays out as scripted`)
}

function wantsViolation(definition: ScenarioDefinition): boolean {
  return settingsSchema.parse(definition.settings).unsafe !== null
}

export function summarize(definition: ScenarioDefinition, steps: number): ScenarioSummary {
  return { id: definition.id, title: definition.title, summary: definition.summary, steps }
}
