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
import { SessionProvider, useSession } from './session-context'

/** The Lab itself: the cluster, the controls, the timeline, the logs, the state and the events. */
export function SimLayout({ client, banner }: { readonly client: SessionClient; readonly banner?: React.ReactNode }) {
  return (
    <SessionProvider key={client.id} client={client}>
      <main className="lab" data-testid="lab" data-session={client.id}>
        {banner}
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

function ConnectionPill() {
  const { snapshot } = useSession()
  const { t } = useI18n()
  return (
    <span className={`conn conn-${snapshot.status}`} data-testid="connection" data-status={snapshot.status}>
      {t(`conn.${snapshot.status}`)}
    </span>
  )
}
