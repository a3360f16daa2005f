import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { issueApiKey } from '../security/api-keys.js'
import { startRegistryCluster, type RegistryTestCluster } from '../testing/registry-node.js'

let cluster: RegistryTestCluster
let url: string

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  return {
    status: response.status,
    json: text.length > 0 ? JSON.parse(text) : undefined,
    headers: response.headers,
  }
}

beforeAll(async () => {
  cluster = await startRegistryCluster(1, {
    maxBodyBytes: 4096,
    corsOrigins: ['http://app.example'],
  })
  url = await cluster.leaderUrl()
})
afterAll(async () => {
  await cluster?.stop()
})

describe('POST /v1/versions', () => {
  test('201 with a snowflake id, canonical version, ETag and Location', async () => {
    const created = await call('POST', '/v1/versions', { versionNo: 'v2.1.0', platform: 'ios' })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      versionNo: '2.1.0',
      platform: 'ios',
      revision: expect.any(Number),
    })
    expect(created.json.id).toMatch(/^\d{15,20}$/)
    expect(created.json.createdAt).toBe(created.json.updatedAt)
    expect(created.headers.get('etag')).toBe(`"${created.json.revision}"`)
    expect(created.headers.get('location')).toBe(`/v1/versions/${created.json.id}`)
  })

  test('a given id, as a string or a number, is kept', async () => {
    expect(
      (await call('POST', '/v1/versions', { id: 'custom-1', versionNo: '1.0.0', platform: 'mac' }))
        .json.id,
    ).toBe('custom-1')
    expect(
      (await call('POST', '/v1/versions', { id: 42, versionNo: '1.0.1', platform: 'mac' })).json.id,
    ).toBe('42')
  })

  test('409 on a duplicate id or a duplicate version of the platform (v1.0.0 is 1.0.0)', async () => {
    const id = await call('POST', '/v1/versions', {
      id: 'custom-1',
      versionNo: '9.9.9',
      platform: 'mac',
    })
    expect(id.status).toBe(409)
    expect(id.json.error).toMatchObject({
      code: 'conflict',
      reason: 'duplicate_id',
      current: { id: 'custom-1' },
    })
    const version = await call('POST', '/v1/versions', { versionNo: 'v1.0.0', platform: 'mac' })
    expect(version.status).toBe(409)
    expect(version.json.error).toMatchObject({ reason: 'duplicate_version' })
    expect((await call('GET', '/v1/versions?platform=mac')).json.items).toHaveLength(2)
  })

  test.each([
    [{ versionNo: '1.2', platform: 'ios' }, /semantic version/],
    [{ platform: 'ios' }, /versionNo/],
    [{ versionNo: '1.2.3' }, /platform/],
    [{ versionNo: '1.2.3', platform: 'has space' }, /platform/],
    [{ versionNo: '1.2.3', platform: 'ios', extra: 1 }, /extra|unrecognized/i],
    [{ versionNo: 123, platform: 'ios' }, /versionNo/],
    [{ id: 'bad id!', versionNo: '1.2.3', platform: 'ios' }, /id/],
  ])('400 for %j', async (body, message) => {
    const response = await call('POST', '/v1/versions', body)
    expect(response.status).toBe(400)
    expect(response.json.error.code).toBe('bad_request')
    expect(response.json.error.message).toMatch(message)
  })

  test('405 with Allow for a method the route does not take; 404 for no route', async () => {
    const patch = await call('PATCH', '/v1/versions/1', { versionNo: '1.0.0' })
    expect(patch.status).toBe(405)
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE')
    expect((await call('DELETE', '/v1/versions')).status).toBe(405)
    expect((await call('POST', '/v1/platforms/ios/latest', {})).status).toBe(405)
    const none = await call('GET', '/v1/versionz')
    expect(none.status).toBe(404)
    expect(none.json.error.code).toBe('not_found')
  })

  test('400 for bad JSON, 415 for another media type, 413 for a large body', async () => {
    expect((await call('POST', '/v1/versions', '{not json')).status).toBe(400)
    const text = await fetch(`${url}/v1/versions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    })
    expect(text.status).toBe(415)
    const large = await call('POST', '/v1/versions', {
      versionNo: '1.0.0',
      platform: 'ios',
      pad: 'x'.repeat(5000),
    })
    expect(large.status).toBe(413)
    expect(large.json.error.code).toBe('payload_too_large')
  })

  test('a retry with the same client id and seq is applied once and answered the same', async () => {
    const headers = { 'x-raftkit-client-id': 'api-test-retry', 'x-raftkit-seq': '1' }
    const first = await call(
      'POST',
      '/v1/versions',
      { versionNo: '3.0.0', platform: 'retry' },
      headers,
    )
    const again = await call(
      'POST',
      '/v1/versions',
      { versionNo: '3.0.0', platform: 'retry' },
      headers,
    )
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.json).toEqual(first.json)
    expect((await call('GET', '/v1/versions?platform=retry')).json.items).toHaveLength(1)
    const bad = await call(
      'POST',
      '/v1/versions',
      { versionNo: '3.0.1', platform: 'retry' },
      { 'x-raftkit-client-id': 'x' },
    )
    expect(bad.status).toBe(400)
  })
})

describe('GET, PUT, DELETE /v1/versions/{id}', () => {
  test('get by id, linearizable and stale; 404; 400 for a bad id or consistency', async () => {
    const created = (await call('POST', '/v1/versions', { versionNo: '1.0.0', platform: 'get' }))
      .json
    expect((await call('GET', `/v1/versions/${created.id}`)).json).toEqual(created)
    expect((await call('GET', `/v1/versions/${created.id}?consistency=stale`)).json).toEqual(
      created,
    )
    const missing = await call('GET', '/v1/versions/404404')
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('not_found')
    expect((await call('GET', '/v1/versions/bad%20id')).status).toBe(400)
    expect((await call('GET', `/v1/versions/${created.id}?consistency=eventual`)).status).toBe(400)
  })

  test('update with If-Match: 200 on the current revision, 409 on an old one', async () => {
    const created = (await call('POST', '/v1/versions', { versionNo: '1.0.0', platform: 'upd' }))
      .json
    const updated = await call(
      'PUT',
      `/v1/versions/${created.id}`,
      { versionNo: '1.0.1' },
      { 'if-match': `"${created.revision}"` },
    )
    expect(updated.status).toBe(200)
    expect(updated.json).toMatchObject({
      id: created.id,
      versionNo: '1.0.1',
      platform: 'upd',
      createdAt: created.createdAt,
    })
    expect(updated.json.revision).toBeGreaterThan(created.revision)
    const stale = await call(
      'PUT',
      `/v1/versions/${created.id}`,
      { versionNo: '1.0.2' },
      { 'if-match': `"${created.revision}"` },
    )
    expect(stale.status).toBe(409)
    expect(stale.json.error).toMatchObject({
      reason: 'revision_mismatch',
      current: { revision: updated.json.revision },
    })
    expect(
      (await call('PUT', `/v1/versions/${created.id}`, { platform: 'upd2' }, { 'if-match': '*' }))
        .status,
    ).toBe(200)
    expect(
      (
        await call(
          'PUT',
          `/v1/versions/${created.id}`,
          { versionNo: '1.0.3' },
          { 'if-match': 'nope' },
        )
      ).status,
    ).toBe(400)
  })

  test('update errors: 404, 409 on a taken version, 400 on an empty or mismatched body', async () => {
    const a = (await call('POST', '/v1/versions', { versionNo: '1.0.0', platform: 'upe' })).json
    await call('POST', '/v1/versions', { versionNo: '2.0.0', platform: 'upe' })
    expect((await call('PUT', '/v1/versions/nope', { versionNo: '1.0.0' })).status).toBe(404)
    expect(
      (await call('PUT', `/v1/versions/${a.id}`, { versionNo: '2.0.0' })).json.error.reason,
    ).toBe('duplicate_version')
    expect((await call('PUT', `/v1/versions/${a.id}`, {})).status).toBe(400)
    expect(
      (await call('PUT', `/v1/versions/${a.id}`, { id: 'other', versionNo: '1.1.0' })).status,
    ).toBe(400)
    expect((await call('PUT', `/v1/versions/${a.id}`, { versionNo: 'one' })).status).toBe(400)
    expect((await call('GET', `/v1/versions/${a.id}`)).json.versionNo).toBe('1.0.0')
  })

  test('delete: 204, then 404; 409 with a stale If-Match', async () => {
    const a = (await call('POST', '/v1/versions', { versionNo: '1.0.0', platform: 'del' })).json
    expect(
      (
        await call('DELETE', `/v1/versions/${a.id}`, undefined, {
          'if-match': `"${a.revision - 1}"`,
        })
      ).status,
    ).toBe(409)
    const deleted = await fetch(`${url}/v1/versions/${a.id}`, { method: 'DELETE' })
    expect(deleted.status).toBe(204)
    expect(await deleted.text()).toBe('')
    expect((await call('DELETE', `/v1/versions/${a.id}`)).status).toBe(404)
    expect((await call('GET', `/v1/versions/${a.id}`)).status).toBe(404)
  })
})

describe('listing and latest', () => {
  test('pages by cursor in semver order; 400 for a bad cursor, limit or order', async () => {
    for (const v of ['1.9.0', '1.10.0', '1.2.0', '1.10.0-rc.1', '0.1.0'])
      await call('POST', '/v1/versions', { versionNo: v, platform: 'page' })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: any = (
        await call('GET', `/v1/versions?platform=page&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json
      seen.push(...page.items.map((v: { versionNo: string }) => v.versionNo))
      cursor = page.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual(['1.10.0', '1.10.0-rc.1', '1.9.0', '1.2.0', '0.1.0'])
    const asc = (await call('GET', '/v1/versions?platform=page&order=asc&limit=1')).json
    expect(asc.items[0].versionNo).toBe('0.1.0')
    expect((await call('GET', '/v1/versions?cursor=garbage!')).status).toBe(400)
    expect((await call('GET', '/v1/versions?limit=0')).status).toBe(400)
    expect((await call('GET', '/v1/versions?limit=abc')).status).toBe(400)
    expect((await call('GET', '/v1/versions?order=up')).status).toBe(400)
    expect((await call('GET', '/v1/versions?platform=a%20b')).status).toBe(400)
  })

  test('latest is the highest semver; releases only on request; 404 for an empty platform', async () => {
    for (const v of ['1.9.0', '1.10.0', '2.0.0-beta.1'])
      await call('POST', '/v1/versions', { versionNo: v, platform: 'lat' })
    const latest = await call('GET', '/v1/platforms/lat/latest')
    expect(latest.status).toBe(200)
    expect(latest.json.versionNo).toBe('2.0.0-beta.1')
    expect(latest.headers.get('etag')).toBe(`"${latest.json.revision}"`)
    expect(
      (await call('GET', '/v1/platforms/lat/latest?includePrerelease=false')).json.versionNo,
    ).toBe('1.10.0')
    expect((await call('GET', '/v1/platforms/lat/latest?consistency=stale')).json.versionNo).toBe(
      '2.0.0-beta.1',
    )
    expect((await call('GET', '/v1/platforms/nothing/latest')).status).toBe(404)
    expect((await call('GET', '/v1/platforms/lat/latest?includePrerelease=maybe')).status).toBe(400)
    const platforms = (await call('GET', '/v1/platforms')).json.items
    expect(platforms).toContainEqual({ platform: 'lat', versions: 3 })
  })
})

