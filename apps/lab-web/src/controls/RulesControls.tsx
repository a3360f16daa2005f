import { useState } from 'react'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import { unsafeRuleNames, type UnsafeRuleName } from '../protocol'

interface Rules {
  preVote?: boolean
  checkQuorum?: boolean
  unsafe?: UnsafeRuleName | null
}

/** Pre-vote, check-quorum, and one of the simulator's unsafe rules, switched at run time. */
export function RulesControls() {
  const { snapshot, send } = useSession()
  const { t } = useI18n()
  const settings = snapshot.state.settings
  // Shown as chosen at once; the server's state takes over when it answers (or on refusal).
  const [draft, setDraft] = useState<Rules>({})
  const preVote = draft.preVote ?? settings['preVote'] !== false
  const checkQuorum = draft.checkQuorum ?? settings['checkQuorum'] !== false
  const unsafe = draft.unsafe !== undefined ? draft.unsafe : typeof settings['unsafe'] === 'string' ? (settings['unsafe'] as UnsafeRuleName) : null
  const disabled = snapshot.state.kind === 'live'
  const change = (rules: Rules) => {
    setDraft((current) => ({ ...current, ...rules }))
    void send({ type: 'settings', ...rules }).finally(() =>
      setDraft((current) => {
        const next = { ...current }
        for (const key of Object.keys(rules) as (keyof Rules)[]) delete next[key]
        return next
      }),
    )
  }
  return (
    <div className="panel-body" data-testid="rules-controls">
      <label className="toggle">
        <input type="checkbox" checked={preVote} disabled={disabled} data-testid="prevote" onChange={(event) => change({ preVote: event.currentTarget.checked })} />
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
          onChange={(event) => change({ checkQuorum: event.currentTarget.checked })}
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
            change({ unsafe: value === '' ? null : (value as UnsafeRuleName) })
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
