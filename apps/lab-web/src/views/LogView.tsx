import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import type { SessionSnapshot } from '../api/session-client'
import type { SessionClient } from '../api/session-client'
import { useSession } from '../app/session-context'
import { calmMs, useCalmValue } from '../app/throttle'
import { useI18n } from '../i18n/i18n'
import type { LogEntryView, NodeId, NodeView } from '../protocol'
import { termColor } from './clock'

const rowHeight = 26
/** The sticky column header inside the scroller (fixed in CSS: `.logs-head`). */
const headHeight = 40
/** Re-fetch a node's full log at most this often while older entries are on screen. */
const refetchEveryMs = 1000

type FullLogs = ReadonlyMap<NodeId, { readonly entries: ReadonlyMap<number, LogEntryView>; readonly at: number }>

/**
 * Every node's log side by side, one row per index, coloured by term, with commit and applied
 * marks. Virtualized: only the rows on screen are in the DOM, so 9 nodes with thousands of
 * entries scroll smoothly. The state carries each node's newest entries; older ones on screen are
 * fetched from the node route.
 */
export function LogView() {
  const { snapshot, client } = useSession()
  const calm = useCalmValue(snapshot, calmMs)
  return <LogViewPanel snapshot={calm} client={client} />
}

/** Redrawn only when the calmed snapshot changes (see useCalmValue). */
const LogViewPanel = memo(function LogViewPanel({ snapshot, client }: { readonly snapshot: SessionSnapshot; readonly client: SessionClient }) {
  const { t } = useI18n()
  const nodes = snapshot.state.nodes
  const lastIndex = nodes.reduce((max, node) => Math.max(max, node.lastIndex), 0)
  const scroller = useRef<HTMLDivElement>(null)
  const [follow, setFollow] = useState(true)
  const [fullLogs, setFullLogs] = useState<FullLogs>(new Map())
  const fetching = useRef(false)

  const virtualizer = useVirtualizer({
    count: lastIndex,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    scrollMargin: headHeight,
  })
  const items = virtualizer.getVirtualItems()
  const firstShown = (items[0]?.index ?? 0) + 1
  const lastShown = (items.at(-1)?.index ?? -1) + 1

  // Following the newest entry: one direct scroll per update (the virtualizer's scrollToIndex
  // re-measures in a loop, which costs a forced layout per try).
  useLayoutEffect(() => {
    const el = scroller.current
    if (follow && el !== null) el.scrollTop = el.scrollHeight
  }, [follow, lastIndex])

  // Fetch full logs of nodes whose visible rows fall outside what the state carries.
  const missing = useMemo(
    () =>
      nodes
        .filter((node) => firstShown > node.snapshotIndex && firstShown < node.logFrom && node.lastIndex >= firstShown)
        .map((node) => node.id),
    [nodes, firstShown],
  )
  const missingKey = missing.join(',')
  useEffect(() => {
    if (missingKey === '' || fetching.current) return
    const now = performance.now()
    const due = missingKey.split(',').filter((id) => now - (fullLogs.get(id)?.at ?? -Infinity) > refetchEveryMs)
    if (due.length === 0) {
      const timer = setTimeout(() => setFullLogs((logs) => new Map(logs)), refetchEveryMs)
      return () => clearTimeout(timer)
    }
    fetching.current = true
    void Promise.all(due.map((id) => client.fetchNode(id).catch(() => null)))
      .then((views) => {
        setFullLogs((logs) => {
          const next = new Map(logs)
          for (const view of views) {
            if (view === null) continue
            next.set(view.id, { entries: new Map(view.log.map((entry) => [entry.index, entry])), at: performance.now() })
          }
          return next
        })
      })
      .finally(() => {
        fetching.current = false
      })
    return undefined
  }, [missingKey, client, fullLogs])

  const columns = `4.2rem repeat(${Math.max(nodes.length, 1)}, minmax(6.2rem, 1fr))`

  return (
    <section className="logs" aria-label={t('logs.title')}>
      <div className="section-head">
        <h2>{t('logs.title')}</h2>
        <span className="muted">{t('logs.entries', { n: lastIndex })}</span>
        <label className="inline-check">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.currentTarget.checked)} />
          {t('logs.follow')}
        </label>
      </div>
      <div
        className="logs-scroll"
        ref={scroller}
        data-testid="logs"
        onWheel={() => setFollow(false)}
        onTouchMove={() => setFollow(false)}
        onScroll={(event) => {
          const el = event.currentTarget
          if (el.scrollHeight - el.scrollTop - el.clientHeight < rowHeight) setFollow(true)
        }}
      >
        <div className="logs-head" style={{ gridTemplateColumns: columns }}>
          <span className="logs-index">{t('logs.index')}</span>
          {nodes.map((node) => (
            <span key={node.id} className={`logs-node ${node.up ? '' : 'logs-node-down'}`}>
              <strong>{node.id}</strong>
              <small>
                {t('logs.commitMark')} {node.commitIndex} · {t('logs.appliedMark')} {node.appliedIndex}
              </small>
            </span>
          ))}
        </div>
        {lastIndex === 0 ? (
          <p className="muted logs-empty">{t('logs.empty')}</p>
        ) : (
          <div className="logs-body" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const index = item.index + 1
              return (
                <div
                  key={item.key}
                  className="logs-row"
                  data-index={index}
                  style={{ gridTemplateColumns: columns, transform: `translateY(${item.start - headHeight}px)`, height: rowHeight }}
                >
                  <span className="logs-index">{index}</span>
                  {nodes.map((node) => (
                    <LogCell key={node.id} node={node} index={index} full={fullLogs.get(node.id)?.entries} />
                  ))}
                </div>
              )
            })}
          </div>
        )}
      </div>
      <p className="muted logs-range" aria-hidden="true">
        {firstShown}–{lastShown}
      </p>
    </section>
  )
})

