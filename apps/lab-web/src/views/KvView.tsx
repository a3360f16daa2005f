import { useMemo } from 'react'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'

/** Each node's key-value state machine, key by key; a value that differs is flagged. */
export function KvView() {
  const { snapshot } = useSession()
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
              const values = nodes.map((node) => node.kv[key])
              // Crashed nodes lost their volatile state; among running ones a difference is a node behind.
              const differs = new Set(nodes.filter((node) => node.up).map((node) => node.kv[key])).size > 1
              return (
                <tr key={key} className={differs ? 'kv-differs' : undefined} title={differs ? t('kv.differs') : undefined}>
                  <th scope="row">{key}</th>
                  {nodes.map((node, i) => (
                    <td key={node.id} className={node.up ? undefined : 'muted'}>
                      {values[i] ?? '—'}
                    </td>
                  ))}
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}
