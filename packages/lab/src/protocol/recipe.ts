import { z } from 'zod'
import { worldCommandSchema } from './commands.js'
import { seedSchema, settingsSchema } from './settings.js'

/**
 * Where in a run a command took effect: the virtual time, and the number of simulator steps
 * processed by then (several steps can share one millisecond; stepping can stop between them).
 */
export const recipeStampSchema = z
  .object({
    time: z.number().int().min(0),
    /** Omitted: after every event up to `time` (how scripted scenarios stamp their commands). */
    step: z.number().int().min(0).optional(),
  })
  .strict()

export const recipeEntrySchema = z
  .object({
    at: recipeStampSchema,
    command: worldCommandSchema,
  })
  .strict()

/**
 * A run, fully: the simulator is deterministic, so seed + settings + the timestamped commands
 * reproduce it event for event. Shared as a link or a file, saved for signed-in users, and the
 * base of scrubbing (the past is replayed from the recipe).
 */
export const recipeSchema = z
  .object({
    /** The recipe format; bumped when a change would replay differently. */
    version: z.literal(1).default(1),
    seed: seedSchema,
    settings: settingsSchema,
    /** In the order they were applied; stamps never decrease. */
    commands: z.array(recipeEntrySchema).max(10_000).default([]),
    /** How far the run had gone when it was shared or saved (virtual ms): the end of its timeline. */
    endTime: z.number().int().min(0).optional(),
    /** The guided scenario this run started as, if any. */
    scenario: z.string().min(1).max(64).optional(),
  })
  .strict()
  .refine(
    (recipe) =>
      recipe.commands.every((entry, i) => {
        const before = recipe.commands[i - 1]?.at
        return (
          before === undefined ||
          entry.at.time > before.time ||
          (entry.at.time === before.time && (entry.at.step ?? Infinity) >= (before.step ?? 0))
        )
      }),
    { message: 'recipe commands must be in order of their stamps', path: ['commands'] },
  )

export type Recipe = z.infer<typeof recipeSchema>
export type RecipeInput = z.input<typeof recipeSchema>
export type RecipeEntry = z.infer<typeof recipeEntrySchema>
export type RecipeStamp = z.infer<typeof recipeStampSchema>

/** Encodes a recipe for a share link: `/lab/#r=<this>` (base64url of the JSON). */
export function encodeRecipeForLink(recipe: Recipe): string {
  const bytes = new TextEncoder().encode(JSON.stringify(recipe))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** Decodes a share link's recipe; throws on malformed input (validate the result with `recipeSchema`). */
export function decodeRecipeFromLink(encoded: string): unknown {
  const base64 = encoded.replaceAll('-', '+').replaceAll('_', '/')
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
  return JSON.parse(new TextDecoder().decode(bytes)) as unknown
}
