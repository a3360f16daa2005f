import { useEffect, useState } from 'react'
import { listScenarios } from '../api/account'
import { LabError } from '../api/http'
import { useI18n } from '../i18n/i18n'
import type { ScenarioSummary } from '../protocol'
import { useLab } from './lab-context'

/** The guided scenarios the server offers; each starts a run that ends in free play. */
export function ScenariosPage() {
  const { startSession } = useLab()
  const { t, pick } = useI18n()
  const [scenarios, setScenarios] = useState<readonly ScenarioSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    listScenarios().then(setScenarios, (e: unknown) => setError(e instanceof LabError ? e.describe() : String(e)))
  }, [])
  return (
    <main className="page" data-testid="scenarios-page">
      <h1>{t('scenario.list')}</h1>
      {error !== null && <p className="error">{error}</p>}
      {scenarios?.length === 0 && <p className="muted">{t('scenario.none')}</p>}
      <ul className="cards">
        {scenarios?.map((scenario) => (
          <li key={scenario.id} className="card" data-testid={`scenario-${scenario.id}`}>
            <h2>{pick(scenario.title)}</h2>
            <p>{pick(scenario.summary)}</p>
            <div className="card-foot">
              <span className="muted">{t('scenario.steps', { n: scenario.steps })}</span>
              <button type="button" className="btn btn-primary" onClick={() => void startSession({ scenario: scenario.id })}>
                {t('scenario.start')} →
              </button>
            </div>
          </li>
        ))}
      </ul>
    </main>
  )
}
