import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { fetchMe, type Me } from '../api/account'
import { LabError } from '../api/http'
import { SessionClient } from '../api/session-client'
import { decodeRecipe } from '../api/share'
import { useI18n } from '../i18n/i18n'
import type { CreateSessionBody } from '../protocol'
import { LabContext, type Lab, type View } from './lab-context'
import { LiveView } from './LiveView'
import { NoticeList, useNotices } from './notices'
import { SavedPage } from './SavedPage'
import { ScenariosPage } from './ScenariosPage'
import { SignInHelp } from './SignInHelp'
import { SimLayout } from './SimLayout'
import { TopBar } from './TopBar'

/**
 * The URL fragment says what to show: `#r=<recipe>` a shared run, `#scenario=<id>` a guided
 * scenario, `#s=<session>` the session this tab had (so a reload keeps it), `#live`, `#saved`,
 * `#scenarios`. Nothing: a fresh five-node cluster, playing.
 */
interface Route {
  readonly view: View
  readonly recipe?: string
  /** With a recipe: the moment of the run the link points at. */
  readonly at?: number
  readonly scenario?: string
  readonly session?: string
}

function parseHash(hash: string): Route {
  const params = new URLSearchParams(hash.replace(/^#\/?/, ''))
  const recipe = params.get('r')
  if (recipe !== null) {
    const at = Number(params.get('t'))
    return { view: 'sim', recipe, ...(params.has('t') && Number.isFinite(at) && at >= 0 ? { at } : {}) }
  }
  const scenario = params.get('scenario')
  if (scenario !== null) return { view: 'sim', scenario }
  const session = params.get('s')
  if (session !== null) return { view: 'sim', session }
  for (const view of ['live', 'saved', 'scenarios'] as const) if (params.has(view)) return { view }
  return { view: 'sim' }
}

function setHash(hash: string): void {
  history.replaceState(null, '', hash === '' ? location.pathname + location.search : `#${hash}`)
}

export function App() {
  const { t } = useI18n()
  const { notify } = useNotices()
  const [view, setView] = useState<View>(() => parseHash(location.hash).view)
  const [client, setClient] = useState<SessionClient | null>(null)
  const [failure, setFailure] = useState<string | null>(null)
  const [me, setMe] = useState<Me | null>(null)
  const [signInHelp, setSignInHelp] = useState(false)
  const clientRef = useRef<SessionClient | null>(null)
  const starting = useRef(false)

  const adopt = useCallback((next: SessionClient) => {
    clientRef.current?.dispose()
    clientRef.current = next
    setClient(next)
    setFailure(null)
    setView('sim')
    setHash(`s=${encodeURIComponent(next.id)}`)
  }, [])

  const startSession = useCallback(
    async (body: CreateSessionBody, at?: number) => {
      try {
        const created = await SessionClient.create(at === undefined ? body : { ...body, playing: false })
        if (at !== undefined) await created.fastForward(at)
        adopt(created)
      } catch (error) {
        const message = error instanceof LabError ? error.describe() : String(error)
        if (clientRef.current === null) setFailure(message)
        else notify('error', message)
        throw error
      }
    },
    [adopt, notify],
  )

  const follow = useCallback(
    async (route: Route) => {
      if (route.view !== 'sim') {
        setView(route.view)
        return
      }
      starting.current = true
      try {
        if (route.recipe !== undefined) {
          let recipe
          try {
            recipe = decodeRecipe(route.recipe)
          } catch (error) {
            notify('error', t('run.openFailed', { message: String(error) }))
            await startSession({})
            return
          }
          await startSession({ recipe }, route.at)
        } else if (route.scenario !== undefined) await startSession({ scenario: route.scenario })
        else if (route.session !== undefined) {
          try {
            adopt(await SessionClient.open(route.session))
          } catch {
            // Expired or from another server: start afresh.
            await startSession({})
          }
        } else await startSession({})
      } catch {
        // startSession has reported it.
      } finally {
        starting.current = false
      }
    },
    [adopt, notify, startSession, t],
  )

  const refreshMe = useCallback(() => {
    fetchMe().then(setMe, () => setMe({ user: null, oauth: { configured: false } }))
  }, [])

  useEffect(() => {
    void follow(parseHash(location.hash))
    refreshMe()
    // A share link pasted into this tab's address bar arrives as a hash change.
    const onHash = () => void follow(parseHash(location.hash))
    window.addEventListener('hashchange', onHash)
    return () => {
      window.removeEventListener('hashchange', onHash)
      clientRef.current?.dispose()
    }
    // Runs once: follow() reads the hash itself.
  }, [])

  const navigate = useCallback(
    (next: View) => {
      setView(next)
      if (next === 'sim') {
        if (clientRef.current !== null) setHash(`s=${encodeURIComponent(clientRef.current.id)}`)
        else if (!starting.current) void follow({ view: 'sim' })
      } else setHash(next)
    },
    [follow],
  )

  const lab = useMemo<Lab>(
    () => ({ startSession, view, navigate, me, refreshMe, showSignInHelp: () => setSignInHelp(true) }),
    [startSession, view, navigate, me, refreshMe],
  )

  return (
    <LabContext.Provider value={lab}>
      <TopBar />
      {view === 'sim' &&
        (client !== null ? (
          <SimLayout client={client} />
        ) : failure !== null ? (
          <main className="page">
            <p className="error" data-testid="failure">
              {t('app.failed', { message: failure })}
            </p>
            <button type="button" className="btn btn-primary" onClick={() => void follow({ view: 'sim' })}>
              {t('app.retry')}
            </button>
          </main>
        ) : (
          <p className="loading">{t('app.loading')}</p>
        ))}
      {view === 'scenarios' && <ScenariosPage />}
      {view === 'live' && <LiveView />}
      {view === 'saved' && <SavedPage />}
      {signInHelp && <SignInHelp onClose={() => setSignInHelp(false)} />}
      <NoticeList />
    </LabContext.Provider>
  )
}
