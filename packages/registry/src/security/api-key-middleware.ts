import type { MiddlewareHandler } from 'hono'
import { scopeAllows, type ApiKeyVerifier, type ApiScope } from './api-keys.js'

/** The API key of a request: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function apiKeyOf(headers: {
  get(name: string): string | null | undefined
}): string | undefined {
  const authorization = headers.get('authorization')
  if (authorization !== null && authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    return match?.[1] ?? ''
  }
  return headers.get('x-api-key') ?? undefined
}

export interface RequireScopeOptions {
  readonly verifier: ApiKeyVerifier
  readonly scope: ApiScope
  readonly now?: () => Date
  /** Called for a refused request (for logs and metrics); never given the key itself. */
  readonly onRefused?: (reason: string, path: string) => void
}

/**
 * Hono middleware that lets a request through only with a valid key of at least `scope`, when
 * keys are configured. A refused request gets 401 (no or bad key) or 403 (key of a narrower
 * scope) in the API's error shape, before any handler runs, so it changes nothing.
 */
export function requireScope(options: RequireScopeOptions): MiddlewareHandler {
  return async (c, next) => {
    if (!options.verifier.enabled) return next()
    const key = apiKeyOf(c.req.raw.headers)
    const refuse = (status: 401 | 403, code: string, message: string): Response => {
      options.onRefused?.(message, c.req.path)
      if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="raftkit"')
      return c.json({ error: { code, message } }, status)
    }
    if (key === undefined) {
      return refuse(
        401,
        'unauthorized',
        `this call needs an API key with scope ${options.scope} (Authorization: Bearer <key>)`,
      )
    }
    const verdict = options.verifier.verify(key, options.now?.() ?? new Date())
    if (!verdict.ok) return refuse(401, 'unauthorized', verdict.reason)
    if (!scopeAllows(verdict.scope, options.scope)) {
      return refuse(
        403,
        'forbidden',
        `API key ${verdict.keyId} has scope ${verdict.scope}; this call needs ${options.scope}`,
      )
    }
    c.set('apiKeyId' as never, verdict.keyId as never)
    return next()
  }
}
