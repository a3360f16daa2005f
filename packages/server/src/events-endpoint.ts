import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { WebSocketServer } from 'ws'
import type { EventHub } from './event-stream.js'

export const eventsPath = '/v1/cluster/events'

/** Clients only listen; anything they send is ignored, and a large frame closes the socket. */
const clientFrameBytesMax = 4 << 10

function refuse(socket: Duplex, status: number, reason: string, code: string): void {
  const body = JSON.stringify({ error: { code, message: reason } })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

/**
 * Serves `GET /v1/cluster/events` as a WebSocket on the node's HTTP server. Query parameters:
 * `messages=1` adds message events, `messageRate=N` bounds them per second. Other upgrade
 * requests are refused with 404.
 */
export function attachEventStream(
  server: Server,
  hub: EventHub,
  logger: Logger,
  /** Upgrades on other paths (the registry's watches); returns true when it took the request. */
  other?: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean,
): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: clientFrameBytesMax })
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://node')
    if (url.pathname !== eventsPath && other?.(request, socket, head) === true) return
    if (url.pathname !== eventsPath || request.method !== 'GET') {
      refuse(socket, 404, 'Not Found', 'not_found')
      return
    }
    const messages = ['1', 'true', 'yes'].includes(url.searchParams.get('messages') ?? '')
    const rateText = url.searchParams.get('messageRate')
    const messageRate = rateText === null ? undefined : Number(rateText)
    if (messageRate !== undefined && !(Number.isInteger(messageRate) && messageRate > 0)) {
      refuse(socket, 400, 'Bad Request', 'bad_request')
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const subscribed = hub.subscribe(ws, { messages, messageRate })
      if (!subscribed.ok) {
        ws.close(1013, subscribed.reason)
        return
      }
      ws.on('close', subscribed.unsubscribe)
      ws.on('error', (error) => {
        logger.debug({ err: error.message }, 'event stream socket error')
        subscribed.unsubscribe()
      })
    })
  }
  server.on('upgrade', onUpgrade)
  return () => {
    server.off('upgrade', onUpgrade)
    hub.close()
    for (const client of wss.clients) client.terminate()
    wss.close()
  }
}
