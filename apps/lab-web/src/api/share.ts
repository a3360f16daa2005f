import type { Recipe } from '../protocol'

/**
 * Share links carry the whole recipe (seed, settings, commands) in the URL fragment, so the
 * server keeps nothing for them: `.../#r=<base64url(JSON)>`. Same encoding as the server's
 * `encodeRecipeForLink`.
 */
export function encodeRecipe(recipe: Recipe): string {
  const bytes = new TextEncoder().encode(JSON.stringify(recipe))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** Throws on a malformed fragment; the server validates the recipe itself. */
export function decodeRecipe(encoded: string): Recipe {
  const base64 = encoded.replaceAll('-', '+').replaceAll('_', '/')
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
  const value = JSON.parse(new TextDecoder().decode(bytes)) as unknown
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a recipe')
  return value as Recipe
}

/** A link to the run at virtual time `time` (ms): it opens paused at that moment. */
export function shareLink(recipe: Recipe, time?: number): string {
  const url = new URL(location.href)
  url.hash = 'r=' + encodeRecipe(recipe) + (time === undefined ? '' : `&t=${Math.round(time)}`)
  return url.toString()
}

export function downloadRecipe(recipe: Recipe, name: string): void {
  const blob = new Blob([JSON.stringify(recipe, null, 2) + '\n'], { type: 'application/json' })
  const url = URL.createObjectURL(blob)
  const anchor = document.createElement('a')
  anchor.href = url
  anchor.download = name
  document.body.append(anchor)
  anchor.click()
  anchor.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export async function readRecipeFile(file: File): Promise<Recipe> {
  const value = JSON.parse(await file.text()) as unknown
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a recipe')
  // A saved-run export may wrap the recipe: accept both shapes.
  const maybe = value as { recipe?: unknown }
  return (typeof maybe.recipe === 'object' && maybe.recipe !== null ? maybe.recipe : value) as Recipe
}
