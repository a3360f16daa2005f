import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { problem } from './errors.js'

/** Methods that only read; everything else on /v1 writes or administers. */
const readMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/** What a key may do: each scope includes the ones before it. */
export type ApiKeyScope = 'read' | 'write' | 'admin'

/**
 * Checks one API key. The node passes a verifier of signed keys (`@raftkit/registry`'s
 * `ApiKeyVerifier`, which also knows the plain configured keys); without one, the plain keys
 * of the configuration are checked here and carry admin scope.
 */
export interface ApiKeyCheck {
  /** Whether any key is configured; if not, every request passes. */
  readonly enabled: boolean
  verify(
    key: string,
    now: Date,
  ): { ok: true; keyId: string; scope: ApiKeyScope } | { ok: false; reason: string }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/** The plain configured keys as a check: compared as SHA-256 digests in constant time. */
export function plainKeyCheck(keys: readonly string[]): ApiKeyCheck {
  const digests = keys.map(digest)
  return {
    enabled: digests.length > 0,
    verify(key) {
      const candidate = digest(key)
      let match = false
      for (const known of digests) match = timingSafeEqual(candidate, known) || match
      return match
        ? { ok: true, keyId: 'static', scope: 'admin' }
        : { ok: false, reason: 'the API key is not valid' }
    },
  }
}

/** Cluster administration and fault injection need admin scope; other writes need write. */
function scopeNeeded(path: string): ApiKeyScope {
  return path.startsWith('/v1/cluster/') || path.startsWith('/v1/debug/') ? 'admin' : 'write'
}

const rank: Record<ApiKeyScope, number> = { read: 0, write: 1, admin: 2 }

/**
 * Requires a key for every request that writes or administers (any method but GET, HEAD and
 * OPTIONS under /v1), given as `Authorization: Bearer KEY` or `X-Api-Key: KEY`: 401 without a
 * valid key, 403 with a key of too narrow a scope, before any handler runs, so nothing changes.
 * Reads, health checks and metrics stay open. A follower forwards the client's headers to the
 * leader, which checks them again.
 */
export function apiKeyGuard(check: ApiKeyCheck | readonly string[]): MiddlewareHandler {
  const keys = 'verify' in check ? check : plainKeyCheck(check)
  return async (c, next) => {
    if (!keys.enabled || readMethods.has(c.req.method) || !c.req.path.startsWith('/v1/')) {
      return next()
    }
    const authorization = c.req.header('authorization')
    const given =
      c.req.header('x-api-key') ??
      (authorization?.toLowerCase().startsWith('bearer ')
        ? authorization.slice(7).trim()
        : undefined)
    if (given === undefined || given.length === 0) {
      c.header('www-authenticate', 'Bearer realm="raftkit"')
      return problem(
        c,
        'unauthorized',
        'writes and administration need an API key (Authorization: Bearer KEY)',
      )
    }
    const verdict = keys.verify(given, new Date())
    if (!verdict.ok) {
      c.header('www-authenticate', 'Bearer realm="raftkit", error="invalid_token"')
      return problem(c, 'unauthorized', verdict.reason)
    }
    const needed = scopeNeeded(c.req.path)
    if (rank[verdict.scope] < rank[needed]) {
      return problem(
        c,
        'forbidden',
        `API key ${verdict.keyId} has scope ${verdict.scope}; this call needs ${needed}`,
      )
    }
    return next()
  }
}
