import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Context, Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import { recipeSchema } from '../protocol/index.js'
import { problem, readJson, validationProblem } from '../server/errors.js'
import {
  authorizeLocation,
  fetchProfile,
  howToConfigure,
  oauthEnvironment,
  type OAuthConfig,
} from './github-oauth.js'
import type { AccountStore, User } from './store.js'

const sessionCookie = 'raftkit_lab_login'
const stateCookie = 'raftkit_lab_oauth_state'

const saveBodySchema = z
  .object({
    /** `history` is accepted for `run` (a run's history). */
    kind: z
      .enum(['scenario', 'run', 'history'])
      .transform((kind) => (kind === 'history' ? 'run' : kind)),
    name: z.string().trim().min(1).max(200).optional(),
    /** Accepted for `name`. */
    title: z.string().trim().min(1).max(200).optional(),
    recipe: recipeSchema,
  })
  .strict()
  .refine((body) => body.name !== undefined || body.title !== undefined, {
    message: 'give the item a name',
    path: ['name'],
  })
const returnCookie = 'raftkit_lab_return_to'

export interface AccountOptions {
  /** Undefined: sign-in is not configured (the routes say what to set). */
  readonly oauth: OAuthConfig | undefined
  /** Undefined with no database: saved items are not available. */
  readonly store: AccountStore | undefined
}

/**
 * Accounts: `GET /v1/lab/me`, sign-in with GitHub (`/v1/lab/auth/github/login` and `/callback`),
 * `POST /v1/lab/auth/logout`, and a signed-in user's saved scenarios and run histories at
 * `/v1/lab/saved`. Visitors who are not signed in use the Lab without any of it.
 */
