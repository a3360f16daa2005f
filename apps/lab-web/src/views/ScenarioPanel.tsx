import { useLab } from '../app/lab-context'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'

/** The guided scenario's current step: what to look at, and the button to go on. */
export function ScenarioPanel() {
  const { snapshot, send } = useSession()
  const { startSession } = useLab()
  const { t, pick } = useI18n()
  const scenario = snapshot.state.scenario
  if (scenario === undefined) return null
  return (
    <section className="scenario" aria-label={pick(scenario.title)} data-testid="scenario">
      <div className="scenario-head">
        <h2>{pick(scenario.title)}</h2>
        <span className="muted" data-testid="scenario-step">
          {scenario.freePlay ? t('scenario.freePlay') : t('scenario.step', { step: scenario.step + 1, steps: scenario.steps })}
        </span>
      </div>
      <p className="scenario-text" data-testid="scenario-text">
        {pick(scenario.text)}
      </p>
      <div className="button-row">
        {!scenario.freePlay && (
          <button type="button" className={scenario.waiting ? 'btn btn-primary' : 'btn'} data-testid="scenario-next" onClick={() => void send({ type: 'scenarioStep' })}>
            {t('scenario.next')} →
          </button>
        )}
        {scenario.waiting && !scenario.freePlay && <span className="muted">{t('scenario.waiting')}</span>}
        <button type="button" className="btn btn-quiet" onClick={() => void startSession({ nodes: snapshot.state.nodes.length })}>
          {t('scenario.close')}
        </button>
      </div>
    </section>
  )
}
