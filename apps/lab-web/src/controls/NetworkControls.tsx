import { useEffect, useState } from 'react'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import type { NodeId } from '../protocol'
import { groupColors, groupLetters } from '../views/ClusterView'

/** Partitions drawn by putting nodes in groups, one-way cuts, and loss and delay per link. */
export function NetworkControls() {
  const { snapshot, send, partitionDraft, setPartitionDraft, selectedLink, selectLink } = useSession()
  const { t } = useI18n()
  const { state } = snapshot
  const { network } = state
  const [loss, setLoss] = useState(0)
  const [delay, setDelay] = useState(0)
  const [bothWays, setBothWays] = useState(true)
  const live = state.kind === 'live'
  const faultsAllowed = !live || state.faults === true

  const link = selectedLink
  const current = link === null ? undefined : network.links.find((l) => l.from === link.from && l.to === link.to)
  useEffect(() => {
    setLoss(current?.lossRate ?? 0)
    setDelay(current?.delayMs ?? 0)
  }, [link?.from, link?.to, current?.lossRate, current?.delayMs])

  const startDrawing = () => {
    const draft: Record<NodeId, number> = {}
    network.groups?.forEach((group, i) => group.forEach((id) => (draft[id] = Math.min(i, 2))))
    for (const node of state.nodes) draft[node.id] ??= network.groups === null ? 0 : Math.min(network.groups.length, 2)
    setPartitionDraft(draft)
  }
  const applyPartition = async () => {
    if (partitionDraft === null) return
    const groups: NodeId[][] = [[], [], []]
    for (const node of state.nodes) groups[partitionDraft[node.id] ?? 0]!.push(node.id)
    const nonEmpty = groups.filter((group) => group.length > 0)
    const ok = await send(nonEmpty.length <= 1 ? { type: 'heal' } : { type: 'partition', groups: nonEmpty })
    if (ok) setPartitionDraft(null)
  }

  const summary: string[] = []
  if (network.groups !== null) summary.push(t('net.groups', { list: network.groups.map((g) => `{${g.join(',')}}`).join(' | ') }))
  if (network.cuts.length > 0 && network.groups === null) summary.push(t('net.cuts', { list: network.cuts.map((c) => `${c.from}→${c.to}`).join(', ') }))
  for (const l of network.links) {
    if (l.lossRate > 0 || l.delayMs > 0) summary.push(t('net.lossy', { from: l.from, to: l.to, loss: Math.round(l.lossRate * 100), delay: l.delayMs }))
  }

  return (
    <div className="panel-body" data-testid="network-controls">
      <div className="net-summary" data-testid="net-summary">
        <strong>{t('net.state')}:</strong> {summary.length === 0 ? t('net.noFaults') : summary.map((line) => <div key={line}>{line}</div>)}
      </div>
      <div className="button-row">
        {partitionDraft === null ? (
          <button type="button" className="btn" data-testid="draw-partition" disabled={!faultsAllowed} onClick={startDrawing}>
            ✂ {t('net.partition')}
          </button>
        ) : (
          <>
            <button type="button" className="btn btn-primary" data-testid="apply-partition" onClick={() => void applyPartition()}>
              {t('net.partitionApply')}
            </button>
            <button type="button" className="btn" onClick={() => setPartitionDraft(null)}>
              {t('net.partitionCancel')}
            </button>
          </>
        )}
        <button type="button" className="btn" data-testid="heal" disabled={!faultsAllowed} onClick={() => void send({ type: 'heal' })}>
          ✚ {t('net.heal')}
        </button>
      </div>
      {partitionDraft !== null && (
        <div className="partition-draft" data-testid="partition-draft">
          <p className="muted">{t('cluster.partitionHint')}</p>
          {state.nodes.map((node) => {
            const group = partitionDraft[node.id] ?? 0
            return (
              <button
                key={node.id}
                type="button"
                className="chip"
                style={{ borderColor: groupColors[group], color: groupColors[group] }}
                data-testid={`draft-${node.id}`}
                data-group={group}
                onClick={() => setPartitionDraft({ ...partitionDraft, [node.id]: (group + 1) % 3 })}
              >
                {node.id}: {t('net.group', { g: groupLetters[group] ?? '?' })}
              </button>
            )
          })}
        </div>
      )}
      {link === null ? (
        <p className="muted">{t('net.linkPick')}</p>
      ) : (
        <div className="link-editor" data-testid="link-editor">
          <div className="section-head">
            <h3>{t('net.link', { from: link.from, to: link.to })}</h3>
            <button type="button" className="btn btn-small" onClick={() => selectLink({ from: link.to, to: link.from })}>
              ⇄ {t('net.swap')}
            </button>
          </div>
          <div className="button-row">
            <button type="button" className="btn" data-testid="cut-one-way" disabled={!faultsAllowed || live} onClick={() => void send({ type: 'cut', from: link.from, to: link.to })}>
              {t('net.cutOneWay', { from: link.from, to: link.to })}
            </button>
            <button
              type="button"
              className="btn"
              data-testid="cut-both"
              disabled={!faultsAllowed || live}
              onClick={() => void send({ type: 'cut', from: link.from, to: link.to }).then((ok) => ok && send({ type: 'cut', from: link.to, to: link.from }))}
            >
              {t('net.cutBoth')}
            </button>
          </div>
          {!live && (
            <form
              className="link-form"
              onSubmit={(event) => {
                event.preventDefault()
                void send({ type: 'link', from: link.from, to: link.to, lossRate: loss, delayMs: delay, bothWays })
              }}
            >
              <label>
                {t('net.loss')} <output>{Math.round(loss * 100)}%</output>
                <input type="range" min={0} max={1} step={0.05} value={loss} data-testid="link-loss" onChange={(event) => setLoss(Number(event.currentTarget.value))} />
              </label>
              <label>
                {t('net.delay')}
                <input type="number" min={0} max={10000} step={5} value={delay} data-testid="link-delay" onChange={(event) => setDelay(Number(event.currentTarget.value))} />
              </label>
              <label className="inline-check">
                <input type="checkbox" checked={bothWays} onChange={(event) => setBothWays(event.currentTarget.checked)} />
                {t('net.bothWays')}
              </label>
              <button type="submit" className="btn" data-testid="link-apply">
                {t('net.applyLink')}
              </button>
            </form>
          )}
        </div>
      )}
    </div>
  )
}
