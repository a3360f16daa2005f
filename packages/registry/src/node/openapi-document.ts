/**
 * The OpenAPI 3.1 description of a node's HTTP API (the SPEC's contracts), served at
 * `/openapi.json` and browsable at `/docs`. Written out rather than generated: the key-value and
 * cluster routes come from @raftkit/server, and one document must describe the whole node.
 */
const errorRef = { $ref: '#/components/responses/Error' }
const json = (schema: object): object => ({ content: { 'application/json': { schema } } })
const ref = (name: string): object => ({ $ref: `#/components/schemas/${name}` })
const query = (name: string, schema: object, description: string): object => ({
  name,
  in: 'query',
  required: false,
  schema,
  description,
})
const path = (name: string, description: string): object => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
})
const consistency = query(
  'consistency',
  { type: 'string', enum: ['linearizable', 'stale'], default: 'linearizable' },
  'stale: answer from this node (or its Redis cache) without a ReadIndex barrier',
)
const identity = [
  {
    name: 'x-raftkit-client-id',
    in: 'header',
    required: false,
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    description:
      'exactly-once session id (with x-raftkit-seq): a retry with the same pair is applied once',
  },
  { name: 'x-raftkit-seq', in: 'header', required: false, schema: { type: 'integer', minimum: 1 } },
]
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description:
    'the revision from ETag, e.g. "42": change only if nobody changed it since (409 otherwise)',
}
const write = { security: [{ apiKey: [] }, {}] }
const errors = (...statuses: number[]): Record<string, object> =>
  Object.fromEntries(statuses.map((status) => [String(status), errorRef]))

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'raftkit node API',
    version: '1',
    description:
      'Every node of a raftkit cluster serves this API. Writes go through the Raft log (a follower forwards them to the leader); reads are linearizable unless `consistency=stale`. Errors are `{"error": {"code", "message", ...}}`. When the cluster has API keys, writes need a key of scope write and cluster administration one of scope admin (`Authorization: Bearer <key>`).',
  },
  tags: [
    { name: 'versions' },
    { name: 'kv' },
    { name: 'cluster' },
    { name: 'watch' },
    { name: 'operations' },
  ],
  paths: {
    '/v1/versions': {
      post: {
        tags: ['versions'],
        summary: 'Add a version',
        ...write,
        parameters: identity,
        requestBody: { required: true, ...json(ref('NewVersion')) },
        responses: {
          '201': {
            description: 'added',
            headers: {
              ETag: { schema: { type: 'string' } },
              Location: { schema: { type: 'string' } },
            },
            ...json(ref('Version')),
          },
          ...errors(400, 401, 409, 413, 503, 504),
        },
      },
      get: {
        tags: ['versions'],
        summary: 'List versions, newest first by semantic version',
        parameters: [
          query('platform', { type: 'string' }, 'only this platform'),
          query('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, 'page size'),
          query('cursor', { type: 'string' }, 'nextCursor of the previous page'),
          query(
            'order',
            { type: 'string', enum: ['desc', 'asc'], default: 'desc' },
            'by semantic version within each platform',
          ),
          consistency,
        ],
        responses: {
          '200': {
            description: 'a page',
            ...json({
              type: 'object',
              properties: {
                items: { type: 'array', items: ref('Version') },
                nextCursor: { type: ['string', 'null'] },
              },
            }),
          },
          ...errors(400, 503, 504),
        },
      },
    },
    '/v1/versions/{id}': {
      get: {
        tags: ['versions'],
        summary: 'Get a version',
        parameters: [path('id', 'version id'), consistency],
        responses: {
          '200': { description: 'the version', ...json(ref('Version')) },
          ...errors(400, 404, 503, 504),
        },
      },
      put: {
        tags: ['versions'],
        summary: 'Change a version',
        ...write,
        parameters: [path('id', 'version id'), ifMatch, ...identity],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            properties: { versionNo: { type: 'string' }, platform: { type: 'string' } },
            additionalProperties: false,
          }),
        },
        responses: {
          '200': { description: 'changed', ...json(ref('Version')) },
          ...errors(400, 401, 404, 409, 503, 504),
        },
      },
      delete: {
        tags: ['versions'],
        summary: 'Delete a version',
        ...write,
        parameters: [path('id', 'version id'), ifMatch, ...identity],
        responses: { '204': { description: 'deleted' }, ...errors(401, 404, 409, 503, 504) },
      },
    },
    '/v1/platforms': {
      get: {
        tags: ['versions'],
        summary: 'Platforms and their version counts',
        parameters: [consistency],
        responses: {
          '200': {
            description: 'platforms',
            ...json({
              type: 'object',
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { platform: { type: 'string' }, versions: { type: 'integer' } },
                  },
                },
              },
            }),
          },
        },
      },
    },
    '/v1/platforms/{platform}/latest': {
      get: {
        tags: ['versions'],
        summary: 'The highest semantic version of a platform',
        parameters: [
          path('platform', 'platform name'),
          query('includePrerelease', { type: 'boolean', default: true }, 'false: releases only'),
          consistency,
        ],
        responses: {
          '200': { description: 'the latest version', ...json(ref('Version')) },
          ...errors(400, 404, 503, 504),
        },
      },
    },
    '/v1/kv/{key}': {
      get: {
        tags: ['kv'],
        summary: 'Read a key',
        parameters: [path('key', 'up to 1 KiB'), consistency],
        responses: {
          '200': { description: 'the key', ...json(ref('KvItem')) },
          ...errors(400, 404, 503, 504),
        },
      },
      put: {
        tags: ['kv'],
        summary: 'Write a key',
        ...write,
        parameters: [path('key', 'up to 1 KiB'), ...identity],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['value'],
            properties: { value: { type: 'string' }, ttlMs: { type: 'integer', minimum: 1 } },
          }),
        },
        responses: {
          '200': { description: 'written', ...json(ref('KvItem')) },
          ...errors(400, 401, 413, 503, 504),
        },
      },
      delete: {
        tags: ['kv'],
        summary: 'Delete a key',
        ...write,
        parameters: [path('key', 'up to 1 KiB'), ...identity],
        responses: { '200': { description: 'deleted' }, ...errors(401, 404, 503, 504) },
      },
    },
    '/v1/kv/{key}/cas': {
      post: {
        tags: ['kv'],
        summary: 'Compare and set',
        ...write,
        parameters: [path('key', 'up to 1 KiB'), ...identity],
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['expected', 'value'],
            properties: {
              expected: { type: ['string', 'null'], description: 'null: only if absent' },
              value: { type: 'string' },
            },
          }),
        },
        responses: {
          '200': { description: 'swapped' },
          '409': { description: 'not swapped: {"swapped": false, "current": ...}' },
          ...errors(400, 401, 503, 504),
        },
      },
    },
    '/v1/kv': {
      get: {
        tags: ['kv'],
        summary: 'List keys by prefix',
        parameters: [
          query('prefix', { type: 'string' }, 'key prefix'),
          query('limit', { type: 'integer', minimum: 1, maximum: 1000 }, 'page size'),
          query('after', { type: 'string' }, 'the `next` of the previous page'),
          consistency,
        ],
        responses: {
          '200': {
            description: 'keys',
            ...json({
              type: 'object',
              properties: {
                items: { type: 'array', items: ref('KvItem') },
                more: { type: 'boolean' },
                next: { type: ['string', 'null'] },
              },
            }),
          },
        },
      },
    },
    '/v1/cluster': {
      get: {
        tags: ['cluster'],
        summary: 'Leader, term, indexes and members',
        responses: { '200': { description: 'the cluster as this node sees it' } },
      },
    },
    '/v1/cluster/leader': {
      get: {
        tags: ['cluster'],
        summary: 'The leader',
        responses: { '200': { description: '{"id", "clientUrl"}' }, ...errors(503) },
      },
    },
    '/v1/cluster/members': {
      post: {
        tags: ['cluster'],
        summary: 'Add a member (a learner, promoted once caught up)',
        ...write,
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            required: ['id', 'peerAddr', 'clientUrl'],
            properties: {
              id: { type: 'string' },
              peerAddr: { type: 'string' },
              clientUrl: { type: 'string' },
              learner: { type: 'boolean' },
            },
          }),
        },
        responses: { '201': { description: 'added' }, ...errors(400, 401, 403, 409, 503) },
      },
    },
    '/v1/cluster/members/{id}': {
      delete: {
        tags: ['cluster'],
        summary: 'Remove a member',
        ...write,
        parameters: [path('id', 'member id')],
        responses: { '200': { description: 'removed' }, ...errors(401, 403, 404, 409, 503) },
      },
    },
    '/v1/cluster/leader/transfer': {
      post: {
        tags: ['cluster'],
        summary: 'Transfer leadership',
        ...write,
        requestBody: {
          required: false,
          ...json({ type: 'object', properties: { to: { type: 'string' } } }),
        },
        responses: { '200': { description: '{"transferredTo"}' }, ...errors(401, 403, 409, 503) },
      },
    },
    '/v1/watch/versions': {
      get: {
        tags: ['watch'],
        summary: 'WebSocket: every change of a platform’s versions, in order',
        description:
          'Upgrade to a WebSocket. Messages are JSON: {"type":"change","change":{...}}, {"type":"progress","revision":N} (everything up to N sent), {"type":"compacted",...} (re-read, then watch from revision). Reconnect with after=<last revision> to resume without gaps.',
        parameters: [
          query('platform', { type: 'string' }, 'omit for every platform'),
          query('after', { type: 'integer' }, 'resume after this revision'),
        ],
        responses: { '101': { description: 'switching to WebSocket' }, ...errors(400) },
      },
    },
    '/v1/watch/kv': {
      get: {
        tags: ['watch'],
        summary: 'WebSocket: every change of keys under a prefix, in order',
        parameters: [
          query('prefix', { type: 'string' }, 'key prefix'),
          query('after', { type: 'integer' }, 'resume after this revision'),
        ],
        responses: { '101': { description: 'switching to WebSocket' }, ...errors(400) },
      },
    },
    '/healthz': {
      get: {
        tags: ['operations'],
        summary: 'The process is up',
        responses: { '200': { description: 'ok' } },
      },
    },
    '/readyz': {
      get: {
        tags: ['operations'],
        summary: 'A leader is known and this node has caught up',
        responses: { '200': { description: 'ready' }, ...errors(503) },
      },
    },
    '/metrics': {
      get: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        responses: { '200': { description: 'text format' } },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: {
        type: 'http',
        scheme: 'bearer',
        description:
          'rk1.<id>.<scope>.<expiry>.<signature> (raftkit apikey issue) or a configured plain key',
      },
    },
    responses: { Error: { description: 'an error', ...json(ref('Error')) } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
      NewVersion: {
        type: 'object',
        required: ['versionNo', 'platform'],
        additionalProperties: false,
        properties: {
          id: { type: ['string', 'integer'], description: 'a snowflake is made when omitted' },
          versionNo: {
            type: 'string',
            description: 'Semantic Versioning 2.0.0; a leading v is dropped',
            examples: ['1.4.0', '2.0.0-rc.1'],
          },
          platform: {
            type: 'string',
            pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$',
            examples: ['ios'],
          },
        },
      },
      Version: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          versionNo: { type: 'string' },
          platform: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          revision: { type: 'integer', description: 'the log index of the last change; the ETag' },
        },
      },
      KvItem: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          value: { type: 'string' },
          revision: { type: 'integer' },
          expiresAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const