describe('the rest of the node', () => {
  test('CORS preflight for a configured origin, none for another', async () => {
    const allowed = await fetch(`${url}/v1/versions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST' },
    })
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example')
    const other = await fetch(`${url}/v1/versions`, { headers: { origin: 'http://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('the OpenAPI document and its page, with local assets', async () => {
    const doc = (await call('GET', '/openapi.json')).json
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/versions',
        '/v1/versions/{id}',
        '/v1/platforms/{platform}/latest',
        '/v1/kv/{key}',
        '/v1/cluster',
      ]),
    )
    const page = await fetch(`${url}/docs`)
    const html = await page.text()
    expect(html).toContain('/docs/assets/swagger-ui-bundle.js')
    expect(html).not.toMatch(/https?:\/\//)
    const asset = await fetch(`${url}/docs/assets/swagger-ui-bundle.js`)
    expect(asset.status).toBe(200)
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000)
    expect((await fetch(`${url}/docs/assets/..%2Fpackage.json`)).status).toBe(404)
  })

  test('cache hit ratios are in /metrics', async () => {
    const created = (
      await call('POST', '/v1/versions', { versionNo: '1.0.0', platform: 'metrics' })
    ).json
    await call('GET', `/v1/versions/${created.id}`)
    await call('GET', `/v1/versions/${created.id}`)
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).toMatch(/raftkit_cache_versions_hit_ratio \d/)
    expect(Number(/raftkit_cache_versions_hits (\d+)/.exec(text)?.[1])).toBeGreaterThan(0)
  })

  test('a watch gets a platform’s changes in order, and resumes after a revision', async () => {
    const events: any[] = []
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/watch/versions?platform=watched`)
    ws.on('message', (data) => events.push(JSON.parse(String(data))))
    await new Promise((resolve) => ws.once('open', resolve))
    await until(() => events.some((e) => e.type === 'progress'))
    const a = (await call('POST', '/v1/versions', { versionNo: '1.0.0', platform: 'watched' })).json
    await call('POST', '/v1/versions', { versionNo: '1.0.0', platform: 'unwatched' })
    const b = (await call('PUT', `/v1/versions/${a.id}`, { versionNo: '1.0.1' })).json
    await call('DELETE', `/v1/versions/${a.id}`)
    await until(() => events.filter((e) => e.type === 'change').length === 3)
    ws.close()
    const changes = events.filter((e) => e.type === 'change').map((e) => e.change)
    expect(changes.map((c) => c.type)).toEqual(['add', 'update', 'delete'])
    expect(changes[1]).toMatchObject({
      revision: b.revision,
      version: { versionNo: '1.0.1' },
      previous: { versionNo: '1.0.0' },
    })
    // Reconnecting after the first change replays the rest from history.
    const resumed: any[] = []
    const again = new WebSocket(
      `${url.replace('http', 'ws')}/v1/watch/versions?platform=watched&after=${changes[0].revision}`,
    )
    again.on('message', (data) => resumed.push(JSON.parse(String(data))))
    await until(() => resumed.some((e) => e.type === 'progress'))
    again.close()
    expect(resumed.filter((e) => e.type === 'change').map((e) => e.change.revision)).toEqual([
      changes[1].revision,
      changes[2].revision,
    ])
  })

  test('a key watch gets puts and deletes under its prefix only', async () => {
    const events: any[] = []
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/watch/kv?prefix=app%2F`)
    ws.on('message', (data) => events.push(JSON.parse(String(data))))
    await new Promise((resolve) => ws.once('open', resolve))
    await until(() => events.some((e) => e.type === 'progress'))
    await call('PUT', '/v1/kv/app%2Fa', { value: '1' })
    await call('PUT', '/v1/kv/other', { value: '1' })
    await call('DELETE', '/v1/kv/app%2Fa')
    await until(() => events.filter((e) => e.type === 'change').length === 2)
    ws.close()
    const changes = events.filter((e) => e.type === 'change').map((e) => e.change)
    expect(changes.map((c) => [c.type, c.key])).toEqual([
      ['put', 'app/a'],
      ['delete', 'app/a'],
    ])
  })

  test('a watch with a bad query is refused with the error shape', async () => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/watch/versions?after=-1`)
    ws.on('error', () => {}) // the refusal ends the handshake; that is the point
    const refused = await new Promise<{ status: number; body: string }>((resolve) => {
      ws.on('unexpected-response', (_request, response) => {
        let body = ''
        response.on('data', (chunk: Buffer) => (body += chunk.toString()))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      })
    })
    ws.terminate()
    expect(refused.status).toBe(400)
    expect(JSON.parse(refused.body).error.code).toBe('bad_request')
  })
})

