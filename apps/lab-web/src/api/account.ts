import type { Recipe, ScenarioSummary } from '../protocol'
import { apiBase, deleteJson, getJson, postJson } from './http'

export interface LabUser {
  readonly id: string | number
  readonly login: string
  readonly name?: string | null
  readonly avatarUrl?: string | null
}

/** `GET /v1/lab/me`: who is signed in, and whether sign-in is possible at all. */
export interface Me {
  readonly user: LabUser | null
  readonly oauth: {
    readonly configured: boolean
    /** Where to send the browser to sign in (default `/v1/lab/auth/github/login`). */
    readonly loginUrl?: string
    /** The callback URL to register with GitHub. */
    readonly callbackUrl?: string
    /** What to set when it is not configured: config keys or environment variables. */
    readonly settings?: readonly string[]
  }
}

export interface SavedItem {
  readonly id: string
  readonly kind: 'scenario' | 'run'
  readonly name: string
  readonly recipe: Recipe
  readonly createdAt: string
}

export const fetchMe = (): Promise<Me> => getJson<Me>('/me')

export const loginUrl = (me: Me | null): string => {
  const base = me?.oauth.loginUrl ?? `${apiBase}/auth/github/login`
  // Come back to the page the user was on.
  return `${base}${base.includes('?') ? '&' : '?'}returnTo=${encodeURIComponent(location.pathname + location.hash)}`
}

export const logout = (): Promise<unknown> => postJson('/auth/logout', {})

export async function listSaved(): Promise<readonly SavedItem[]> {
  const body = await getJson<{ items: readonly SavedItem[] } | readonly SavedItem[]>('/saved')
  return Array.isArray(body) ? body : (body as { items: readonly SavedItem[] }).items
}

export const saveRecipe = (name: string, kind: SavedItem['kind'], recipe: Recipe): Promise<SavedItem> =>
  postJson<SavedItem>('/saved', { name, kind, recipe })

export const deleteSaved = (id: string): Promise<unknown> => deleteJson(`/saved/${encodeURIComponent(id)}`)

export const listScenarios = async (): Promise<readonly ScenarioSummary[]> => {
  const body = await getJson<{ scenarios: readonly ScenarioSummary[] } | readonly ScenarioSummary[]>('/scenarios')
  return Array.isArray(body) ? body : (body as { scenarios: readonly ScenarioSummary[] }).scenarios
}
