import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * Every error the API returns, as `{"error": {"code", "message", ...}}` with one status per code.
 * One table, so a code can never drift to a different status in another handler.
 */
export const statusByErrorCode = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  no_leader: 503,
  not_ready: 503,
  unavailable: 503,
  overloaded: 503,
  timeout: 504,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>

export type ErrorCode = keyof typeof statusByErrorCode

export class ApiError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown>

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.code = code
    this.details = details
  }
}

export function errorBody(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): object {
  return { error: { code, message, ...details } }
}

export function problem(
  c: Context,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): Response {
  return c.json(errorBody(code, message, details), statusByErrorCode[code])
}
