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
  readonly auth:
    | { readonly configured: true; readonly loginUrl: string }
    /** `howTo`: what to register with GitHub and which variables to set, for a person. */
    | { readonly configured: false; readonly howTo: string }
}

export type SavedKind = 'scenario' | 'history'

/** A saved item as listed (`GET /v1/lab/saved`); `GET /v1/lab/saved/{id}` adds the recipe. */
export interface SavedSummary {
  readonly id: number
  readonly kind: SavedKind
  readonly title: string
  /** ms since the epoch */
  readonly createdAt: number
  readonly nodes: number
  readonly commands: number
  /** How far the run had gone (virtual ms). */
  readonly endTime: number
}

export interface SavedItem extends SavedSummary {
  readonly recipe: Recipe
}

export const fetchMe = (): Promise<Me> => getJson<Me>('/me')

/** Where the sign-in button goes (the server sends the browser on to GitHub and back to `/`). */
export const loginUrl = (me: Me | null): string =>
  me !== null && me.auth.configured ? me.auth.loginUrl : `${apiBase}/auth/github/login`

export const logout = (): Promise<unknown> => postJson('/auth/logout', {})

export async function listSaved(): Promise<readonly SavedSummary[]> {
  return (await getJson<{ items: readonly SavedSummary[] }>('/saved')).items
}

export const getSaved = (id: number): Promise<SavedItem> => getJson<SavedItem>(`/saved/${id}`)

export const saveRecipe = (title: string, kind: SavedKind, recipe: Recipe): Promise<SavedSummary> =>
  postJson<SavedSummary>('/saved', { title, kind, recipe })

export const deleteSaved = (id: number): Promise<unknown> => deleteJson(`/saved/${id}`)

export const listScenarios = async (): Promise<readonly ScenarioSummary[]> =>
  (await getJson<{ scenarios: readonly ScenarioSummary[] }>('/scenarios')).scenarios
