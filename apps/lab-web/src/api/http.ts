import type { ErrorDetail } from '../protocol'

/** An error the server answered with (`{"error": {code, message}}`), or a network failure. */
export class LabError extends Error {
  readonly code: string
  readonly status: number
  readonly issues: ErrorDetail['issues']

  constructor(detail: ErrorDetail, status = 0) {
    super(detail.message)
    this.name = 'LabError'
    this.code = detail.code
    this.status = status
    this.issues = detail.issues
  }

  /** The message with each field's complaint, for a person. */
  describe(): string {
    if (this.issues === undefined || this.issues.length === 0) return this.message
    return `${this.message}: ${this.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`
  }
}

/** The API lives at the server's root (`/v1/lab/...`) wherever the page itself is mounted. */
export const apiBase = '/v1/lab'

async function parseError(response: Response): Promise<LabError> {
  try {
    const body = (await response.json()) as { error?: ErrorDetail }
    if (body.error !== undefined) return new LabError(body.error, response.status)
  } catch {
    // Not JSON: fall through to a generic error naming the status.
  }
  return new LabError({ code: 'http_' + response.status, message: `${response.status} ${response.statusText}` }, response.status)
}

export async function requestJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response
  try {
    response = await fetch(apiBase + path, {
      credentials: 'same-origin',
      ...init,
      headers: { accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    })
  } catch (error) {
    throw new LabError({ code: 'network', message: error instanceof Error ? error.message : String(error) })
  }
  if (!response.ok) throw await parseError(response)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

export const getJson = <T,>(path: string): Promise<T> => requestJson<T>(path)
export const postJson = <T,>(path: string, body: unknown): Promise<T> =>
  requestJson<T>(path, { method: 'POST', body: JSON.stringify(body) })
export const deleteJson = <T,>(path: string): Promise<T> => requestJson<T>(path, { method: 'DELETE' })
