import { Hono, type Context } from 'hono'
import { cors } from 'hono/cors'
import { z } from 'zod'
import { apiKeyGuard, type ApiKeyCheck } from './api-keys.js'
import { ApiError, errorBody, problem, statusByErrorCode } from './errors.js'
import { bodyText, boundedBody } from './request-body.js'
import type { NodeMetrics } from './metrics.js'
import {
  NotLeader,
  type ClusterService,
  type DebugFaults,
  type KvService,
  type RequestIdentity,
  type ServiceResult,
} from './service-types.js'

export interface AppDependencies {
  readonly nodeId: string
  readonly kv: KvService
  readonly cluster: ClusterService
  readonly metrics: NodeMetrics
  /** Present only when the node runs with --debug-faults. */
  readonly debugFaults: DebugFaults | undefined
  readonly maxBodyBytes: number
  /**
   * Keys accepted for writes and administration (`Authorization: Bearer KEY` or `X-Api-Key`).
   * Empty: no key is needed (a node on loopback).
   */
  readonly apiKeys?: readonly string[]
  /** A check of signed keys with scopes; when given, it replaces the plain `apiKeys` check. */
  readonly apiKeyCheck?: ApiKeyCheck | undefined
  /** Origins allowed to call the API from a browser; empty or absent: CORS stays off. */
  readonly corsOrigins?: readonly string[]
  /**
   * With a cluster secret, a request to add a member must carry `proof` (or come with an API key,
   * when the node requires them): a node that does not know the secret cannot join.
   */
  readonly verifyJoin?:
    | ((
        member: { id: string; peerAddr: string; clientUrl: string },
        proof: string | undefined,
      ) => boolean)
    | undefined
  /** Adds routes of another replicated service (the version registry) to the same app. */
  readonly extend?: ((app: Hono) => void) | undefined
  /** Forwards a request to the leader; injected so tests can run without sockets. */
  readonly forward: (request: ForwardedRequest, leaderUrl: string) => Promise<Response>
  readonly logger?: { warn(fields: object, message: string): void }
}

export const forwardedHeader = 'x-raftkit-forwarded-by'

/** What a follower passes on to the leader: the request as the client sent it. */
export interface ForwardedRequest {
  readonly method: string
  readonly pathAndQuery: string
  readonly headers: Headers
  readonly body: string | undefined
}
const maxKeyBytes = 1024
const maxListLimit = 1000

const putBody = z
  .object({
    value: z.string(),
    ttlMs: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86_400_000)
      .optional(),
  })
  .strict()
const casBody = z.object({ expected: z.string().nullable(), value: z.string() }).strict()
const addMemberBody = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    peerAddr: z.string().regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/),
    clientUrl: z.string().url(),
    learner: z.boolean().optional(),
    /** With a cluster secret: HMAC proof that the joiner knows it (see join-proof.ts). */
    proof: z.string().max(128).optional(),
  })
  .strict()
const transferBody = z.object({ to: z.string().min(1).optional() }).strict()
const blockBody = z.object({ block: z.array(z.string().min(1)).max(64) }).strict()

/**
 * The HTTP API of one node (the contract is in the SPEC). Handlers are thin: validate, call a
 * service, map the result. A follower forwards what only the leader can do; the leader's answer
 * is passed through unchanged.
 */
