import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import { unsafeRuleNames, type UnsafeRuleName } from '../protocol'

/** Pre-vote, check-quorum, and one of the simulator's unsafe rules, switched at run time. */
export function RulesControls() {
  const { snapshot, send } = useSession()
  const { t } = useI18n()
  const settings = snapshot.state.settings
  const preVote = settings['preVote'] !== false
  const checkQuorum = settings['checkQuorum'] !== false
  const unsafe = typeof settings['unsafe'] === 'string' ? (settings['unsafe'] as UnsafeRuleName) : null
  const disabled = snapshot.state.kind === 'live'
  return (
    <div className="panel-body" data-testid="rules-controls">
      <label className="toggle">
        <input type="checkbox" checked={preVote} disabled={disabled} data-testid="prevote" onChange={(event) => void send({ type: 'settings', preVote: event.currentTarget.checked })} />
        <span>
          <strong>{t('rules.preVote')}</strong>
          <small>{t('rules.preVoteHint')}</small>
        </span>
      </label>
      <label className="toggle">
        <input
          type="checkbox"
          checked={checkQuorum}
          disabled={disabled}
          data-testid="checkquorum"
          onChange={(event) => void send({ type: 'settings', checkQuorum: event.currentTarget.checked })}
        />
        <span>
          <strong>{t('rules.checkQuorum')}</strong>
          <small>{t('rules.checkQuorumHint')}</small>
        </span>
      </label>
      <label className={unsafe === null ? 'unsafe' : 'unsafe unsafe-on'}>
        <strong>⚠ {t('rules.unsafe')}</strong>
        <small>{t('rules.unsafeHint')}</small>
        <select
          value={unsafe ?? ''}
          disabled={disabled}
          data-testid="unsafe"
          onChange={(event) => {
            const value = event.currentTarget.value
            void send({ type: 'settings', unsafe: value === '' ? null : (value as UnsafeRuleName) })
          }}
        >
          <option value="">{t('rules.safe')}</option>
          {unsafeRuleNames.map((rule) => (
            <option key={rule} value={rule}>
              {rule}: {t(`rules.unsafe.${rule}`)}
            </option>
          ))}
        </select>
      </label>
    </div>
  )
}
