import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react'
import type { SessionSnapshot } from '../api/session-client'
import type { Command } from '../protocol'
import { useSession } from '../app/session-context'
import { calmMs, useCalmValue } from '../app/throttle'
import { useI18n } from '../i18n/i18n'
import type { LabEvent } from '../protocol'
import { formatTime } from './format'

const rowHeight = 44

/** What happened, newest at the bottom, each with the Raft rule behind it. Virtualized. */
export function EventList() {
  const { snapshot, send } = useSession()
  const calm = useCalmValue(snapshot, calmMs)
  return <EventListPanel snapshot={calm} send={send} />
}

/** Redrawn only when the calmed snapshot changes (see useCalmValue). */
const EventListPanel = memo(function EventListPanel({ snapshot, send }: { readonly snapshot: SessionSnapshot; readonly send: (command: Command) => Promise<boolean> }) {
  const { t, pick } = useI18n()
  const [node, setNode] = useState('')
  const [query, setQuery] = useState('')
  const [follow, setFollow] = useState(true)
  const scroller = useRef<HTMLDivElement>(null)
  const events = useMemo(() => {
    const q = query.trim().toLowerCase()
    return snapshot.events.filter(
      (event) =>
        (node === '' || event.node === node) &&
        (q === '' || event.type.includes(q) || pick(event.text).toLowerCase().includes(q) || (event.rule?.section ?? '').includes(q)),
    )
  }, [snapshot.events, node, query, pick])
  const virtualizer = useVirtualizer({
    count: events.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 10,
  })
  useLayoutEffect(() => {
    const el = scroller.current
    if (follow && el !== null) el.scrollTop = el.scrollHeight
  }, [follow, events.length])
  const live = snapshot.state.kind === 'live'
  const onSeek = useCallback((seq: number) => void send({ type: 'seek', event: seq }), [send])

  return (
    <section className="events" aria-label={t('events.title')}>
      <div className="section-head">
        <h2>{t('events.title')}</h2>
        <select value={node} onChange={(event) => setNode(event.currentTarget.value)} aria-label={t('events.filterAll')}>
          <option value="">{t('events.filterAll')}</option>
          {snapshot.state.nodes.map((n) => (
            <option key={n.id} value={n.id}>
              {n.id}
            </option>
          ))}
        </select>
        <input
          type="search"
          className="events-filter"
          placeholder={t('events.filterPlaceholder')}
          value={query}
          onChange={(event) => setQuery(event.currentTarget.value)}
        />
        <label className="inline-check">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.currentTarget.checked)} />
          {t('events.follow')}
        </label>
      </div>
      <div
        className="events-scroll"
        ref={scroller}
        data-testid="events"
        onWheel={() => setFollow(false)}
        onTouchMove={() => setFollow(false)}
        onScroll={(event) => {
          const el = event.currentTarget
          if (el.scrollHeight - el.scrollTop - el.clientHeight < 4) setFollow(true)
        }}
      >
        {events.length === 0 && <p className="muted">{t('events.empty')}</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => (
            <EventRow
              key={item.key}
              event={events[item.index]!}
              top={item.start}
              onSeek={live ? null : onSeek}
              seekLabel={t('events.jump')}
            />
          ))}
        </div>
      </div>
    </section>
  )
})

const EventRow = memo(function EventRow(props: { readonly event: LabEvent; readonly top: number; readonly onSeek: ((seq: number) => void) | null; readonly seekLabel: string }) {
  const { pick } = useI18n()
  const { event } = props
  const kind = event.type.split('.')[0] ?? event.type
  return (
    <div className={`event event-${kind} ${event.type === 'violation' ? 'event-violation' : ''}`} style={{ transform: `translateY(${props.top}px)`, height: rowHeight }} data-type={event.type}>
      <button type="button" className="event-time" title={props.seekLabel} disabled={props.onSeek === null} onClick={() => props.onSeek?.(event.seq)}>
        {formatTime(event.time)}
      </button>
      {event.node !== undefined && <span className="event-node">{event.node}</span>}
      <span className="event-text" title={pick(event.text)}>
        {pick(event.text)}
      </span>
      {event.rule !== undefined && (
        <span className="event-rule" title={pick(event.rule.text)}>
          {event.rule.section ?? '§'} <span className="event-rule-text">{pick(event.rule.text)}</span>
        </span>
      )}
    </div>
  )
})
