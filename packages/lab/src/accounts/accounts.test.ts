import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLabServer, type LabServer } from '../server/serve.js'

/**
 * A small stand-in for GitHub's OAuth provider (a real HTTP server): `authorize` approves at once
 * and sends the browser back with a code, `access_token` trades a code for a token, `user` says
 * who the token belongs to. It is a test double for a service this machine cannot reach.
 */
async function startProvider(): Promise<{ url: string; server: Server; tokenRequests: unknown[] }> {
  const codes = new Map<string, string>()
  const tokenRequests: unknown[] = []
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://provider')
    if (url.pathname === '/login/oauth/authorize') {
      const code = `code-${codes.size + 1}`
      codes.set(code, url.searchParams.get('client_id') ?? '')
      const back = new URL(url.searchParams.get('redirect_uri')!)
      back.searchParams.set('code', code)
      back.searchParams.set('state', url.searchParams.get('state') ?? '')
      response.writeHead(302, { location: back.toString() }).end()
      return
    }
    if (url.pathname === '/login/oauth/access_token' && request.method === 'POST') {
      let body = ''
      request.on('data', (chunk) => (body += chunk))
      request.on('end', () => {
        const parsed = JSON.parse(body) as {
          client_id: string
          client_secret: string
          code: string
        }
        tokenRequests.push(parsed)
        const ok = codes.get(parsed.code) === 'lab-client' && parsed.client_secret === 'lab-secret'
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify(
            ok
              ? { access_token: `token-for-${parsed.code}`, token_type: 'bearer' }
              : {
                  error: 'bad_verification_code',
                  error_description: 'The code passed is incorrect or expired.',
                },
          ),
        )
      })
      return
    }
    if (url.pathname === '/user') {
      const auth = request.headers.authorization ?? ''
      if (!auth.startsWith('Bearer token-for-')) {
        response.writeHead(401).end()
        return
      }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          id: 4242,
          login: 'ada',
          name: 'Ada L.',
          avatar_url: 'http://provider/ada.png',
        }),
      )
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    tokenRequests,
  }
}

/** Follows redirects by hand, keeping cookies, as a browser would. */
class Browser {
  readonly cookies = new Map<string, string>()
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.cookies.size > 0)
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, ...value] = pair!.split('=')
      if (/max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line))
        this.cookies.delete(name!.trim())
      else this.cookies.set(name!.trim(), value.join('='))
    }
    return response
  }
  async follow(url: string): Promise<Response> {
    let response = await this.fetch(url)
    for (let hops = 0; hops < 5 && response.status >= 300 && response.status < 400; hops++)
      response = await this.fetch(new URL(response.headers.get('location')!, url).toString())
    return response
  }
}

