/** A small JSON-over-HTTP client for tests, with a timeout on every request. */

export interface HttpReply {
  readonly status: number
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly json: any
  readonly text: string
}

export interface HttpOptions {
  readonly timeoutMs?: number
  readonly headers?: Record<string, string>
}

/** Sends one request; throws on a network error or a timeout (the reply never came). */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  options: HttpOptions = {},
): Promise<HttpReply> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: body === undefined ? null : JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  })
  const text = await response.text()
  let json: unknown
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: response.status, json, text }
}

/** Like `http`, but a network error or timeout is returned instead of thrown. */
export async function tryHttp(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  options: HttpOptions = {},
): Promise<HttpReply | { readonly status: 'error'; readonly error: string }> {
  try {
    return await http(baseUrl, method, path, body, options)
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } }
    return { status: 'error', error: `${e.name}: ${e.cause?.code ?? e.message}` }
  }
}

export const kvPath = (key: string): string => `/v1/kv/${encodeURIComponent(key)}`
