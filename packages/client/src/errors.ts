/** An error answer from a node, in the API's shape: `{"error": {"code", "message", ...}}`. */
export class RaftkitError extends Error {
  override readonly name = 'RaftkitError'
  readonly status: number
  readonly code: string
  readonly details: Record<string, unknown>

  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

/** No node answered in time (every endpoint failed, or the deadline passed). */
export class RaftkitUnavailableError extends Error {
  override readonly name = 'RaftkitUnavailableError'
  readonly attempts: number
  readonly lastError: unknown

  constructor(message: string, attempts: number, lastError: unknown) {
    super(message)
    this.attempts = attempts
    this.lastError = lastError
  }
}

/** Statuses worth another attempt, perhaps on another node: no leader, unavailable, timed out. */
export function isRetryableStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504
}