describe('accounts', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>
  let lab: LabServer
  let dir: string

  beforeAll(async () => {
    provider = await startProvider()
    dir = await mkdtemp(join(tmpdir(), 'raftkit-lab-accounts-'))
    lab = await startLabServer({
      port: 0,
      staticDir: '/nonexistent',
      accounts: {
        databasePath: join(dir, 'lab.sqlite'),
        oauth: {
          clientId: 'lab-client',
          clientSecret: 'lab-secret',
          authorizeUrl: `${provider.url}/login/oauth/authorize`,
          tokenUrl: `${provider.url}/login/oauth/access_token`,
          userUrl: `${provider.url}/user`,
          scope: 'read:user',
        },
      },
    })
  })
  afterAll(async () => {
    await lab.close()
    await new Promise((resolve) => provider.server.close(resolve))
    await rm(dir, { recursive: true, force: true })
  })

  it('signs in with GitHub through the stand-in, saves a scenario and a history, and lists them', async () => {
    const browser = new Browser()
    const anonymous = await (await browser.fetch(`${lab.url}/v1/lab/me`)).json()
    expect(anonymous).toMatchObject({ user: null, auth: { configured: true } })
    expect((await browser.fetch(`${lab.url}/v1/lab/saved`)).status).toBe(401)

    const landed = await browser.follow(`${lab.url}/v1/lab/auth/github/login`)
    expect(landed.status).toBe(200) // the Lab page, signed in
    expect(provider.tokenRequests).toHaveLength(1)
    const me = await (await browser.fetch(`${lab.url}/v1/lab/me`)).json()
    expect(me.user).toMatchObject({ login: 'ada', name: 'Ada L.' })

    const session = await (
      await browser.fetch(`${lab.url}/v1/lab/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scenario: 'leader-crash' }),
      })
    ).json()
    const save = async (body: unknown) =>
      browser.fetch(`${lab.url}/v1/lab/saved`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const saved = await save({ kind: 'scenario', title: 'my leader crash', recipe: session.recipe })
    expect(saved.status).toBe(201)
    const savedItem = await saved.json()
    expect((await save({ kind: 'history', title: 'a run', recipe: session.recipe })).status).toBe(
      201,
    )
    expect((await save({ kind: 'scenario', title: '', recipe: session.recipe })).status).toBe(400)
    expect((await save({ kind: 'scenario', title: 'x', recipe: { seed: 'no' } })).status).toBe(400)

    const list = await (await browser.fetch(`${lab.url}/v1/lab/saved`)).json()
    expect(list.items.map((i: any) => [i.kind, i.title])).toEqual([
      ['history', 'a run'],
      ['scenario', 'my leader crash'],
    ])
    const scenarios = await (await browser.fetch(`${lab.url}/v1/lab/saved?kind=scenario`)).json()
    expect(scenarios.items).toHaveLength(1)
    const one = await (await browser.fetch(`${lab.url}/v1/lab/saved/${savedItem.id}`)).json()
    expect(one.recipe).toEqual(session.recipe)
    // It reopens as a session.
    const reopened = await browser.fetch(`${lab.url}/v1/lab/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipe: one.recipe }),
    })
    expect(reopened.status).toBe(201)
    expect((await reopened.json()).state.scenario.id).toBe('leader-crash')

    // Another visitor sees none of it.
    const stranger = new Browser()
    expect((await stranger.fetch(`${lab.url}/v1/lab/saved/${savedItem.id}`)).status).toBe(401)

    expect(
      (await browser.fetch(`${lab.url}/v1/lab/saved/${savedItem.id}`, { method: 'DELETE' })).status,
    ).toBe(204)
    expect((await browser.fetch(`${lab.url}/v1/lab/saved/${savedItem.id}`)).status).toBe(404)
    expect((await browser.fetch(`${lab.url}/v1/lab/auth/logout`, { method: 'POST' })).status).toBe(
      204,
    )
    expect((await (await browser.fetch(`${lab.url}/v1/lab/me`)).json()).user).toBeNull()
  })

  it('refuses a callback whose state does not match, and a code the provider rejects', async () => {
    const browser = new Browser()
    const forged = await browser.fetch(
      `${lab.url}/v1/lab/auth/github/callback?code=code-1&state=forged`,
    )
    expect(forged.status).toBe(403)
    const start = await browser.fetch(`${lab.url}/v1/lab/auth/github/login`)
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!
    const wrongCode = await browser.fetch(
      `${lab.url}/v1/lab/auth/github/callback?code=unknown&state=${state}`,
    )
    expect(wrongCode.status).toBe(401)
    expect((await wrongCode.json()).error.message).toMatch(/incorrect or expired/)
  })

  it('explains what to set when sign-in is not configured', async () => {
    const bare = await startLabServer({
      port: 0,
      staticDir: '/nonexistent',
      accounts: { oauth: undefined },
    })
    try {
      const me = await (await fetch(`${bare.url}/v1/lab/me`)).json()
      expect(me.auth.configured).toBe(false)
      expect(me.auth.howTo).toMatch(/RAFTKIT_GITHUB_CLIENT_ID/)
      const login = await fetch(`${bare.url}/v1/lab/auth/github/login`, { redirect: 'manual' })
      expect(login.status).toBe(503)
      expect((await login.json()).error.message).toMatch(/RAFTKIT_GITHUB_CLIENT_SECRET/)
    } finally {
      await bare.close()
    }
  })
})
