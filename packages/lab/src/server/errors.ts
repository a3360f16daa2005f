import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'
import { formatIssues } from '../protocol/index.js'
import { CommandRefused } from '../session/world.js'

/** Error codes of the Lab's API and socket, each with one HTTP status. */
export const labStatusByCode = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  stopped: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
  unsupported: 501,
  not_configured: 503,
  overloaded: 503,
  unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>

export type LabErrorCode = keyof typeof labStatusByCode

export function statusOf(code: string): ContentfulStatusCode {
  return (labStatusByCode as Record<string, ContentfulStatusCode>)[code] ?? 400
}

export function problem(
  c: Context,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): Response {
  return c.json({ error: { code, message, ...details } }, statusOf(code))
}

export function validationProblem(c: Context, what: string, error: z.ZodError): Response {
  const issues = formatIssues(error)
  const first = issues[0]
  return problem(
    c,
    'bad_request',
    `invalid ${what}: ${first === undefined ? 'malformed' : `${first.path}: ${first.message}`}`,
    { issues },
  )
}

export function refusalProblem(c: Context, error: unknown): Response {
  if (error instanceof CommandRefused) return problem(c, error.code, error.message)
  throw error
}

/** Reads a JSON body, or answers with the problem (415 without the JSON content type, 400 when malformed). */
export async function readJson(
  c: Context,
): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const type = c.req.header('content-type') ?? ''
  if (!type.toLowerCase().includes('application/json'))
    return {
      ok: false,
      response: problem(
        c,
        'unsupported_media_type',
        'send the body as JSON with content-type: application/json',
      ),
    }
  const text = await c.req.text()
  if (text.trim() === '') return { ok: true, body: {} }
  try {
    return { ok: true, body: JSON.parse(text) as unknown }
  } catch (error) {
    return {
      ok: false,
      response: problem(c, 'bad_request', `malformed JSON: ${(error as Error).message}`),
    }
  }
}