export function createApp(deps: AppDependencies): Hono {
  const app = new Hono()

  app.use('*', async (c, next) => {
    const started = performance.now()
    await next()
    // Unmatched requests share one label, so a scan of random paths cannot grow the metrics.
    const route =
      c.res.status === 404 && c.req.routePath.endsWith('*') ? 'unmatched' : c.req.routePath
    deps.metrics.observeRequest(
      c.req.method,
      route,
      c.res.status,
      (performance.now() - started) / 1000,
    )
  })
  const origins = deps.corsOrigins ?? []
  if (origins.length > 0) {
    // Before the key guard, so a browser's preflight (OPTIONS, no credentials) is answered.
    app.use(
      '*',
      cors({
        origin: origins.includes('*') ? '*' : [...origins],
        allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS'],
        allowHeaders: [
          'content-type',
          'authorization',
          'x-api-key',
          'if-match',
          'x-raftkit-client-id',
          'x-raftkit-seq',
        ],
        exposeHeaders: ['etag', 'location'],
        maxAge: 600,
      }),
    )
  }
  app.use('*', apiKeyGuard(deps.apiKeyCheck ?? deps.apiKeys ?? []))
  app.use('/v1/*', boundedBody(deps.maxBodyBytes))

  app.onError((error, c) => {
    if (error instanceof ApiError) return problem(c, error.code, error.message, error.details)
    if (error instanceof NotLeader) return forwardOrFail(c, error)
    deps.logger?.warn({ err: error.message, path: c.req.path }, 'unhandled error')
    return problem(c, 'internal', 'internal error')
  })
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path, deps.debugFaults !== undefined)
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      c.header('allow', allowed.join(', '))
      return problem(
        c,
        'method_not_allowed',
        `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(', ')}`,
      )
    }
    return problem(c, 'not_found', `no route for ${c.req.method} ${c.req.path}`)
  })

  async function forwardOrFail(c: Context, notLeader: NotLeader): Promise<Response> {
    if (c.req.header(forwardedHeader) !== undefined) {
      return problem(c, 'no_leader', 'the leader moved while forwarding; retry', {
        leaderId: notLeader.leaderId ?? null,
      })
    }
    if (notLeader.leaderUrl === undefined) {
      return problem(c, 'no_leader', 'no leader is known right now; retry shortly', {
        leaderId: notLeader.leaderId ?? null,
      })
    }
    try {
      // The handler already read the body; Hono keeps a copy for exactly this.
      const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : bodyText(c)
      const url = new URL(c.req.url)
      const request = {
        method: c.req.method,
        pathAndQuery: url.pathname + url.search,
        headers: new Headers(c.req.header()),
        body,
      }
      return await deps.forward(request, notLeader.leaderUrl)
    } catch (error) {
      deps.logger?.warn(
        { err: (error as Error).stack, leaderUrl: notLeader.leaderUrl },
        'forwarding to the leader failed',
      )
      return problem(
        c,
        'unavailable',
        `forwarding to the leader failed: ${(error as Error).message}`,
        { leaderId: notLeader.leaderId ?? null },
      )
    }
  }

  // ------------------------------------------------------------------ key-value

  app.put('/v1/kv/:key', async (c) => {
    const key = keyParam(c)
    const body = await parseBody(c, putBody)
    return respond(c, await deps.kv.put(key, body.value, body.ttlMs, identityOf(c)))
  })

  app.get('/v1/kv/:key', async (c) => {
    const key = keyParam(c)
    const result = await deps.kv.get(key, consistencyOf(c))
    if (!result.ok) throw result.error
    if (result.value === undefined)
      return problem(c, 'not_found', `key ${JSON.stringify(key)} not found`)
    return c.json(itemJson(result.value))
  })

  app.delete('/v1/kv/:key', async (c) => {
    const key = keyParam(c)
    const result = await deps.kv.delete(key, identityOf(c))
    if (!result.ok) throw result.error
    if (!result.value.deleted)
      return problem(c, 'not_found', `key ${JSON.stringify(key)} not found`)
    return c.json({ key, deleted: true, revision: result.value.revision })
  })

  app.post('/v1/kv/:key/cas', async (c) => {
    const key = keyParam(c)
    const body = await parseBody(c, casBody)
    const result = await deps.kv.cas(key, body.expected, body.value, identityOf(c))
    if (!result.ok) throw result.error
    const current = result.value.current === undefined ? null : itemJson(result.value.current)
    if (result.value.swapped) return c.json({ swapped: true, ...current })
    return c.json({ swapped: false, current }, 409)
  })

  app.get('/v1/kv', async (c) => {
    const prefix = c.req.query('prefix') ?? ''
    const limit = intQuery(c, 'limit', 100, 1, maxListLimit)
    const after = c.req.query('after')
    const result = await deps.kv.list(prefix, limit, after, consistencyOf(c))
    if (!result.ok) throw result.error
    const items = result.value.items.map(itemJson)
    const last = items[items.length - 1]
    return c.json({
      items,
      count: items.length,
      more: result.value.more,
      next: result.value.more && last ? last.key : null,
    })
  })

  // ------------------------------------------------------------------ cluster

  app.get('/v1/cluster', (c) => c.json(deps.cluster.view()))

  // The WebSocket upgrade is taken by the node's HTTP server before Hono sees the request.
  app.get('/v1/cluster/events', (c) =>
    problem(c, 'upgrade_required', 'this is a WebSocket: connect with Upgrade: websocket'),
  )

  app.get('/v1/cluster/leader', (c) => {
    const leader = deps.cluster.leader()
    if (leader === undefined) return problem(c, 'no_leader', 'no leader is known right now')
    return c.json({ id: leader.id, clientUrl: leader.clientUrl ?? null })
  })

  app.post('/v1/cluster/members', async (c) => {
    const { proof, ...body } = await parseBody(c, addMemberBody)
    const keyed = (deps.apiKeys ?? []).length > 0 // the API key guard has let it through
    if (deps.verifyJoin !== undefined && !keyed && !deps.verifyJoin(body, proof)) {
      return problem(
        c,
        'forbidden',
        'this cluster has a secret: a member to add needs a valid proof (raftkit node --join computes it)',
      )
    }
    const result = await deps.cluster.addMember({ ...body, learner: body.learner ?? true })
    if (!result.ok) throw result.error
    return c.json({ added: body.id, learner: body.learner ?? true, index: result.value.index }, 201)
  })

  app.delete('/v1/cluster/members/:id', async (c) => {
    const result = await deps.cluster.removeMember(c.req.param('id'))
    if (!result.ok) throw result.error
    return c.json({ removed: c.req.param('id'), index: result.value.index })
  })

  app.post('/v1/cluster/leader/transfer', async (c) => {
    const body = await parseBody(c, transferBody, true)
    const result = await deps.cluster.transferLeadership(body.to)
    if (!result.ok) throw result.error
    return c.json({ transferredTo: result.value.to })
  })

  app.get('/healthz', (c) => c.json({ ok: true, id: deps.nodeId }))
  app.get('/readyz', (c) =>
    deps.cluster.ready()
      ? c.json({ ready: true })
      : problem(c, 'not_ready', 'no leader known, or this node is still catching up'),
  )
  app.get('/metrics', async (c) => {
    const text = await deps.metrics.render()
    return c.text(text, 200, { 'content-type': deps.metrics.registry.contentType })
  })

  // ------------------------------------------------------------------ fault injection

  const faults = deps.debugFaults
  if (faults !== undefined) {
    app.post('/v1/debug/network', async (c) => {
      const body = await parseBody(c, blockBody)
      faults.block(body.block)
      return c.json({ blocked: faults.blocked() })
    })
    app.delete('/v1/debug/network', (c) => {
      faults.heal()
      return c.json({ blocked: [] })
    })
    app.get('/v1/debug/network', (c) => c.json({ blocked: faults.blocked() }))
  }

  deps.extend?.(app)
  return app
}

