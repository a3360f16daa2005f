import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GitHubStandIn {
  /** e.g. `http://127.0.0.1:40123`; the OAuth endpoints are below it. */
  readonly url: string
  readonly server: Server
  /** The bodies of the token requests it received. */
  readonly tokenRequests: unknown[]
  /** The OAuth configuration that points a Lab server at this stand-in. */
  readonly oauth: {
    readonly clientId: string
    readonly clientSecret: string
    readonly authorizeUrl: string
    readonly tokenUrl: string
    readonly userUrl: string
    readonly scope: string
  }
  close(): Promise<void>
}

export interface StandInUser {
  readonly id: number
  readonly login: string
  readonly name: string
  readonly avatar_url: string
}

/**
 * A small stand-in for GitHub's OAuth provider (a real HTTP server, for tests on a machine that
 * cannot reach GitHub): `authorize` approves at once and sends the browser back with a code,
 * `access_token` trades a code for a token (only for the configured client id and secret),
 * `user` says who the token belongs to. The same provider as in `accounts.test.ts`, shared so
 * the page's browser tests sign in through it too.
 */
export async function startGitHubStandIn(
  user: StandInUser = {
    id: 4242,
    login: 'ada',
    name: 'Ada L.',
    avatar_url: 'http://provider/ada.png',
  },
  client: { readonly clientId: string; readonly clientSecret: string } = {
    clientId: 'lab-client',
    clientSecret: 'lab-secret',
  },
): Promise<GitHubStandIn> {
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
        const ok =
          codes.get(parsed.code) === client.clientId && parsed.client_secret === client.clientSecret
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
      if (!(request.headers.authorization ?? '').startsWith('Bearer token-for-')) {
        response.writeHead(401).end()
        return
      }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(user))
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    server,
    tokenRequests,
    oauth: {
      ...client,
      authorizeUrl: `${url}/login/oauth/authorize`,
      tokenUrl: `${url}/login/oauth/access_token`,
      userUrl: `${url}/user`,
      scope: 'read:user',
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
