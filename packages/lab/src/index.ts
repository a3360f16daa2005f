/**
 * @module @raftkit/lab — Raft Lab's server: simulated sessions on the real simulator, served over
 * REST and WebSocket, guided scenarios, accounts and the live view of a real cluster.
 */
export * from './protocol/index.js'
export {
  createScenarioCatalog,
  type ScenarioCatalog,
  type ScenarioDefinition,
} from './scenarios/index.js'
export { createLabApp, type LabAppDependencies } from './server/app.js'
export {
  defaultStaticDir,
  startLabServer,
  type LabServer,
  type LabServerOptions,
} from './server/serve.js'
export { LabSession, type SessionLimits } from './session/session.js'
export { SessionManager, type ManagerOptions, type Viewer } from './session/session-manager.js'
export { CommandRefused, SimWorld } from './session/world.js'
export { LiveView, type LiveClusterControl } from './live/live-view.js'
export { AccountStore, type SavedSummary } from './accounts/store.js'
export { oauthConfigFromEnv, oauthEnvironment, type OAuthConfig } from './accounts/github-oauth.js'
