import { useEffect, useState } from 'react'
import { LabError } from '../api/http'
import { SessionClient } from '../api/session-client'
import { openLive } from '../api/live'
import { useI18n } from '../i18n/i18n'
import { SimLayout } from './SimLayout'

const unavailable = 'unavailable'

/** The same views on the real cluster that `raftkit start` runs beside the Lab. */
export function LiveView() {
  const { t } = useI18n()
  const [client, setClient] = useState<SessionClient | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let current: SessionClient | null = null
    let cancelled = false
    openLive().then(
      (opened) => {
        if (cancelled) opened.dispose()
        else setClient((current = opened))
      },
      (e: unknown) => setError(e instanceof LabError && (e.status === 404 || e.status === 503) ? unavailable : String(e instanceof Error ? e.message : e)),
    )
    return () => {
      cancelled = true
      current?.dispose()
    }
  }, [])
  if (error !== null)
    return (
      <main className="page" data-testid="live-unavailable">
        <h1>{t('live.title')}</h1>
        <p>{error === unavailable ? t('live.unavailable') : error}</p>
      </main>
    )
  if (client === null) return <p className="loading">{t('conn.connecting')}</p>
  const faults = client.getSnapshot().state.faults === true
  return <SimLayout client={client} banner={<p className={faults ? 'live-note' : 'live-note live-note-off'}>{faults ? t('live.faultsOn') : t('live.faultsOff')}</p>} />
}
