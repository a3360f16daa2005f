import { forwardedHeader, type ForwardedRequest } from './app.js'

/** Hop-by-hop and length headers, which the leader's answer must not pass on as they are. */
const responseHeadersDropped = [
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
]
const requestHeadersDropped = ['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']

/**
 * Passes a client request to the leader and its answer back, marked so it is not forwarded again
 * (a leader that moved answers 503 instead of bouncing it on). Node's fetch keeps connections to
 * the leader alive, so a follower adds one loopback hop, not a TCP handshake, per request.
 */
export async function forwardRequest(
  request: ForwardedRequest,
  leaderUrl: string,
  selfId: string,
  timeoutMs: number,
): Promise<Response> {
  const headers = new Headers(request.headers)
  headers.set(forwardedHeader, selfId)
  for (const name of requestHeadersDropped) headers.delete(name)
  const response = await fetch(new URL(request.pathAndQuery, leaderUrl), {
    method: request.method,
    headers,
    body: request.body ?? null,
    signal: AbortSignal.timeout(timeoutMs + 1000),
  })
  const out = new Headers(response.headers)
  for (const name of responseHeadersDropped) out.delete(name)
  return new Response(await response.arrayBuffer(), { status: response.status, headers: out })
}