export function mountAccountRoutes(app: Hono, options: AccountOptions): void {
  const { oauth, store } = options
  const configured = oauth !== undefined && store !== undefined

  const currentUser = async (c: Context): Promise<User | undefined> => {
    const token = getCookie(c, sessionCookie)
    if (token === undefined || store === undefined) return undefined
    return store.userByToken(token)
  }

  const callbackUrl = (c: Context): string =>
    oauth?.redirectUrl ?? new URL('/v1/lab/auth/github/callback', c.req.url).toString()

  app.get('/v1/lab/me', async (c) => {
    const user = await currentUser(c)
    return c.json({
      user: user === undefined ? null : publicUser(user),
      auth: configured
        ? { configured: true, loginUrl: '/v1/lab/auth/github/login' }
        : { configured: false, howTo: howToConfigure },
      oauth: {
        configured,
        loginUrl: '/v1/lab/auth/github/login',
        callbackUrl: callbackUrl(c),
        settings: [oauthEnvironment.clientId, oauthEnvironment.clientSecret],
        ...(configured ? {} : { howTo: howToConfigure }),
      },
    })
  })

  app.get('/v1/lab/auth/github/login', (c) => {
    if (!configured) return problem(c, 'not_configured', howToConfigure)
    const state = randomBytes(18).toString('base64url')
    setCookie(c, stateCookie, state, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/v1/lab/auth',
      maxAge: 600,
    })
    // Where to land after signing in: a path on this server only (never another site).
    const returnTo = c.req.query('returnTo')
    if (returnTo !== undefined && sameOriginPath(returnTo))
      setCookie(c, returnCookie, encodeURIComponent(returnTo), {
        httpOnly: true,
        sameSite: 'Lax',
        path: '/v1/lab/auth',
        maxAge: 600,
      })
    return c.redirect(authorizeLocation(oauth, callbackUrl(c), state), 302)
  })

  app.get('/v1/lab/auth/github/callback', async (c) => {
    if (!configured) return problem(c, 'not_configured', howToConfigure)
    const error = c.req.query('error')
    if (error !== undefined)
      return problem(
        c,
        'unauthorized',
        `sign-in was not completed: ${c.req.query('error_description') ?? error}`,
      )
    const code = c.req.query('code')
    const state = c.req.query('state')
    const expected = getCookie(c, stateCookie)
    deleteCookie(c, stateCookie, { path: '/v1/lab/auth' })
    if (code === undefined || state === undefined)
      return problem(c, 'bad_request', 'the callback needs code and state')
    if (expected === undefined || !sameText(state, expected))
      return problem(
        c,
        'forbidden',
        'the sign-in state does not match this browser (start again from the sign-in button)',
      )
    let profile
    try {
      profile = await fetchProfile(oauth, code, callbackUrl(c))
    } catch (failure) {
      return problem(c, 'unauthorized', (failure as Error).message)
    }
    const user = await store.upsertUser('github', profile)
    const token = await store.createLogin(user.id)
    setCookie(c, sessionCookie, token, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      maxAge: 30 * 86_400,
    })
    const returnTo = getCookie(c, returnCookie)
    deleteCookie(c, returnCookie, { path: '/v1/lab/auth' })
    const target = returnTo === undefined ? '/' : decodeURIComponent(returnTo)
    return c.redirect(sameOriginPath(target) ? target : '/', 302)
  })

  app.post('/v1/lab/auth/logout', async (c) => {
    const token = getCookie(c, sessionCookie)
    if (token !== undefined && store !== undefined) await store.deleteLogin(token)
    deleteCookie(c, sessionCookie, { path: '/' })
    return c.body(null, 204)
  })

  const signedIn = async (c: Context): Promise<User | Response> => {
    if (store === undefined) return problem(c, 'not_configured', howToConfigure)
    return (
      (await currentUser(c)) ??
      problem(c, 'unauthorized', 'sign in with GitHub to keep scenarios and histories')
    )
  }

  app.get('/v1/lab/saved', async (c) => {
    const user = await signedIn(c)
    if (user instanceof Response) return user
    const kind = c.req.query('kind')
    if (kind !== undefined && kind !== 'scenario' && kind !== 'run' && kind !== 'history')
      return problem(c, 'bad_request', 'kind is scenario or run')
    const wanted = kind === undefined ? undefined : kind === 'history' ? 'run' : kind
    return c.json({ items: await store!.list(user.id, wanted) })
  })

  app.post('/v1/lab/saved', async (c) => {
    const user = await signedIn(c)
    if (user instanceof Response) return user
    const read = await readJson(c)
    if (!read.ok) return read.response
    const body = saveBodySchema.safeParse(read.body)
    if (!body.success) return validationProblem(c, 'saved item', body.error)
    const { kind, recipe } = body.data
    return c.json(
      await store!.save(user.id, { kind, recipe, name: body.data.name ?? body.data.title! }),
      201,
    )
  })

  const idOf = (c: Context): number | undefined => {
    const id = Number(c.req.param('id'))
    return Number.isSafeInteger(id) && id > 0 ? id : undefined
  }

  app.get('/v1/lab/saved/:id', async (c) => {
    const user = await signedIn(c)
    if (user instanceof Response) return user
    const id = idOf(c)
    const item = id === undefined ? undefined : await store!.get(user.id, id)
    return item === undefined
      ? problem(c, 'not_found', `no saved item ${c.req.param('id')}`)
      : c.json(item)
  })

  app.delete('/v1/lab/saved/:id', async (c) => {
    const user = await signedIn(c)
    if (user instanceof Response) return user
    const id = idOf(c)
    const deleted = id !== undefined && (await store!.delete(user.id, id))
    return deleted
      ? c.body(null, 204)
      : problem(c, 'not_found', `no saved item ${c.req.param('id')}`)
  })
}

function publicUser(user: User): {
  id: number
  login: string
  name: string | null
  avatarUrl: string | null
} {
  return { id: user.id, login: user.login, name: user.name, avatarUrl: user.avatar_url }
}

/** A path on this server (`/x`), not a URL elsewhere (`//evil`, `/\\evil`, `https://...`). */
function sameOriginPath(path: string): boolean {
  return path.length <= 2000 && /^\/(?![/\\])/.test(path)
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
