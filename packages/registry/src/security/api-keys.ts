import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Signed API keys (seed 004: a version, an id, who it is for and a salted signature).
 *
 *   rk1.<keyId>.<scope>.<expiresAt>.<signature>
 *
 * - `rk1`: the format's name and version;
 * - `keyId`: 1-32 letters, digits, `_` or `-`, naming the key so it can be revoked and logged
 *   (the key itself is never logged);
 * - `scope`: `read`, `write` or `admin`; each includes the ones before it;
 * - `expiresAt`: seconds since the Unix epoch, or `0` for a key that does not expire;
 * - `signature`: HMAC-SHA256 of everything before it under the cluster's API-key secret,
 *   base64url.
 *
 * A node verifies a key with the secret alone: no key list to distribute, and a key cannot be
 * altered (a wider scope, a later expiry) without the secret.
 */
export type ApiScope = 'read' | 'write' | 'admin'

const scopeRank: Record<ApiScope, number> = { read: 0, write: 1, admin: 2 }
const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/
const formatTag = 'rk1'

export function isApiScope(value: string): value is ApiScope {
  return value === 'read' || value === 'write' || value === 'admin'
}

/** Whether a key of scope `has` may do what needs `needs`. */
export function scopeAllows(has: ApiScope, needs: ApiScope): boolean {
  return scopeRank[has] >= scopeRank[needs]
}

/** The shortest API-key secret accepted: 32 characters (about 190 bits as base64). */
export const apiKeySecretLengthMin = 32

export interface IssueApiKeyOptions {
  readonly secret: string
  readonly keyId: string
  readonly scope: ApiScope
  /** When it stops working; undefined for a key that does not expire. */
  readonly expiresAt?: Date
}

export function issueApiKey(options: IssueApiKeyOptions): string {
  if (options.secret.length < apiKeySecretLengthMin) {
    throw new Error(`the API-key secret needs at least ${apiKeySecretLengthMin} characters`)
  }
  if (!keyIdPattern.test(options.keyId)) {
    throw new Error('key ids are 1-32 letters, digits, _ or -')
  }
  const expires =
    options.expiresAt === undefined ? 0 : Math.floor(options.expiresAt.getTime() / 1000)
  if (!Number.isSafeInteger(expires) || expires < 0) throw new Error('invalid expiry')
  const body = `${formatTag}.${options.keyId}.${options.scope}.${expires}`
  return `${body}.${sign(options.secret, body)}`
}

export type ApiKeyVerdict =
  | {
      readonly ok: true
      readonly keyId: string
      readonly scope: ApiScope
      readonly expiresAt: Date | undefined
    }
  | { readonly ok: false; readonly reason: string }

export interface ApiKeyVerifierOptions {
  /** The secret signed keys are checked against; without it, signed keys are refused. */
  readonly secret?: string | undefined
  /** Plain keys from the configuration, each with full (admin) rights. */
  readonly staticKeys?: readonly string[]
  /** Ids of signed keys that are revoked before their expiry. */
  readonly revokedKeyIds?: readonly string[]
}

/** Checks API keys: signed ones against the secret, plain ones against the configured list. */
export class ApiKeyVerifier {
  readonly #secret: string | undefined
  readonly #staticDigests: Buffer[]
  readonly #revoked: Set<string>

  constructor(options: ApiKeyVerifierOptions) {
    if (options.secret !== undefined && options.secret.length < apiKeySecretLengthMin) {
      throw new Error(`the API-key secret needs at least ${apiKeySecretLengthMin} characters`)
    }
    this.#secret = options.secret
    // Compared as digests, in constant time, so neither length nor content leaks through timing.
    this.#staticDigests = (options.staticKeys ?? []).map(digest)
    this.#revoked = new Set(options.revokedKeyIds ?? [])
  }

  /** Whether any key is configured (then writes and admin calls require one). */
  get enabled(): boolean {
    return this.#secret !== undefined || this.#staticDigests.length > 0
  }

  verify(key: string, now: Date): ApiKeyVerdict {
    if (key.length === 0 || key.length > 512) return { ok: false, reason: 'malformed API key' }
    if (key.startsWith(`${formatTag}.`)) return this.#verifySigned(key, now)
    const candidate = digest(key)
    let match = false
    for (const known of this.#staticDigests) match = timingSafeEqual(known, candidate) || match
    return match
      ? { ok: true, keyId: 'static', scope: 'admin', expiresAt: undefined }
      : { ok: false, reason: 'unknown API key' }
  }

  #verifySigned(key: string, now: Date): ApiKeyVerdict {
    if (this.#secret === undefined)
      return { ok: false, reason: 'signed API keys are not enabled on this cluster' }
    const parts = key.split('.')
    if (parts.length !== 5) return { ok: false, reason: 'malformed API key' }
    const [, keyId, scope, expires, signature] = parts as [string, string, string, string, string]
    const body = parts.slice(0, 4).join('.')
    const expected = Buffer.from(sign(this.#secret, body))
    const given = Buffer.from(signature)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'API key signature does not match' }
    }
    // Signed, so these fields are ours; checked anyway (the secret may have signed a bad key).
    if (!keyIdPattern.test(keyId) || !isApiScope(scope) || !/^\d{1,12}$/.test(expires)) {
      return { ok: false, reason: 'malformed API key' }
    }
    const expiresSeconds = Number(expires)
    if (expiresSeconds !== 0 && expiresSeconds * 1000 <= now.getTime()) {
      return {
        ok: false,
        reason: `API key ${keyId} expired at ${new Date(expiresSeconds * 1000).toISOString()}`,
      }
    }
    if (this.#revoked.has(keyId)) return { ok: false, reason: `API key ${keyId} is revoked` }
    return {
      ok: true,
      keyId,
      scope,
      expiresAt: expiresSeconds === 0 ? undefined : new Date(expiresSeconds * 1000),
    }
  }
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url')
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest()
}
