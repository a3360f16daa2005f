import { useState } from 'react'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import type { TermSpan } from '../protocol'
import { termColor } from './clock'
import { formatTime } from './format'

/**
 * Terms and their leaders along the run, with a scrubber. The run is deterministic, so seeking
 * back replays it from the recipe; the part after "now" is the recorded future, still shown.
 */
export function Timeline() {
  const { snapshot, send } = useSession()
  const { t } = useI18n()
  const { state, horizon, horizonTerms } = snapshot
  const [draft, setDraft] = useState<number | null>(null)
  const end = Math.max(horizon, state.time, 1)
  const pct = (time: number) => (Math.min(Math.max(time, 0), end) / end) * 100
  // After a seek back, draw the future from the terms remembered at the horizon.
  const future = horizon > state.time ? horizonTerms.filter((span) => (span.to ?? horizon) > state.time) : []
  const live = state.kind === 'live'
  const shownTime = draft ?? state.time

  const commit = (value: number) => {
    setDraft(null)
    if (Math.abs(value - state.time) >= 1) void send({ type: 'seek', time: Math.round(value) })
  }

  return (
    <section className="timeline" aria-label={t('timeline.title')}>
      <div className="section-head">
        <h2>{t('timeline.title')}</h2>
        <span className="muted" data-testid="timeline-clock">
          {formatTime(shownTime)} / {formatTime(end)}
        </span>
      </div>
      <div className="timeline-bar" data-testid="timeline">
        {future.map((span) => (
          <TermBar key={`f${span.term}-${span.from}`} span={span} pct={pct} start={Math.max(span.from, state.time)} stop={Math.min(span.to ?? horizon, horizon)} ghost />
        ))}
        {state.terms.map((span) => (
          <TermBar key={`p${span.term}-${span.from}`} span={span} pct={pct} start={span.from} stop={Math.min(span.to ?? state.time, state.time)} />
        ))}
        {state.violations.map((violation, i) => (
          <span key={i} className="timeline-violation" style={{ left: `${pct(violation.time)}%` }} title={violation.message} />
        ))}
        <span className="timeline-now" style={{ left: `${pct(shownTime)}%` }} />
      </div>
      <div className="timeline-commands" aria-hidden="true">
        {(state.recipe?.commands ?? []).map((entry, i) => (
          <span
            key={i}
            className="timeline-command"
            style={{ left: `${pct(entry.at.time)}%` }}
            title={`${formatTime(entry.at.time)} · ${entry.command.type}`}
          />
        ))}
      </div>
      <input
        type="range"
        className="timeline-scrub"
        aria-label={t('timeline.scrub')}
        data-testid="scrub"
        min={0}
        max={end}
        step={1}
        disabled={live}
        value={shownTime}
        onChange={(event) => setDraft(Number(event.currentTarget.value))}
        onPointerUp={(event) => commit(Number(event.currentTarget.value))}
        onKeyUp={(event) => commit(Number(event.currentTarget.value))}
        onBlur={() => draft !== null && commit(draft)}
      />
      <div className="timeline-terms">
        {state.terms.slice(-6).map((span) => (
          <span key={`${span.term}-${span.from}`} className="timeline-chip" style={{ borderColor: termColor(span.term) }}>
            {t('timeline.term', { term: span.term })}: {span.leader ?? t('timeline.noLeader')}
          </span>
        ))}
      </div>
    </section>
  )
}

function TermBar(props: {
  readonly span: TermSpan
  readonly pct: (time: number) => number
  readonly start: number
  readonly stop: number
  readonly ghost?: boolean
}) {
  const { t } = useI18n()
  if (props.stop < props.start) return null
  const left = props.pct(props.start)
  const width = Math.max(props.pct(props.stop) - left, 0.15)
  const label = `T${props.span.term}${props.span.leader ? ' ' + props.span.leader : ''}`
  return (
    <span
      className={props.ghost ? 'timeline-span timeline-ghost' : 'timeline-span'}
      style={{
        left: `${left}%`,
        width: `${width}%`,
        background: props.span.leader ? termColor(props.span.term, 62) : termColor(props.span.term, 86),
      }}
      title={`${t('timeline.term', { term: props.span.term })} · ${props.span.leader ?? t('timeline.noLeader')} · ${formatTime(props.span.from)}`}
    >
      <span className="timeline-label">{label}</span>
    </span>
  )
}
