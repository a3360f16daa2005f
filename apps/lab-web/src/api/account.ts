import type { Recipe, ScenarioSummary } from '../protocol'
import { apiBase, deleteJson, getJson, postJson } from './http'

export interface LabUser {
  readonly id: number
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
}

/** `GET /v1/lab/me`: who is signed in, and whether sign-in is possible at all. */
export interface Me {
  readonly user: LabUser | null
  readonly oauth: {
    readonly configured: boolean
    readonly loginUrl: string
    /** The callback URL to register with GitHub. */
    readonly callbackUrl?: string
    /** The variables to set when sign-in is not configured. */
    readonly settings?: readonly string[]
    /** When not configured: what to do, for a person (English). */
    readonly howTo?: string
  }
}

export type SavedKind = 'scenario' | 'run'

/** A saved item as listed (`GET /v1/lab/saved`); `GET /v1/lab/saved/{id}` adds the recipe. */
export interface SavedSummary {
  readonly id: number
  readonly kind: SavedKind
  readonly name: string
  /** ISO 8601 */
  readonly createdAt: string
  readonly nodes: number
  readonly commands: number
  /** How far the run had gone (virtual ms). */
  readonly endTime: number
}

export interface SavedItem extends SavedSummary {
  readonly recipe: Recipe
}

export const fetchMe = (): Promise<Me> => getJson<Me>('/me')

/** Where the sign-in button goes: on to GitHub, then back to this page. */
export const loginUrl = (me: Me | null): string => {
  const base = me?.oauth.loginUrl ?? `${apiBase}/auth/github/login`
  return `${base}${base.includes('?') ? '&' : '?'}returnTo=${encodeURIComponent(location.pathname + location.hash)}`
}

export const logout = (): Promise<unknown> => postJson('/auth/logout', {})

export async function listSaved(): Promise<readonly SavedSummary[]> {
  return (await getJson<{ items: readonly SavedSummary[] }>('/saved')).items
}

export const getSaved = (id: number): Promise<SavedItem> => getJson<SavedItem>(`/saved/${id}`)

export const saveRecipe = (name: string, kind: SavedKind, recipe: Recipe): Promise<SavedSummary> =>
  postJson<SavedSummary>('/saved', { name, kind, recipe })

export const deleteSaved = (id: number): Promise<unknown> => deleteJson(`/saved/${id}`)

export const listScenarios = async (): Promise<readonly ScenarioSummary[]> =>
  (await getJson<{ scenarios: readonly ScenarioSummary[] }>('/scenarios')).scenarios