function entryAt(node: NodeView, index: number, full: ReadonlyMap<number, LogEntryView> | undefined): LogEntryView | undefined {
  if (index >= node.logFrom) return node.log[index - node.logFrom]
  return full?.get(index)
}

function LogCell(props: { readonly node: NodeView; readonly index: number; readonly full: ReadonlyMap<number, LogEntryView> | undefined }) {
  const { node, index } = props
  if (index > node.lastIndex) return <span className="log-cell log-cell-none" />
  if (index <= node.snapshotIndex) return <CompactedCell />
  const entry = entryAt(node, index, props.full)
  return (
    <EntryCell
      node={node.id}
      index={index}
      term={entry?.term}
      kind={entry?.kind}
      text={entry?.text}
      committed={index <= node.commitIndex}
      applied={index <= node.appliedIndex}
      commitMark={index === node.commitIndex}
    />
  )
}

const CompactedCell = memo(function CompactedCell() {
  const { t } = useI18n()
  return <span className="log-cell log-cell-snapshot">{t('logs.compacted')}</span>
})

/** One entry of one node's log. Memoized on plain values: most cells stay the same between states. */
const EntryCell = memo(function EntryCell(props: {
  readonly node: NodeId
  readonly index: number
  readonly term: number | undefined
  readonly kind: LogEntryView['kind'] | undefined
  readonly text: string | undefined
  readonly committed: boolean
  readonly applied: boolean
  readonly commitMark: boolean
}) {
  const { t } = useI18n()
  const classes = ['log-cell', props.committed ? 'log-cell-committed' : 'log-cell-uncommitted', props.commitMark ? 'log-cell-commit-mark' : '']
  if (props.term === undefined) return <span className={classes.join(' ')}>…</span>
  return (
    <span
      className={classes.filter(Boolean).join(' ')}
      style={{ background: termColor(props.term, props.committed ? 84 : 94), borderColor: termColor(props.term, 45) }}
      title={`${props.node} #${props.index} · T${props.term} · ${props.text}${props.committed ? ' · ' + t('logs.committed') : ''}${props.applied ? ' · ' + t('logs.applied') : ''}`}
      data-term={props.term}
    >
      <b>{props.term}</b>
      <span className="log-text">{props.kind === 'noop' ? '∅' : props.text}</span>
      {props.applied && (
        <span className="log-applied" aria-label={t('logs.applied')}>
          ✓
        </span>
      )}
    </span>
  )
})
