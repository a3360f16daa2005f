import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { ApiError, problem } from './errors.js'

/**
 * Request bodies, read once, bounded, and without Web streams.
 *
 * Hono's bodyLimit middleware touches `request.body`, which makes @hono/node-server build a full
 * fetch `Request` around a web stream for every request: most of a small write's CPU time. This
 * middleware refuses an announced oversize body from its Content-Length alone (413 before a byte
 * is read); a chunked body is read from the socket with a running count, and refused as soon as it
 * passes the limit. The text is kept on the context for the handler (and for forwarding).
 */
const bodyKey = 'raftkit.body'

export function boundedBody(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next()
    const length = c.req.header('content-length')
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      const bytes = Number(length)
      if (!Number.isSafeInteger(bytes) || bytes < 0)
        return problem(c, 'bad_request', 'Content-Length is not a byte count')
      if (bytes > maxBytes)
        return problem(c, 'payload_too_large', `request body exceeds ${maxBytes} bytes`)
    }
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
    let text: string
    if (incoming !== undefined && length === undefined) {
      const read = await readLimited(incoming, maxBytes)
      if (read === undefined)
        return problem(c, 'payload_too_large', `request body exceeds ${maxBytes} bytes`)
      text = read
    } else {
      text = await c.req.text()
      if (Buffer.byteLength(text) > maxBytes)
        return problem(c, 'payload_too_large', `request body exceeds ${maxBytes} bytes`)
    }
    c.set(bodyKey as never, text as never)
    return next()
  }
}

/** The request's body as text ('' for a request without one). */
export function bodyText(c: Context): string {
  const text = c.get(bodyKey as never) as string | undefined
  if (text === undefined) throw new ApiError('internal', 'the body was not read by boundedBody')
  return text
}

function readLimited(incoming: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let bytes = 0
    incoming.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength
      if (bytes > maxBytes) {
        incoming.pause()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    })
    incoming.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    incoming.once('error', reject)
  })
}