/** The methods each route answers, to tell 405 (wrong method) from 404 (no such route). */
function allowedMethods(path: string, debugFaults: boolean): string[] {
  if (/^\/v1\/kv\/[^/]+$/.test(path)) return ['GET', 'PUT', 'DELETE']
  if (/^\/v1\/kv\/[^/]+\/cas$/.test(path)) return ['POST']
  if (path === '/v1/kv' || path === '/v1/cluster' || path === '/v1/cluster/leader') return ['GET']
  if (path === '/v1/cluster/events') return ['GET']
  if (path === '/v1/cluster/members') return ['POST']
  if (/^\/v1\/cluster\/members\/[^/]+$/.test(path)) return ['DELETE']
  if (path === '/v1/cluster/leader/transfer') return ['POST']
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return ['GET']
  if (debugFaults && path === '/v1/debug/network') return ['GET', 'POST', 'DELETE']
  // The version registry's routes (@raftkit/registry adds them through `extend`).
  if (path === '/v1/versions') return ['GET', 'POST']
  if (/^\/v1\/versions\/[^/]+$/.test(path)) return ['GET', 'PUT', 'DELETE']
  if (path === '/v1/platforms' || /^\/v1\/platforms\/[^/]+\/latest$/.test(path)) return ['GET']
  return []
}

function respond<T extends object>(c: Context, result: ServiceResult<T>): Response {
  if (!result.ok) throw result.error
  return c.json('key' in result.value ? itemJson(result.value as never) : result.value)
}

function itemJson(item: {
  key: string
  value: string
  revision: number
  expiresAt?: number
}): Record<string, unknown> {
  const json: Record<string, unknown> = {
    key: item.key,
    value: item.value,
    revision: item.revision,
  }
  if (item.expiresAt !== undefined) json.expiresAt = new Date(item.expiresAt).toISOString()
  return json
}

function keyParam(c: Context): string {
  const key = c.req.param('key') ?? ''
  if (key.length === 0) throw new ApiError('bad_request', 'the key must not be empty')
  if (new TextEncoder().encode(key).byteLength > maxKeyBytes) {
    throw new ApiError('bad_request', `keys are at most ${maxKeyBytes} bytes`)
  }
  return key
}

function consistencyOf(c: Context): 'linearizable' | 'stale' {
  const value = c.req.query('consistency') ?? 'linearizable'
  if (value !== 'linearizable' && value !== 'stale') {
    throw new ApiError('bad_request', 'consistency must be "linearizable" or "stale"')
  }
  return value
}

function intQuery(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ApiError('bad_request', `${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

/** Client id and sequence from headers, so a retried write is applied once. */
function identityOf(c: Context): RequestIdentity | undefined {
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

async function parseBody<T>(c: Context, schema: z.ZodType<T>, optional = false): Promise<T> {
  const text = bodyText(c)
  if (optional && text.trim().length === 0) return schema.parse({})
  const type = c.req.header('content-type')
  if (type !== undefined && !type.includes('json')) {
    throw new ApiError('unsupported_media_type', 'send the body as application/json')
  }
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

export { errorBody, statusByErrorCode }
