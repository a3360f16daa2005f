import type { State } from '../protocol'
import { apiBase, getJson } from './http'
import { SessionClient, type SessionPaths } from './session-client'

/** The live view has the same shape as a session, at `/v1/lab/live`. */
const livePaths: SessionPaths = {
  state: '/live',
  ws: `${apiBase}/live/ws`,
  events: '/live/events',
  commands: '/live/commands',
  node: (node) => `/live/nodes/${encodeURIComponent(node)}`,
}

export async function openLive(): Promise<SessionClient> {
  const state = await getJson<State>(livePaths.state)
  return new SessionClient(state.id, livePaths, state)
}
