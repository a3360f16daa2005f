import { ApiError, bodyText, type RequestIdentity } from '@raftkit/server'
import type { Context } from 'hono'
import type { z } from 'zod'

/** Client id and sequence from headers, so a retried write is applied once (as the KV routes). */
export function identityOf(c: Context): RequestIdentity | undefined {
  const clientId = c.req.header('x-raftkit-client-id')
  const seq = c.req.header('x-raftkit-seq')
  if (clientId === undefined && seq === undefined) return undefined
  if (
    clientId === undefined ||
    seq === undefined ||
    !/^[A-Za-z0-9_-]{1,64}$/.test(clientId) ||
    !/^[1-9]\d{0,14}$/.test(seq)
  ) {
    throw new ApiError(
      'bad_request',
      'x-raftkit-client-id (1-64 letters, digits, - or _) and x-raftkit-seq (an integer from 1) go together',
    )
  }
  return { clientId, seq: Number(seq) }
}

/** Parses and validates a JSON body; every problem is reported by field. */
export async function parseJsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const type = c.req.header('content-type')
  if (type !== undefined && !type.includes('json')) {
    throw new ApiError('unsupported_media_type', 'send the body as application/json')
  }
  // Read once and bounded by the node's body middleware.
  const text = bodyText(c)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ApiError('bad_request', 'the body is not valid JSON')
  }
  const result = schema.safeParse(json)
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
    )
    throw new ApiError('bad_request', `invalid body: ${issues.join('; ')}`, { issues })
  }
  return result.data
}

/** `If-Match: "42"` (or `W/"42"`, or `42`) → 42; `*` → undefined (any); absent → undefined. */
export function ifMatchOf(c: Context): number | undefined {
  const header = c.req.header('if-match')
  if (header === undefined || header.trim() === '*') return undefined
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header)
  if (match === null) {
    throw new ApiError(
      'bad_request',
      'If-Match must be a revision as returned in ETag, such as "42"',
    )
  }
  return Number(match[1])
}

export function consistencyOf(c: Context): 'linearizable' | 'stale' {
  const value = c.req.query('consistency') ?? 'linearizable'
  if (value !== 'linearizable' && value !== 'stale') {
    throw new ApiError('bad_request', 'consistency must be "linearizable" or "stale"')
  }
  return value
}

export function intQuery(
  c: Context,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = c.req.query(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError('bad_request', `${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

export function booleanQuery(c: Context, name: string, fallback: boolean): boolean {
  const raw = c.req.query(name)
  if (raw === undefined) return fallback
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ApiError('bad_request', `${name} must be true or false`)
}
