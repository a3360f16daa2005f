import { z } from 'zod'
import { recipeSchema } from './recipe.js'
import { seedSchema, settingsSchema, unsafeRuleSchema } from './settings.js'
import type { Recipe } from './recipe.js'
import type { LabEvent, NodeView, State } from './state.js'

/**
 * `POST /v1/lab/sessions`. Give settings field by field (any left out take their defaults), or
 * a guided `scenario`, or a whole `recipe` (from a share link or file) — not more than one kind.
 */
export const createSessionBodySchema = z
  .object({
    nodes: z.number().int().min(1).max(9).optional(),
    seed: seedSchema.optional(),
    /** A base in ms, or [min, max] with max = 2 x min (the core draws in [base, 2 x base)). */
    electionTimeoutMs: z
      .union([z.number().int(), z.tuple([z.number().int(), z.number().int()])])
      .optional(),
    heartbeatMs: z.number().int().optional(),
    latencyMs: z.tuple([z.number().int(), z.number().int()]).optional(),
    preVote: z.boolean().optional(),
    checkQuorum: z.boolean().optional(),
    unsafe: unsafeRuleSchema.nullable().optional(),
    snapshotEvery: z.number().int().optional(),
    scenario: z.string().min(1).max(64).optional(),
    recipe: recipeSchema.optional(),
    /** Open the run at this virtual time (a share link that names a moment), paused there. */
    at: z.number().int().min(0).optional(),
    /** Start playing at once (default true) at this speed (default 0.1). */
    playing: z.boolean().optional(),
    speed: z.number().min(0.01).max(100).optional(),
  })
  .strict()

export type CreateSessionBody = z.input<typeof createSessionBodySchema>

export interface CreateSessionResponse {
  readonly id: string
  readonly recipe: Recipe
  readonly state: State
  /** Where the session's WebSocket is, relative to the server. */
  readonly wsPath: string
}

export const eventsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

export interface EventsResponse {
  readonly events: readonly LabEvent[]
  /** Pass as `after` to get the next page. */
  readonly next: number
  /** The oldest event still held: older ones were let go to bound memory (replay to see them). */
  readonly firstRetained: number
  readonly last: number
}

export type NodeResponse = NodeView

export interface CommandResponse {
  readonly ok: true
  readonly state: State
}

export interface ApiErrorBody {
  readonly error: {
    readonly code: string
    readonly message: string
    readonly [key: string]: unknown
  }
}

/** Settings as the server resolved them from a create body (defaults filled in). */
export const resolvedSettingsSchema = settingsSchema
