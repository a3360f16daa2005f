import { useEffect, useState } from 'react'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import { formatTime } from '../views/format'

/** The picked node: what it knows, and what can be done to it. */
export function NodeControls() {
  const { snapshot, send, selectedNode, selectNode } = useSession()
  const { t } = useI18n()
  const { state } = snapshot
  const node = state.nodes.find((n) => n.id === selectedNode) ?? null
  const [timeout, setTimeoutDraft] = useState('')
  useEffect(() => setTimeoutDraft(''), [selectedNode])
  const live = state.kind === 'live'
  const faultsAllowed = !live || state.faults === true

  return (
    <div className="panel-body" data-testid="node-controls">
      <div className="node-picker" role="group" aria-label={t('panel.node')}>
        {state.nodes.map((n) => (
          <button
            key={n.id}
            type="button"
            className={`chip ${n.id === selectedNode ? 'chip-active' : ''} ${n.up ? '' : 'chip-down'}`}
            onClick={() => selectNode(n.id)}
            data-testid={`pick-${n.id}`}
          >
            {n.id}
          </button>
        ))}
        {!live && (
          <button type="button" className="chip chip-add" data-testid="add-member" onClick={() => void send({ type: 'addMember' })}>
            + {t('nodeCtl.add')}
          </button>
        )}
      </div>
      {node === null ? (
        <p className="muted">{t('nodeCtl.pick')}</p>
      ) : (
        <>
          <dl className="facts">
            <dt>{t('nodeCtl.role')}</dt>
            <dd data-testid="node-role">{node.up ? t(`role.${node.role}`) : t('node.down')}</dd>
            <dt>{t('nodeCtl.term')}</dt>
            <dd>{node.term}</dd>
            <dt>{t('nodeCtl.vote')}</dt>
            <dd>{node.votedFor ?? t('nodeCtl.none')}</dd>
            <dt>{t('nodeCtl.leader')}</dt>
            <dd>{node.leaderId ?? t('nodeCtl.none')}</dd>
            <dt>{t('nodeCtl.timer')}</dt>
            <dd>
              {formatTime(node.electionElapsedMs)} / {formatTime(node.electionTimeoutMs)}
            </dd>
            <dt>{t('nodeCtl.indexes')}</dt>
            <dd>
              {node.lastIndex} / {node.commitIndex} / {node.appliedIndex} / {node.snapshotIndex}
            </dd>
          </dl>
          <div className="button-row">
            {node.up ? (
              <button type="button" className="btn btn-danger" data-testid="crash" disabled={!faultsAllowed} onClick={() => void send({ type: 'crash', node: node.id })}>
                ✕ {t('nodeCtl.crash')}
              </button>
            ) : (
              <button type="button" className="btn btn-primary" data-testid="restart" disabled={!faultsAllowed} onClick={() => void send({ type: 'restart', node: node.id })}>
                ↻ {t('nodeCtl.restart')}
              </button>
            )}
            {!live && (
              <button type="button" className="btn" data-testid="campaign" disabled={!node.up} onClick={() => void send({ type: 'campaign', node: node.id })}>
                {t('nodeCtl.campaign')}
              </button>
            )}
            <button
              type="button"
              className="btn"
              data-testid="transfer"
              disabled={!node.up || node.role === 'leader'}
              onClick={() => void send({ type: 'transfer', to: node.id })}
            >
              ♛ {t('nodeCtl.transfer')}
            </button>
            {!live && (
              <button type="button" className="btn" data-testid="remove-member" disabled={!node.member} onClick={() => void send({ type: 'removeMember', node: node.id })}>
                {t('nodeCtl.remove')}
              </button>
            )}
          </div>
          {!live && (
            <form
              className="field-row"
              onSubmit={(event) => {
                event.preventDefault()
                const ms = Number(timeout)
                if (timeout !== '' && Number.isFinite(ms)) void send({ type: 'timeout', node: node.id, electionTimeoutMs: Math.round(ms) })
              }}
            >
              <label>
                {t('nodeCtl.timeout')}
                <input
                  type="number"
                  inputMode="numeric"
                  min={20}
                  max={10000}
                  step={10}
                  placeholder={String(state.settings['electionTimeoutMs'] ?? 150)}
                  value={timeout}
                  data-testid="timeout-input"
                  onChange={(event) => setTimeoutDraft(event.currentTarget.value)}
                />
              </label>
              <button type="submit" className="btn" data-testid="timeout-apply">
                {t('nodeCtl.apply')}
              </button>
              <small className="muted">{t('nodeCtl.timeoutHint')}</small>
            </form>
          )}
          {node.progress !== undefined && (
            <table className="progress-table">
              <caption>{t('nodeCtl.progress')}</caption>
              <tbody>
                {Object.entries(node.progress).map(([peer, p]) => (
                  <tr key={peer}>
                    <th scope="row">{peer}</th>
                    <td>
                      {t('nodeCtl.match')} {p.match}
                    </td>
                    <td>
                      {t('nodeCtl.next')} {p.next}
                    </td>
                    <td className="muted">{p.state}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  )
}
