import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { OAuthConfig } from '../accounts/github-oauth.js'

export interface FakeGitHubUser {
  readonly login: string
  readonly id?: number
  readonly name?: string
  readonly avatarUrl?: string
}

export interface FakeGitHub {
  readonly url: string
  /** Every token request it received (to check the client sent its id and secret). */
  readonly tokenRequests: readonly { client_id: string; client_secret: string; code: string }[]
  /** What to give `startLabServer({ accounts: { oauth } })` to sign in through it. */
  oauthConfig(): OAuthConfig
  close(): Promise<void>
}

const clientId = 'lab-test-client'
const clientSecret = 'lab-test-secret'

/**
 * A small stand-in for GitHub's OAuth provider, for tests (a real HTTP server): `authorize`
 * approves at once as the first user (or `?login=` picks one) and sends the browser back with a
 * code; `access_token` trades a code for a token (only with the right client id and secret);
 * `user` says whose token it is. A test double for a service tests cannot reach.
 */
export async function startFakeGitHub(
  options: { users?: readonly FakeGitHubUser[] } = {},
): Promise<FakeGitHub> {
  const users = options.users ?? [{ login: 'octocat', name: 'The Octocat' }]
  const codes = new Map<string, { clientId: string; user: FakeGitHubUser }>()
  const tokens = new Map<string, FakeGitHubUser>()
  const tokenRequests: { client_id: string; client_secret: string; code: string }[] = []
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://provider')
    if (url.pathname === '/login/oauth/authorize') {
      const login = url.searchParams.get('login')
      const user = users.find((u) => u.login === login) ?? users[0]!
      const code = `code-${codes.size + 1}`
      codes.set(code, { clientId: url.searchParams.get('client_id') ?? '', user })
      const back = new URL(url.searchParams.get('redirect_uri')!)
      back.searchParams.set('code', code)
      back.searchParams.set('state', url.searchParams.get('state') ?? '')
      response.writeHead(302, { location: back.toString() }).end()
      return
    }
    if (url.pathname === '/login/oauth/access_token' && request.method === 'POST') {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => {
        const parsed = JSON.parse(body) as {
          client_id: string
          client_secret: string
          code: string
        }
        tokenRequests.push(parsed)
        const grant = codes.get(parsed.code)
        codes.delete(parsed.code)
        response.writeHead(200, { 'content-type': 'application/json' })
        if (
          grant === undefined ||
          grant.clientId !== clientId ||
          parsed.client_id !== clientId ||
          parsed.client_secret !== clientSecret
        ) {
          response.end(
            JSON.stringify({
              error: 'bad_verification_code',
              error_description: 'The code passed is incorrect or expired.',
            }),
          )
          return
        }
        const token = `token-${tokens.size + 1}`
        tokens.set(token, grant.user)
        response.end(
          JSON.stringify({ access_token: token, token_type: 'bearer', scope: 'read:user' }),
        )
      })
      return
    }
    if (url.pathname === '/user') {
      const user = tokens.get((request.headers.authorization ?? '').replace(/^Bearer /, ''))
      if (user === undefined) {
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'Bad credentials' }))
        return
      }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          id: user.id ?? 1000 + users.indexOf(user),
          login: user.login,
          name: user.name ?? null,
          avatar_url: user.avatarUrl ?? null,
        }),
      )
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    tokenRequests,
    oauthConfig: () => ({
      clientId,
      clientSecret,
      authorizeUrl: `${url}/login/oauth/authorize`,
      tokenUrl: `${url}/login/oauth/access_token`,
      userUrl: `${url}/user`,
      scope: 'read:user',
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
