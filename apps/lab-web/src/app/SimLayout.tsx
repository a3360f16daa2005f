import type { SessionClient } from '../api/session-client'
import { ControlPanel } from '../controls/ControlPanel'
import { useI18n } from '../i18n/i18n'
import { ClusterView } from '../views/ClusterView'
import { EventList } from '../views/EventList'
import { KvView } from '../views/KvView'
import { LogView } from '../views/LogView'
import { SafetyBanner } from '../views/SafetyBanner'
import { ScenarioPanel } from '../views/ScenarioPanel'
import { Timeline } from '../views/Timeline'
import { Transport } from '../views/Transport'
import { useLab } from './lab-context'
import { SessionProvider, useSession } from './session-context'

/** The Lab itself: the cluster, the controls, the timeline, the logs, the state and the events. */
export function SimLayout({
  client,
  banner,
}: {
  readonly client: SessionClient
  readonly banner?: React.ReactNode
}) {
  return (
    <SessionProvider key={client.id} client={client}>
      <main className="lab" data-testid="lab" data-session={client.id}>
        {banner}
        <SessionGone />
        <SafetyBanner />
        <ScenarioPanel />
        <div className="lab-main">
          <section className="stage">
            <ConnectionPill />
            <ClusterView />
            <Transport />
            <Timeline />
          </section>
          <ControlPanel />
        </div>
        <div className="lab-lower">
          <LogView />
          <div className="lab-side">
            <EventList />
            <KvView />
          </div>
        </div>
      </main>
    </SessionProvider>
  )
}

/** The server let the session go (it expired unused, or the server restarted). */
function SessionGone() {
  const { snapshot } = useSession()
  const { startSession } = useLab()
  const { t } = useI18n()
  if (snapshot.status !== 'gone') return null
  return (
    <div className="gone" role="alert" data-testid="session-gone">
      <span>{t('app.gone')}</span>
      {snapshot.state.kind === 'simulated' && snapshot.state.recipe !== null && (
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void startSession({ recipe: snapshot.state.recipe! }, snapshot.state.time)}
        >
          {t('app.goneReopen')}
        </button>
      )}
      <button type="button" className="btn" onClick={() => void startSession({})}>
        {t('run.new')}
      </button>
    </div>
  )
}

function ConnectionPill() {
  const { snapshot } = useSession()
  const { t } = useI18n()
  return (
    <span
      className={`conn conn-${snapshot.status}`}
      data-testid="connection"
      data-status={snapshot.status}
    >
      {t(`conn.${snapshot.status}`)}
    </span>
  )
}
