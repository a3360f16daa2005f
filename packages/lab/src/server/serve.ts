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

export interface LabServerOptions {
  readonly host?: string
  /** 0 picks a free port. Default 8080. */
  readonly port?: number
  /** The page's build output; default `apps/lab-web/dist` of this repository. */
  readonly staticDir?: string
  readonly sessions?: ManagerOptions
  readonly scenarios?: ScenarioCatalog
  /** More routes on the same server (accounts, the live view). */
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
  const app = createLabApp({
    sessions,
    scenarios,
    upgradeWebSocket: upgradeWebSocket as UpgradeWebSocket<unknown>,
    extend: (app) => {
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
      sessions.close()
      for (const client of wss.clients) client.terminate()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      if ('closeAllConnections' in server) server.closeAllConnections()
    },
  }
}
