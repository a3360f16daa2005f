import { useSession, type PanelTab } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import type { MessageKey } from '../i18n/strings'
import { ClientControls } from './ClientControls'
import { NetworkControls } from './NetworkControls'
import { NodeControls } from './NodeControls'
import { RulesControls } from './RulesControls'
import { RunControls } from './RunControls'

const tabs: readonly { readonly id: PanelTab; readonly label: MessageKey }[] = [
  { id: 'node', label: 'panel.node' },
  { id: 'network', label: 'panel.network' },
  { id: 'client', label: 'panel.client' },
  { id: 'rules', label: 'panel.settings' },
  { id: 'run', label: 'panel.run' },
]

/** Everything a person can do to the cluster, in five tabs. */
export function ControlPanel() {
  const { panel, setPanel, snapshot } = useSession()
  const { t } = useI18n()
  const live = snapshot.state.kind === 'live'
  const shown = live ? tabs.filter((tab) => tab.id !== 'run' && tab.id !== 'rules') : tabs
  return (
    <aside className="panel" aria-label="controls">
      <div className="tabs" role="tablist">
        {shown.map((tab) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            aria-selected={panel === tab.id}
            className={panel === tab.id ? 'tab tab-active' : 'tab'}
            data-testid={`tab-${tab.id}`}
            onClick={() => setPanel(tab.id)}
          >
            {t(tab.label)}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {panel === 'node' && <NodeControls />}
        {panel === 'network' && <NetworkControls />}
        {panel === 'client' && <ClientControls />}
        {panel === 'rules' && !live && <RulesControls />}
        {panel === 'run' && !live && <RunControls />}
      </div>
    </aside>
  )
}
