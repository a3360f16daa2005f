/**
 * "Sign in with GitHub": the OAuth authorization-code flow. Endpoints, client id and secret come
 * from configuration (environment variables by default), so a test can point them at a local
 * stand-in for the provider.
 */
export interface OAuthConfig {
  readonly clientId: string
  readonly clientSecret: string
  readonly authorizeUrl: string
  readonly tokenUrl: string
  readonly userUrl: string
  /** Where the provider sends the browser back; default: this server's callback route. */
  readonly redirectUrl?: string
  readonly scope: string
}

export const oauthEnvironment = {
  clientId: 'RAFTKIT_GITHUB_CLIENT_ID',
  clientSecret: 'RAFTKIT_GITHUB_CLIENT_SECRET',
  authorizeUrl: 'RAFTKIT_GITHUB_AUTHORIZE_URL',
  tokenUrl: 'RAFTKIT_GITHUB_TOKEN_URL',
  userUrl: 'RAFTKIT_GITHUB_USER_URL',
  redirectUrl: 'RAFTKIT_GITHUB_REDIRECT_URL',
} as const

export const howToConfigure =
  'Sign-in is not configured. Register an OAuth app on GitHub (Settings → Developer settings → OAuth Apps) with the callback URL ' +
  'http://127.0.0.1:8080/v1/lab/auth/github/callback, then start the Lab with RAFTKIT_GITHUB_CLIENT_ID and RAFTKIT_GITHUB_CLIENT_SECRET set ' +
  '(RAFTKIT_GITHUB_AUTHORIZE_URL, _TOKEN_URL and _USER_URL override the endpoints; RAFTKIT_LAB_DB the database file). ' +
  'Without an account, sessions stay in memory.'

/** The configuration from the environment, or undefined when the client id or secret is missing. */
export function oauthConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): OAuthConfig | undefined {
  const clientId = env[oauthEnvironment.clientId]
  const clientSecret = env[oauthEnvironment.clientSecret]
  if (
    clientId === undefined ||
    clientId === '' ||
    clientSecret === undefined ||
    clientSecret === ''
  )
    return undefined
  const redirectUrl = env[oauthEnvironment.redirectUrl]
  return {
    clientId,
    clientSecret,
    authorizeUrl: env[oauthEnvironment.authorizeUrl] ?? 'https://github.com/login/oauth/authorize',
    tokenUrl: env[oauthEnvironment.tokenUrl] ?? 'https://github.com/login/oauth/access_token',
    userUrl: env[oauthEnvironment.userUrl] ?? 'https://api.github.com/user',
    ...(redirectUrl === undefined ? {} : { redirectUrl }),
    scope: 'read:user',
  }
}

export interface ProviderProfile {
  readonly id: string
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
}

export function authorizeLocation(config: OAuthConfig, redirectUrl: string, state: string): string {
  const url = new URL(config.authorizeUrl)
  url.searchParams.set('client_id', config.clientId)
  url.searchParams.set('redirect_uri', redirectUrl)
  url.searchParams.set('scope', config.scope)
  url.searchParams.set('state', state)
  url.searchParams.set('allow_signup', 'true')
  return url.toString()
}

/** Trades the code for an access token, then asks the provider who the user is. */
export async function fetchProfile(
  config: OAuthConfig,
  code: string,
  redirectUrl: string,
): Promise<ProviderProfile> {
  const tokenResponse = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: config.clientId,
      client_secret: config.clientSecret,
      code,
      redirect_uri: redirectUrl,
    }),
    signal: AbortSignal.timeout(10_000),
  })
  const token = (await tokenResponse.json().catch(() => ({}))) as {
    access_token?: string
    error?: string
    error_description?: string
  }
  if (!tokenResponse.ok || typeof token.access_token !== 'string')
    throw new Error(
      `the provider refused the code: ${token.error_description ?? token.error ?? `HTTP ${tokenResponse.status}`}`,
    )
  const userResponse = await fetch(config.userUrl, {
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${token.access_token}`,
      'user-agent': 'raftkit-lab',
    },
    signal: AbortSignal.timeout(10_000),
  })
  if (!userResponse.ok)
    throw new Error(`the provider did not say who signed in: HTTP ${userResponse.status}`)
  const user = (await userResponse.json()) as {
    id?: unknown
    login?: unknown
    name?: unknown
    avatar_url?: unknown
  }
  if (
    (typeof user.id !== 'number' && typeof user.id !== 'string') ||
    typeof user.login !== 'string'
  )
    throw new Error('the provider answered with an unexpected user record')
  return {
    id: String(user.id),
    login: user.login,
    name: typeof user.name === 'string' ? user.name : null,
    avatarUrl: typeof user.avatar_url === 'string' ? user.avatar_url : null,
  }
}
