import { randomInt } from 'node:crypto'
import {
  createSessionBodySchema,
  formatIssues,
  settingsSchema,
  type CreateSessionBody,
  type Recipe,
} from '../protocol/index.js'
import type { ScenarioCatalog } from '../scenarios/catalog.js'
import type { ScenarioScript } from '../session/session.js'
import { CommandRefused } from '../session/world.js'

export interface SessionPlan {
  readonly recipe: Recipe
  readonly scenario?: ScenarioScript
  readonly playing?: boolean
  readonly speed?: number
  readonly at?: number
}

/**
 * Turns a `POST /v1/lab/sessions` body into the recipe the session will run: a shared recipe
 * as it is, a guided scenario's recipe, or settings field by field (defaults for the rest) and
 * a seed (a fresh one when none is given).
 */
export function planSession(raw: unknown, scenarios: ScenarioCatalog): SessionPlan {
  const parsed = createSessionBodySchema.safeParse(raw)
  if (!parsed.success) throw invalid(parsed.error)
  const body: CreateSessionBody & typeof parsed.data = parsed.data
  const view = {
    ...(body.at === undefined ? {} : { at: body.at, playing: false }),
    ...(body.playing === undefined ? {} : { playing: body.playing }),
    ...(body.speed === undefined ? {} : { speed: body.speed }),
  }
  const settingFields = [
    'nodes',
    'seed',
    'electionTimeoutMs',
    'heartbeatMs',
    'latencyMs',
    'preVote',
    'checkQuorum',
    'unsafe',
    'snapshotEvery',
  ] as const
  const given = settingFields.filter((field) => body[field] !== undefined)
  const kinds = [body.recipe !== undefined, body.scenario !== undefined, given.length > 0].filter(
    Boolean,
  ).length
  if (kinds > 1)
    throw new CommandRefused(
      'bad_request',
      'give settings, a scenario or a recipe, not more than one of them',
    )
  if (body.recipe !== undefined) {
    const scenario =
      body.recipe.scenario === undefined ? undefined : scenarios.script(body.recipe.scenario)
    return { recipe: body.recipe, ...(scenario === undefined ? {} : { scenario }), ...view }
  }
  if (body.scenario !== undefined) {
    const built = scenarios.build(body.scenario)
    if (built === undefined)
      throw new CommandRefused(
        'not_found',
        `no scenario '${body.scenario}' (there are: ${scenarios.ids().join(', ')})`,
      )
    return { recipe: built.recipe, scenario: built.script, ...view }
  }
  let electionTimeoutMs: number | undefined
  if (Array.isArray(body.electionTimeoutMs)) {
    const [min, max] = body.electionTimeoutMs
    if (max !== 2 * min)
      throw new CommandRefused(
        'bad_request',
        `electionTimeoutMs: the core draws each timeout in [base, 2 x base), so give a base (e.g. ${min}) or [${min}, ${2 * min}]`,
      )
    electionTimeoutMs = min
  } else electionTimeoutMs = body.electionTimeoutMs
  const settings = settingsSchema.safeParse({
    ...(body.nodes === undefined ? {} : { nodes: body.nodes }),
    ...(electionTimeoutMs === undefined ? {} : { electionTimeoutMs }),
    ...(body.heartbeatMs === undefined ? {} : { heartbeatMs: body.heartbeatMs }),
    ...(body.latencyMs === undefined ? {} : { latencyMs: body.latencyMs }),
    ...(body.preVote === undefined ? {} : { preVote: body.preVote }),
    ...(body.checkQuorum === undefined ? {} : { checkQuorum: body.checkQuorum }),
    ...(body.unsafe === undefined ? {} : { unsafe: body.unsafe }),
    ...(body.snapshotEvery === undefined ? {} : { snapshotEvery: body.snapshotEvery }),
  })
  if (!settings.success) throw invalid(settings.error)
  const seed = body.seed ?? randomInt(1, 2 ** 31)
  return { recipe: { version: 1, seed, settings: settings.data, commands: [] }, ...view }
}

function invalid(error: import('zod').ZodError): CommandRefused {
  const issues = formatIssues(error)
  const first = issues[0]
  return new CommandRefused(
    'bad_request',
    `invalid session: ${first === undefined ? 'malformed' : `${first.path}: ${first.message}`}`,
  )
}
