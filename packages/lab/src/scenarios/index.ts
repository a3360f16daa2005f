import type { ScenarioSummary } from '../protocol/index.js'
import type { ScenarioScript } from '../session/session.js'
import type { BuiltScenario, ScenarioCatalog } from './catalog.js'
import { definitions } from './definitions.js'
import { buildScenario, summarize, type ScenarioDefinition } from './script.js'

/** The built-in guided scenarios, each built (its script run on the simulator) on first use. */
export function createScenarioCatalog(
  list: readonly ScenarioDefinition[] = definitions,
): ScenarioCatalog {
  const byId = new Map(list.map((definition) => [definition.id, definition]))
  const built = new Map<string, BuiltScenario>()
  const build = (id: string): BuiltScenario | undefined => {
    const definition = byId.get(id)
    if (definition === undefined) return undefined
    let scenario = built.get(id)
    if (scenario === undefined) {
      scenario = buildScenario(definition)
      built.set(id, scenario)
    }
    return scenario
  }
  return {
    ids: () => [...byId.keys()],
    list: (): ScenarioSummary[] =>
      list.map((definition) => summarize(definition, build(definition.id)!.script.steps.length)),
    build,
    script: (id: string): ScenarioScript | undefined => build(id)?.script,
  }
}

export type { ScenarioCatalog, BuiltScenario } from './catalog.js'
export { buildScenario, type ScenarioDefinition, ScriptContext } from './script.js'