describe('API keys', () => {
  const secret = 'the-registry-test-api-key-secret-0123456789'
  let secured: RegistryTestCluster
  let securedUrl: string
  beforeAll(async () => {
    secured = await startRegistryCluster(1, { apiKeySecret: secret, revokedApiKeys: ['revoked'] })
    securedUrl = await secured.leaderUrl()
  })
  afterAll(async () => {
    await secured?.stop()
  })

  const post = (key?: string): Promise<Response> =>
    fetch(`${securedUrl}/v1/versions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ versionNo: '1.0.0', platform: 'secure' }),
    })

  test('writes without a valid key get 401 and change nothing; reads stay open', async () => {
    expect((await post()).status).toBe(401)
    expect((await post('rk1.x.admin.0.forged')).status).toBe(401)
    expect((await post(issueApiKey({ secret, keyId: 'revoked', scope: 'admin' }))).status).toBe(401)
    const expired = issueApiKey({
      secret,
      keyId: 'old',
      scope: 'admin',
      expiresAt: new Date(Date.now() - 1000),
    })
    const response = await post(expired)
    expect(response.status).toBe(401)
    expect((await response.json()).error.message).toMatch(/expired/)
    const list = await fetch(`${securedUrl}/v1/versions?platform=secure`)
    expect(list.status).toBe(200)
    expect((await list.json()).items).toEqual([])
  })

  test('a read key gets 403 on writes, a write key may write but not administer', async () => {
    expect((await post(issueApiKey({ secret, keyId: 'reader', scope: 'read' }))).status).toBe(403)
    const writer = issueApiKey({ secret, keyId: 'writer', scope: 'write' })
    expect((await post(writer)).status).toBe(201)
    const admin = await fetch(`${securedUrl}/v1/cluster/leader/transfer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}` },
    })
    expect(admin.status).toBe(403)
    expect((await admin.json()).error.code).toBe('forbidden')
  })
})

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
