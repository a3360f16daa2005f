import { useState } from 'react'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import type { ClientOp, Command } from '../protocol'

const ops: readonly ClientOp[] = ['put', 'get', 'cas', 'delete']

/** A client of the replicated key-value store: writes, linearizable reads, compare-and-set. */
export function ClientControls() {
  const { snapshot, send } = useSession()
  const { t } = useI18n()
  const { state } = snapshot
  const [op, setOp] = useState<ClientOp>('put')
  const [key, setKey] = useState('x')
  const [value, setValue] = useState('1')
  const [expected, setExpected] = useState('')
  const [expectAbsent, setExpectAbsent] = useState(false)
  const [via, setVia] = useState('')
  const [rate, setRate] = useState<number | null>(null)

  const submit = () => {
    const command: Extract<Command, { type: 'client' }> = { type: 'client', op, key }
    if (op === 'put' || op === 'cas') command.value = value
    if (op === 'cas') command.expected = expectAbsent ? null : expected
    if (via !== '') command.via = via
    void send(command)
  }
  const writesPerSecond = rate ?? state.workload.writesPerSecond

  return (
    <div className="panel-body" data-testid="client-controls">
      <form
        className="client-form"
        onSubmit={(event) => {
          event.preventDefault()
          submit()
        }}
      >
        <fieldset className="segmented" aria-label={t('client.op')}>
          {ops.map((candidate) => (
            <label key={candidate} className={candidate === op ? 'segment segment-active' : 'segment'}>
              <input type="radio" name="op" value={candidate} checked={candidate === op} onChange={() => setOp(candidate)} />
              {candidate.toUpperCase()}
            </label>
          ))}
        </fieldset>
        <label>
          {t('client.key')}
          <input value={key} maxLength={256} required data-testid="client-key" onChange={(event) => setKey(event.currentTarget.value)} />
        </label>
        {(op === 'put' || op === 'cas') && (
          <label>
            {t('client.value')}
            <input value={value} maxLength={4096} data-testid="client-value" onChange={(event) => setValue(event.currentTarget.value)} />
          </label>
        )}
        {op === 'cas' && (
          <>
            <label>
              {t('client.expected')}
              <input value={expected} disabled={expectAbsent} data-testid="client-expected" onChange={(event) => setExpected(event.currentTarget.value)} />
            </label>
            <label className="inline-check">
              <input type="checkbox" checked={expectAbsent} onChange={(event) => setExpectAbsent(event.currentTarget.checked)} />
              {t('client.expectAbsent')}
            </label>
          </>
        )}
        <label>
          {t('client.via')}
          <select value={via} onChange={(event) => setVia(event.currentTarget.value)}>
            <option value="">{t('client.viaLeader')}</option>
            {state.nodes.map((node) => (
              <option key={node.id} value={node.id}>
                {node.id}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary" data-testid="client-send">
          {t('client.send')}
        </button>
      </form>
      {state.kind === 'simulated' && (
        <label className="workload">
          {t('client.workload')} <output>{writesPerSecond}</output>
          <input
            type="range"
            min={0}
            max={200}
            step={1}
            value={writesPerSecond}
            data-testid="workload"
            onChange={(event) => setRate(Number(event.currentTarget.value))}
            onPointerUp={(event) => void send({ type: 'workload', writesPerSecond: Number(event.currentTarget.value) }).then(() => setRate(null))}
            onKeyUp={(event) => void send({ type: 'workload', writesPerSecond: Number(event.currentTarget.value) }).then(() => setRate(null))}
          />
        </label>
      )}
      <h3>{t('client.recent')}</h3>
      {state.clients.length === 0 ? (
        <p className="muted">{t('client.none')}</p>
      ) : (
        <ul className="client-ops" data-testid="client-ops">
          {[...state.clients].reverse().slice(0, 12).map((c) => (
            <li key={c.id} className={`client-op client-${c.status}`}>
              <code>
                {c.op} {c.key}
                {c.value !== undefined ? `=${c.value}` : ''}
              </code>
              <span className="muted"> → {c.via}</span>
              <span className="client-status">{t(`client.status.${c.status}`)}</span>
              {c.result !== undefined && <span className="client-result">{c.result}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
