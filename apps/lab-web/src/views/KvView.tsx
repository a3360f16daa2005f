import { memo, useMemo } from 'react'
import type { SessionSnapshot } from '../api/session-client'
import { useSession } from '../app/session-context'
import { calmMs, useCalmValue } from '../app/throttle'
import { useI18n } from '../i18n/i18n'

/** Each node's key-value state machine, key by key; a value that differs is flagged. */
export function KvView() {
  const { snapshot } = useSession()
  const calm = useCalmValue(snapshot, calmMs)
  return <KvViewPanel snapshot={calm} />
}

/** Redrawn only when the calmed snapshot changes (see useCalmValue). */
const KvViewPanel = memo(function KvViewPanel({ snapshot }: { readonly snapshot: SessionSnapshot }) {
  const { t } = useI18n()
  const nodes = snapshot.state.nodes
  const keys = useMemo(() => [...new Set(nodes.flatMap((node) => Object.keys(node.kv)))].sort(), [nodes])
  return (
    <section className="kv" aria-label={t('kv.title')}>
      <div className="section-head">
        <h2>{t('kv.title')}</h2>
      </div>
      <div className="kv-scroll" data-testid="kv">
        <table className="kv-table">
          <thead>
            <tr>
              <th scope="col">{t('kv.key')}</th>
              {nodes.map((node) => (
                <th key={node.id} scope="col" className={node.up ? undefined : 'muted'}>
                  {node.id}
                  <small> · {node.appliedIndex}</small>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {keys.length === 0 && (
              <tr>
                <td colSpan={nodes.length + 1} className="muted">
                  {t('kv.empty')}
                </td>
              </tr>
            )}
            {keys.map((key) => {
              // Crashed nodes lost their volatile state; among running ones a difference is a node behind.
              const differs = new Set(nodes.filter((node) => node.up).map((node) => node.kv[key])).size > 1
              // One string per row, so a row whose values did not change is not redrawn.
              const cells = nodes.map((node) => `${node.up ? '' : '!'}${node.kv[key] ?? '—'}`).join('\u0000')
              return <KvRow key={key} name={key} cells={cells} differs={differs} title={differs ? t('kv.differs') : undefined} />
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
})

const KvRow = memo(function KvRow(props: { readonly name: string; readonly cells: string; readonly differs: boolean; readonly title: string | undefined }) {
  return (
    <tr className={props.differs ? 'kv-differs' : undefined} title={props.title}>
      <th scope="row">{props.name}</th>
      {props.cells.split('\u0000').map((cell, i) => (
        <td key={i} className={cell.startsWith('!') ? 'muted' : undefined}>
          {cell.startsWith('!') ? cell.slice(1) : cell}
        </td>
      ))}
    </tr>
  )
})
