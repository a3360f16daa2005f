import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLabServer, type LabServer } from '../server/serve.js'
import { startFakeGitHub, type FakeGitHub } from '../testing/fake-github.js'

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
  let provider: FakeGitHub
  let lab: LabServer
  let dir: string

  beforeAll(async () => {
    provider = await startFakeGitHub({ users: [{ login: 'ada', name: 'Ada L.', id: 4242 }] })
    dir = await mkdtemp(join(tmpdir(), 'raftkit-lab-accounts-'))
    lab = await startLabServer({
      port: 0,
      staticDir: '/nonexistent',
      accounts: {
        databasePath: join(dir, 'lab.sqlite'),
        oauth: provider.oauthConfig(),
      },
    })
  })
  afterAll(async () => {
    await lab.close()
    await provider.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('signs in with GitHub through the stand-in, saves a scenario and a history, and lists them', async () => {
    const browser = new Browser()
    const anonymous = await (await browser.fetch(`${lab.url}/v1/lab/me`)).json()
    expect(anonymous).toMatchObject({ user: null, auth: { configured: true } })
    expect((await browser.fetch(`${lab.url}/v1/lab/saved`)).status).toBe(401)

    const start = await browser.fetch(
      `${lab.url}/v1/lab/auth/github/login?returnTo=${encodeURIComponent('/#saved')}`,
    )
    const atProvider = await browser.fetch(start.headers.get('location')!)
    const back = await browser.fetch(atProvider.headers.get('location')!)
    expect(back.status).toBe(302)
    expect(back.headers.get('location')).toBe('/#saved') // back where the visitor was
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
    const saved = await save({ kind: 'scenario', name: 'my leader crash', recipe: session.recipe })
    expect(saved.status).toBe(201)
    const savedItem = await saved.json()
    expect((await save({ kind: 'run', name: 'a run', recipe: session.recipe })).status).toBe(201)
    const older = await save({ kind: 'history', title: 'an older client', recipe: session.recipe })
    expect(older.status).toBe(201)
    expect((await save({ kind: 'scenario', name: '', recipe: session.recipe })).status).toBe(400)
    expect((await save({ kind: 'scenario', recipe: session.recipe })).status).toBe(400)
    expect((await save({ kind: 'movie', name: 'x', recipe: session.recipe })).status).toBe(400)
    expect((await save({ kind: 'scenario', title: 'x', recipe: { seed: 'no' } })).status).toBe(400)

    const list = await (await browser.fetch(`${lab.url}/v1/lab/saved`)).json()
    expect(list.items.map((i: any) => [i.kind, i.name])).toEqual([
      ['run', 'an older client'],
      ['run', 'a run'],
      ['scenario', 'my leader crash'],
    ])
    expect(list.items[2].recipe).toEqual(session.recipe)
    expect(new Date(list.items[0].createdAt).toISOString()).toBe(list.items[0].createdAt)
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
      expect(me.oauth).toMatchObject({
        configured: false,
        settings: ['RAFTKIT_GITHUB_CLIENT_ID', 'RAFTKIT_GITHUB_CLIENT_SECRET'],
      })
      expect(me.oauth.callbackUrl).toBe(`${bare.url}/v1/lab/auth/github/callback`)
      expect(me.auth.howTo).toMatch(/RAFTKIT_GITHUB_CLIENT_ID/)
      const login = await fetch(`${bare.url}/v1/lab/auth/github/login`, { redirect: 'manual' })
      expect(login.status).toBe(503)
      expect((await login.json()).error.message).toMatch(/RAFTKIT_GITHUB_CLIENT_SECRET/)
    } finally {
      await bare.close()
    }
  })
})
