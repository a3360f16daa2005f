import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { problem } from './errors.js'

/** Methods that only read; everything else on /v1 writes or administers. */
const readMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/**
 * Requires one of `keys` for every request that writes or administers (any method but GET, HEAD
 * and OPTIONS under /v1), given as `Authorization: Bearer KEY` or `X-Api-Key: KEY`. Reads, health
 * checks and metrics stay open. With no keys configured (a node on loopback) it lets all through.
 *
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, so neither their length nor their
 * prefix leaks through response times. A follower forwards the client's headers to the leader,
 * which checks them again.
 */
export function apiKeyGuard(keys: readonly string[]): MiddlewareHandler {
  const digests = keys.map(digest)
  return async (c, next) => {
    if (digests.length === 0 || readMethods.has(c.req.method) || !c.req.path.startsWith('/v1/')) {
      return next()
    }
    const authorization = c.req.header('authorization')
    const given =
      c.req.header('x-api-key') ??
      (authorization?.toLowerCase().startsWith('bearer ') ? authorization.slice(7).trim() : undefined)
    if (given === undefined || given.length === 0) {
      c.header('www-authenticate', 'Bearer realm="raftkit"')
      return problem(c, 'unauthorized', 'writes and administration need an API key (Authorization: Bearer KEY)')
    }
    const candidate = digest(given)
    let match = false
    for (const key of digests) match = timingSafeEqual(candidate, key) || match
    if (!match) {
      c.header('www-authenticate', 'Bearer realm="raftkit", error="invalid_token"')
      return problem(c, 'unauthorized', 'the API key is not valid')
    }
    return next()
  }
}
