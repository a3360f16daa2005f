import type { Recipe, ScenarioSummary } from '../protocol/index.js'
import type { ScenarioScript } from '../session/session.js'

export interface BuiltScenario {
  readonly recipe: Recipe
  readonly script: ScenarioScript
}

/** The guided scenarios the Lab offers. */
export interface ScenarioCatalog {
  ids(): string[]
  list(): ScenarioSummary[]
  /** The scenario's recipe and texts (built once, by running its script on the simulator). */
  build(id: string): BuiltScenario | undefined
  /** Just the texts, for a shared recipe that names a scenario. */
  script(id: string): ScenarioScript | undefined
}
