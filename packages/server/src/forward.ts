import { Agent, request } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { forwardedHeader, type ForwardedRequest } from './app.js'

/** Hop-by-hop and length headers, which must not be passed on as they are. */
const hopHeaders = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'content-encoding',
  'upgrade',
])

/** Forwarded requests in flight to the leader at once, per follower (more wait for a socket). */
const forwardSocketsMax = 256

/**
 * Passes client requests to the leader and its answers back, over keep-alive connections (a
 * follower adds one loopback hop per request, not a TCP handshake), marked so they are not
 * forwarded again: a leader that moved meanwhile answers 503 instead of bouncing the request on.
 * Plain node:http rather than fetch: it is the hot path of every write sent to a follower.
 */
export class Forwarder {
  readonly #selfId: string
  readonly #timeoutMs: number
  readonly #agent = new Agent({ keepAlive: true, maxSockets: forwardSocketsMax })
  readonly #httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: forwardSocketsMax })

  constructor(selfId: string, timeoutMs: number) {
    this.#selfId = selfId
    this.#timeoutMs = timeoutMs
  }

  forward(forwarded: ForwardedRequest, leaderUrl: string): Promise<Response> {
    const url = new URL(forwarded.pathAndQuery, leaderUrl)
    const headers: Record<string, string> = {}
    forwarded.headers.forEach((value, name) => {
      if (!hopHeaders.has(name)) headers[name] = value
    })
    headers[forwardedHeader] = this.#selfId
    const body = forwarded.body === undefined ? undefined : Buffer.from(forwarded.body, 'utf8')
    if (body !== undefined) headers['content-length'] = String(body.byteLength)
    const https = url.protocol === 'https:'
    return new Promise((resolve, reject) => {
      const outgoing = (https ? httpsRequest : request)(
        {
          agent: https ? this.#httpsAgent : this.#agent,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: forwarded.method,
          headers,
        },
        (incoming) => {
          const chunks: Buffer[] = []
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
          incoming.on('error', reject)
          incoming.on('end', () => {
            const out = new Headers()
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value === undefined || hopHeaders.has(name)) continue
              out.set(name, Array.isArray(value) ? value.join(', ') : value)
            }
            resolve(
              new Response(Buffer.concat(chunks), {
                status: incoming.statusCode ?? 502,
                headers: out,
              }),
            )
          })
        },
      )
      // A little longer than the leader's own request timeout, so its 504 arrives first.
      outgoing.setTimeout(this.#timeoutMs + 1000, () =>
        outgoing.destroy(
          new Error(`the leader did not answer within ${this.#timeoutMs + 1000} ms`),
        ),
      )
      outgoing.on('error', reject)
      outgoing.end(body)
    })
  }

  close(): void {
    this.#agent.destroy()
    this.#httpsAgent.destroy()
  }
}
