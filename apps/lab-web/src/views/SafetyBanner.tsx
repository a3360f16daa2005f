import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import { formatTime } from './format'

/** The safety monitor: silent while Raft's invariants hold, impossible to miss when one breaks. */
export function SafetyBanner() {
  const { snapshot, send } = useSession()
  const { t } = useI18n()
  const { violations } = snapshot.state
  if (violations.length === 0) {
    return (
      <p className="safety-ok" data-testid="safety-ok">
        ✓ {t('safety.ok')}
      </p>
    )
  }
  const first = violations[0]!
  return (
    <div className="safety-alarm" role="alert" data-testid="safety-alarm">
      <div className="safety-icon" aria-hidden="true">
        ⚠
      </div>
      <div className="safety-body">
        <strong>
          {t('safety.title')}: {first.kind}
        </strong>
        <p>{first.message}</p>
        <small>
          {first.eventSeq > 0 ? t('safety.at', { time: formatTime(first.time), seq: first.eventSeq }) : t('safety.atTime', { time: formatTime(first.time) })}
          {violations.length > 1 ? ` · ${t('safety.count', { n: violations.length })}` : ''}
        </small>
      </div>
      {snapshot.state.kind === 'simulated' && first.time > 0 && (
        <button type="button" className="btn" data-testid="safety-rewind" onClick={() => void send({ type: 'seek', time: first.time - 1 })}>
          {t('safety.rewind')}
        </button>
      )}
    </div>
  )
}
