import { useEffect, useState } from 'react'
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
  // Shown as chosen at once; the server's state takes over when it answers (or on refusal).
  const [draft, setDraft] = useState<Rules>({})
  const current = snapshot.state.rules as Required<Rules>
  const preVote = draft.preVote ?? current.preVote
  const checkQuorum = draft.checkQuorum ?? current.checkQuorum
  const unsafe = draft.unsafe !== undefined ? draft.unsafe : current.unsafe
  const disabled = snapshot.state.kind === 'live'
  const change = (rules: Rules) => {
    setDraft((draft) => ({ ...draft, ...rules }))
    void send({ type: 'settings', ...rules }).then((ok) => {
      // Refused: show the rules as they are. Applied: the draft stays until the state shows it.
      if (!ok) setDraft({})
    })
  }
  useEffect(() => {
    setDraft((draft) => {
      const next = { ...draft }
      for (const key of Object.keys(draft) as (keyof Rules)[])
        if (draft[key] === current[key]) delete next[key]
      return Object.keys(next).length === Object.keys(draft).length ? draft : next
    })
  }, [current.preVote, current.checkQuorum, current.unsafe])
  return (
    <div className="panel-body" data-testid="rules-controls">
      <label className="toggle">
        <input
          type="checkbox"
          checked={preVote}
          disabled={disabled}
          data-testid="prevote"
          onChange={(event) => change({ preVote: event.currentTarget.checked })}
        />
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
