import { Hono } from 'hono'
import { describe, expect, test } from 'vitest'
import { requireScope } from './api-key-middleware.js'
import { ApiKeyVerifier, issueApiKey, scopeAllows } from './api-keys.js'

const secret = 'a-cluster-api-key-secret-of-enough-length'
const now = new Date('2026-01-01T00:00:00Z')

describe('signed API keys', () => {
  const verifier = new ApiKeyVerifier({ secret, revokedKeyIds: ['old'] })

  test('a key verifies with its id, scope and expiry', () => {
    const expiresAt = new Date('2026-02-01T00:00:00Z')
    const key = issueApiKey({ secret, keyId: 'ci-bot', scope: 'write', expiresAt })
    expect(key).toMatch(/^rk1\.ci-bot\.write\.\d+\.[A-Za-z0-9_-]{43}$/)
    expect(verifier.verify(key, now)).toEqual({
      ok: true,
      keyId: 'ci-bot',
      scope: 'write',
      expiresAt,
    })
  })

  test('an altered, expired, revoked or foreign key is refused', () => {
    const key = issueApiKey({ secret, keyId: 'ci', scope: 'read' })
    expect(verifier.verify(key.replace('.read.', '.admin.'), now)).toMatchObject({
      ok: false,
      reason: /signature/,
    })
    const expired = issueApiKey({
      secret,
      keyId: 'ci',
      scope: 'admin',
      expiresAt: new Date('2025-12-31T00:00:00Z'),
    })
    expect(verifier.verify(expired, now)).toMatchObject({ ok: false, reason: /expired/ })
    expect(
      verifier.verify(issueApiKey({ secret, keyId: 'old', scope: 'admin' }), now),
    ).toMatchObject({ ok: false, reason: /revoked/ })
    const foreign = issueApiKey({
      secret: 'another-secret-that-is-long-enough-too',
      keyId: 'ci',
      scope: 'admin',
    })
    expect(verifier.verify(foreign, now)).toMatchObject({ ok: false, reason: /signature/ })
    expect(verifier.verify('rk1.x', now)).toMatchObject({ ok: false, reason: /malformed/ })
    expect(verifier.verify('', now)).toMatchObject({ ok: false })
  })

  test('plain configured keys have admin scope; scopes nest', () => {
    const plain = new ApiKeyVerifier({ staticKeys: ['a-plain-key-from-config'] })
    expect(plain.verify('a-plain-key-from-config', now)).toMatchObject({ ok: true, scope: 'admin' })
    expect(plain.verify('a-plain-key-from-confiG', now)).toMatchObject({ ok: false })
    expect(plain.verify(issueApiKey({ secret, keyId: 'x', scope: 'admin' }), now)).toMatchObject({
      ok: false,
      reason: /not enabled/,
    })
    expect(scopeAllows('admin', 'write')).toBe(true)
    expect(scopeAllows('write', 'admin')).toBe(false)
    expect(scopeAllows('read', 'read')).toBe(true)
  })

  test('rejects a short secret and a bad key id', () => {
    expect(() => issueApiKey({ secret: 'short', keyId: 'x', scope: 'read' })).toThrow(/secret/)
    expect(() => issueApiKey({ secret, keyId: 'has.dot', scope: 'read' })).toThrow(/key ids/)
    expect(() => new ApiKeyVerifier({ secret: 'short' })).toThrow(/secret/)
  })
})

describe('requireScope middleware', () => {
  const verifier = new ApiKeyVerifier({ secret })
  let writes = 0
  const app = new Hono()
  app.use('/write', requireScope({ verifier, scope: 'write', now: () => now }))
  app.post('/write', (c) => {
    writes++
    return c.json({ ok: true })
  })

  test('401 without a key or with a bad one, 403 with a narrower scope, and the handler never runs', async () => {
    const none = await app.request('/write', { method: 'POST' })
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toContain('Bearer')
    expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } })
    const bad = await app.request('/write', {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
    })
    expect(bad.status).toBe(401)
    const read = issueApiKey({ secret, keyId: 'reader', scope: 'read' })
    const narrow = await app.request('/write', {
      method: 'POST',
      headers: { authorization: `Bearer ${read}` },
    })
    expect(narrow.status).toBe(403)
    expect(await narrow.json()).toMatchObject({ error: { code: 'forbidden' } })
    expect(writes).toBe(0)
    const write = issueApiKey({ secret, keyId: 'writer', scope: 'write' })
    expect(
      (await app.request('/write', { method: 'POST', headers: { 'x-api-key': write } })).status,
    ).toBe(200)
    expect(writes).toBe(1)
  })

  test('without configured keys every request passes', async () => {
    const open = new Hono()
    open.use('*', requireScope({ verifier: new ApiKeyVerifier({}), scope: 'admin' }))
    open.get('/', (c) => c.text('ok'))
    expect((await open.request('/')).status).toBe(200)
  })
})
