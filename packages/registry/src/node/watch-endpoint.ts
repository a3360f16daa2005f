import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { platformPattern } from '../versions/version-record.js'
import type { WatchFilter } from '../watch/change.js'
import type { WatchHub } from '../watch/watch-hub.js'

export const watchKvPath = '/v1/watch/kv'
export const watchVersionsPath = '/v1/watch/versions'

/** A watcher whose socket buffers more than this is too slow; it is closed and may resume. */
const outboundBytesMax = 4 << 20
/** Watchers only listen; a large frame from one closes it. */
const inboundFrameBytesMax = 1024
/** How often live watchers learn how far the node has applied. */
const progressIntervalMs = 2000
const watchersMax = 10_000

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } })
  socket.end(
    `HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

type Parsed =
  { ok: true; filter: WatchFilter; after: number | undefined } | { ok: false; message: string }

/** Reads the filter and the resume point from a watch URL. */
export function parseWatchRequest(url: URL): Parsed {
  const afterText = url.searchParams.get('after')
  let after: number | undefined
  if (afterText !== null) {
    if (!/^\d{1,15}$/.test(afterText))
      return { ok: false, message: 'after must be a revision (an integer from 0)' }
    after = Number(afterText)
  }
  if (url.pathname === watchKvPath) {
    const prefix = url.searchParams.get('prefix') ?? ''
    if (Buffer.byteLength(prefix) > 1024)
      return { ok: false, message: 'prefix is longer than 1024 bytes' }
    return { ok: true, filter: { kind: 'kv', prefix }, after }
  }
  const platform = url.searchParams.get('platform') ?? undefined
  if (platform !== undefined && !platformPattern.test(platform)) {
    return { ok: false, message: 'platforms are 1-64 letters, digits, ., _, + or -' }
  }
  return { ok: true, filter: { kind: 'version', platform }, after }
}

/**
 * Serves watches as WebSockets: `GET /v1/watch/kv?prefix=P&after=R` and
 * `GET /v1/watch/versions?platform=P&after=R`. Each message is a JSON WatchEvent. Without
 * `after` the watch starts at the node's current revision. Returns the node's upgrade hook
 * (true when it took the request) and a function that closes every watch.
 */
export function createWatchEndpoint(
  hub: WatchHub,
  options: { logger?: { debug(fields: object, message: string): void } } = {},
): {
  upgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean
  close: () => void
} {
  const wss = new WebSocketServer({ noServer: true, maxPayload: inboundFrameBytesMax })
  const progress = setInterval(() => hub.progress(), progressIntervalMs)
  progress.unref()
  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(request.url ?? '/', 'http://node')
    if (url.pathname !== watchKvPath && url.pathname !== watchVersionsPath) return false
    if (request.method !== 'GET') {
      refuse(socket, 405, 'method_not_allowed', 'watches are GET with Upgrade: websocket')
      return true
    }
    const parsed = parseWatchRequest(url)
    if (!parsed.ok) {
      refuse(socket, 400, 'bad_request', parsed.message)
      return true
    }
    if (hub.size >= watchersMax) {
      refuse(socket, 503, 'overloaded', `this node serves at most ${watchersMax} watches`)
      return true
    }
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      const subscription = hub.watch(parsed.filter, parsed.after ?? hub.revision, {
        send(event) {
          if (ws.readyState !== ws.OPEN) return
          if (ws.bufferedAmount > outboundBytesMax) {
            // Try again later (1013): the client resumes from its last revision elsewhere or here.
            ws.close(1013, 'too slow: reconnect and resume from your last revision')
            return
          }
          ws.send(JSON.stringify(event))
        },
        close(reason) {
          if (ws.readyState === ws.OPEN) ws.close(1000, reason.slice(0, 120))
        },
      })
      ws.on('close', () => subscription.close())
      ws.on('error', (error) => {
        options.logger?.debug({ err: error.message }, 'watch socket error')
        subscription.close()
      })
    })
    return true
  }
  return {
    upgrade,
    close() {
      clearInterval(progress)
      hub.closeAll('the node is stopping')
      for (const client of wss.clients) client.terminate()
      wss.close()
    },
  }
}
