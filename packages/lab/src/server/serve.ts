import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import {
  serve,
  upgradeWebSocket,
  type ServerType,
  type WebSocketServerLike,
} from '@hono/node-server'
import type { Hono } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import { WebSocketServer } from 'ws'
import { createScenarioCatalog, type ScenarioCatalog } from '../scenarios/index.js'
import { SessionManager, type ManagerOptions } from '../session/session-manager.js'
import { createLabApp } from './app.js'
import { mountStaticPage } from './static-page.js'
import { LiveView, type LiveClusterControl } from '../live/live-view.js'
import { mountAccountRoutes } from '../accounts/account-routes.js'
import { oauthConfigFromEnv, type OAuthConfig } from '../accounts/github-oauth.js'
import { AccountStore } from '../accounts/store.js'
import { mountLiveRoutes } from '../live/live-routes.js'

export interface LabServerOptions {
  readonly host?: string
  /** 0 picks a free port. Default 8080. */
  readonly port?: number
  /** The page's build output; default `apps/lab-web/dist` of this repository. */
  readonly staticDir?: string
  readonly sessions?: ManagerOptions
  readonly scenarios?: ScenarioCatalog
  /** The real cluster `raftkit start` runs, for the live view (none: `/v1/lab/live` says so). */
  readonly live?: LiveClusterControl
  /**
   * Accounts: sign-in configuration (default: from RAFTKIT_GITHUB_* variables) and the database
   * file for saved scenarios and histories (default: RAFTKIT_LAB_DB, else ./data/lab.sqlite when
   * sign-in is configured). `false`: no accounts at all.
   */
  readonly accounts?:
    { readonly oauth?: OAuthConfig | undefined; readonly databasePath?: string } | false
  /** More routes on the same server. */
  readonly extend?: (app: Hono, sessions: SessionManager) => void
}

export interface LabServer {
  readonly url: string
  readonly port: number
  readonly sessions: SessionManager
  close(): Promise<void>
}

export const defaultStaticDir = fileURLToPath(
  new URL('../../../../apps/lab-web/dist', import.meta.url),
)

/** Starts the Lab: its API, its WebSocket and the page, on one HTTP server. */
export async function startLabServer(options: LabServerOptions = {}): Promise<LabServer> {
  const host = options.host ?? '127.0.0.1'
  const sessions = new SessionManager(options.sessions)
  const scenarios = options.scenarios ?? createScenarioCatalog()
  const live = options.live === undefined ? undefined : new LiveView(options.live)
  const accounts = options.accounts === false ? undefined : (options.accounts ?? {})
  const oauth =
    accounts === undefined ? undefined : 'oauth' in accounts ? accounts.oauth : oauthConfigFromEnv()
  const databasePath =
    accounts?.databasePath ??
    process.env['RAFTKIT_LAB_DB'] ??
    (oauth === undefined ? undefined : './data/lab.sqlite')
  const store = databasePath === undefined ? undefined : await AccountStore.open(databasePath)
  let stopLive = (): void => {}
  const app = createLabApp({
    sessions,
    scenarios,
    upgradeWebSocket: upgradeWebSocket as UpgradeWebSocket<unknown>,
    extend: (app) => {
      stopLive = mountLiveRoutes(app, live, upgradeWebSocket as UpgradeWebSocket<unknown>)
      mountAccountRoutes(app, { oauth, store })
      options.extend?.(app, sessions)
      mountStaticPage(app, options.staticDir ?? defaultStaticDir)
    },
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const server: ServerType = await new Promise((resolve, reject) => {
    const started = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port: options.port ?? 8080,
        websocket: { server: wss as unknown as WebSocketServerLike },
      },
      () => resolve(started),
    )
    started.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}`,
    port,
    sessions,
    close: async () => {
      stopLive()
      live?.close()
      sessions.close()
      await store?.close()
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      if ('closeAllConnections' in server) server.closeAllConnections()
    },
  }
}
