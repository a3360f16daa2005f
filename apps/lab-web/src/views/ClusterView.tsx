import { memo, useEffect, useMemo, useRef, useState } from 'react'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import type { MessageView, NetworkView, NodeId, NodeView } from '../protocol'
import { termColor, useAnimationFrame, virtualTimeAt } from './clock'
import { alongLink, arcPath, layoutNodes, nodeRadiusFor, spaceFor, type Point } from './geometry'
import { familyColors, messageStyle, type MessageFamily } from './message-style'

export const groupLetters = ['A', 'B', 'C', 'D']
export const groupColors = ['#0ea5e9', '#f97316', '#22c55e', '#a855f7']
/** Messages drawn at once at most: beyond this the picture is noise, and frames get slow. */
const maxMessagesDrawn = 400

interface LinkState {
  readonly a: NodeId
  readonly b: NodeId
  readonly cutAB: boolean
  readonly cutBA: boolean
  readonly faulty: boolean
  readonly label: string
}

function linkStates(ids: readonly NodeId[], network: NetworkView): LinkState[] {
  const cut = new Set(network.cuts.map((c) => `${c.from}>${c.to}`))
  const faults = new Map(network.links.map((l) => [`${l.from}>${l.to}`, l]))
  const links: LinkState[] = []
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i]!
      const b = ids[j]!
      const ab = faults.get(`${a}>${b}`)
      const ba = faults.get(`${b}>${a}`)
      const parts = [ab, ba]
        .filter((l) => l !== undefined && (l.lossRate > 0 || l.delayMs > 0))
        .map((l) => `${Math.round(l!.lossRate * 100)}%${l!.delayMs > 0 ? ` +${l!.delayMs}ms` : ''}`)
      links.push({
        a,
        b,
        cutAB: cut.has(`${a}>${b}`),
        cutBA: cut.has(`${b}>${a}`),
        faulty: parts.length > 0,
        label: [...new Set(parts)].join(' / '),
      })
    }
  }
  return links
}

/** Node id → partition group index, from the server's groups (the unnamed rest is one more group). */
function groupOf(nodes: readonly NodeView[], network: NetworkView): ReadonlyMap<NodeId, number> | null {
  if (network.groups === null) return null
  const groups = new Map<NodeId, number>()
  network.groups.forEach((group, i) => group.forEach((id) => groups.set(id, i)))
  const rest = network.groups.length
  for (const node of nodes) if (!groups.has(node.id)) groups.set(node.id, rest)
  return groups
}

export function ClusterView() {
  const { snapshot, selectedNode, selectNode, selectedLink, selectLink, partitionDraft, setPartitionDraft, setPanel } =
    useSession()
  const { t } = useI18n()
  const { state } = snapshot
  const ids = useMemo(() => state.nodes.map((n) => n.id), [state.nodes])
  const idsKey = ids.join(',')
  const figure = useRef<HTMLElement>(null)
  const narrow = useNarrow(figure)
  const space = useMemo(() => spaceFor(ids.length, narrow), [ids.length, narrow])
  const radius = nodeRadiusFor(ids.length)
  // Positions change only when membership does, not on every state.
  const positions = useMemo(() => layoutNodes(idsKey === '' ? [] : idsKey.split(','), space), [idsKey, space])
  const links = useMemo(() => linkStates(ids, state.network), [ids, state.network])
  const groups = useMemo(() => groupOf(state.nodes, state.network), [state.nodes, state.network])
  const hasDropped = state.inFlight.some((m) => m.dropped === true)
  const now = useAnimationFrame(state.playing || hasDropped)
  const time = virtualTimeAt(snapshot, now)

  const clickNode = (id: NodeId) => {
    if (partitionDraft !== null) {
      setPartitionDraft({ ...partitionDraft, [id]: ((partitionDraft[id] ?? 0) + 1) % 3 })
      return
    }
    selectNode(id)
    selectLink(null)
    setPanel('node')
  }
  const clickLink = (from: NodeId, to: NodeId) => {
    selectLink({ from, to })
    setPanel('network')
  }

  return (
    <figure className="cluster" ref={figure} aria-label={t('cluster.label')}>
      <svg
        className="cluster-svg"
        viewBox={`0 0 ${space.width} ${space.height}`}
        role="img"
        aria-label={t('cluster.label')}
        data-testid="cluster"
      >
        <defs>
          <marker id="cut-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#dc2626" />
          </marker>
        </defs>
        <Links
          links={links}
          positions={positions}
          selected={selectedLink}
          onPick={clickLink}
        />
        <Messages messages={state.inFlight} positions={positions} time={time} radius={radius} />
        {state.nodes.map((node) => (
          <NodeGlyph
            key={node.id}
            node={node}
            at={positions.get(node.id)!}
            elapsedMs={node.electionElapsedMs + (time - state.time)}
            selected={selectedNode === node.id}
            group={partitionDraft !== null ? (partitionDraft[node.id] ?? 0) : (groups?.get(node.id) ?? null)}
            drafting={partitionDraft !== null}
            compact={narrow || ids.length > 5}
            radius={radius}
            onClick={clickNode}
          />
        ))}
      </svg>
      <figcaption className="cluster-hint">
        {partitionDraft !== null ? t('cluster.partitionHint') : t('cluster.selectHint')}
      </figcaption>
      <Legend />
    </figure>
  )
}

/** Whether the view is narrow (a phone): then it draws in a narrower space. */
function useNarrow(element: React.RefObject<HTMLElement | null>): boolean {
  const [narrow, setNarrow] = useState(false)
  useEffect(() => {
    const target = element.current
    if (target === null) return
    const observer = new ResizeObserver(([entry]) => setNarrow((entry?.contentRect.width ?? 1000) < 560))
    observer.observe(target)
    return () => observer.disconnect()
  }, [element])
  return narrow
}

const Links = memo(function Links(props: {
  readonly links: readonly LinkState[]
  readonly positions: ReadonlyMap<NodeId, Point>
  readonly selected: { readonly from: NodeId; readonly to: NodeId } | null
  readonly onPick: (from: NodeId, to: NodeId) => void
}) {
  return (
    <g className="links">
      {props.links.map((link) => {
        const a = props.positions.get(link.a)!
        const b = props.positions.get(link.b)!
        const isSelected =
          props.selected !== null &&
          ((props.selected.from === link.a && props.selected.to === link.b) ||
            (props.selected.from === link.b && props.selected.to === link.a))
        const cut = link.cutAB || link.cutBA
        const className = ['link', cut ? 'link-cut' : '', link.faulty ? 'link-faulty' : '', isSelected ? 'link-selected' : '']
          .filter(Boolean)
          .join(' ')
        const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }
        const oneWay = link.cutAB !== link.cutBA
        // A one-way cut is drawn as an arrow towards the node that no longer hears the other.
        const from = link.cutAB ? a : b
        const to = link.cutAB ? b : a
        return (
          <g key={`${link.a}-${link.b}`} data-testid={`link-${link.a}-${link.b}`} data-cut={cut ? (oneWay ? 'one-way' : 'both') : 'none'}>
            <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} className={className} />
            {oneWay && (
              <line
                x1={alongLink(from, to, 0.3).x}
                y1={alongLink(from, to, 0.3).y}
                x2={alongLink(from, to, 0.62).x}
                y2={alongLink(from, to, 0.62).y}
                className="link-cut-arrow"
                markerEnd="url(#cut-arrow)"
              />
            )}
            {cut && !oneWay && (
              <text x={mid.x} y={mid.y + 6} className="link-cut-mark" textAnchor="middle">
                ✕
              </text>
            )}
            {link.faulty && (
              <text x={mid.x} y={mid.y - 8} className="link-label" textAnchor="middle">
                {link.label}
              </text>
            )}
            <line
              x1={a.x}
              y1={a.y}
              x2={b.x}
              y2={b.y}
              className="link-hit"
              role="button"
              aria-label={`${link.a} ↔ ${link.b}`}
              onClick={() => props.onPick(link.a, link.b)}
            />
          </g>
        )
      })}
    </g>
  )
})

function Messages(props: {
  readonly messages: readonly MessageView[]
  readonly positions: ReadonlyMap<NodeId, Point>
  readonly time: number
  readonly radius: number
}) {
  const shown = props.messages.length > maxMessagesDrawn ? props.messages.slice(-maxMessagesDrawn) : props.messages
  return (
    <g className="messages" data-testid="messages" data-count={props.messages.length}>
      {shown.map((message) => {
        const from = props.positions.get(message.from)
        const to = props.positions.get(message.to)
        if (from === undefined || to === undefined) return null
        const span = Math.max(1, message.deliverAt - message.sentAt)
        const progress = Math.min(Math.max((props.time - message.sentAt) / span, 0), 1)
        const style = messageStyle(message.type, message.summary)
        const at = alongLink(from, to, message.dropped === true ? Math.min(progress, 0.5) : progress, style.reply ? -6 : 6, props.radius)
        const fill = style.reply ? 'white' : style.color
        const title = <title>{`${message.from} → ${message.to} · ${message.summary}${message.dropped ? ` · ${message.dropReason ?? 'dropped'}` : ''}`}</title>
        if (message.dropped === true) {
          return (
            <g key={message.id} className="message message-dropped" transform={`translate(${at.x} ${at.y})`} data-type={message.type}>
              {title}
              <circle r={style.size} fill="white" stroke="#dc2626" strokeWidth={2} />
              <path d="M -4 -4 L 4 4 M -4 4 L 4 -4" stroke="#dc2626" strokeWidth={2} />
            </g>
          )
        }
        return (
          <g key={message.id} className="message" transform={`translate(${at.x} ${at.y})`} data-type={message.type}>
            {title}
            {style.shape === 'circle' && <circle r={style.size} fill={fill} stroke={style.color} strokeWidth={2} />}
            {style.shape === 'square' && (
              <rect x={-style.size} y={-style.size} width={style.size * 2} height={style.size * 2} fill={fill} stroke={style.color} strokeWidth={2} />
            )}
            {style.shape === 'diamond' && (
              <path
                d={`M 0 ${-style.size - 2} L ${style.size + 2} 0 L 0 ${style.size + 2} L ${-style.size - 2} 0 z`}
                fill={fill}
                stroke={style.color}
                strokeWidth={2}
              />
            )}
          </g>
        )
      })}
    </g>
  )
}

const roleStroke: Record<NodeView['role'], string> = {
  leader: '#1d4ed8',
  candidate: '#ea580c',
  'pre-candidate': '#d97706',
  follower: '#475569',
}

function NodeGlyph(props: {
  readonly node: NodeView
  readonly at: Point
  readonly elapsedMs: number
  readonly selected: boolean
  readonly group: number | null
  readonly drafting: boolean
  /** On a narrow view there is room under a node for its vote only. */
  readonly compact: boolean
  readonly radius: number
  readonly onClick: (id: NodeId) => void
}) {
  const { t } = useI18n()
  const { node, at } = props
  // Drawn at radius 40 and scaled, so that text keeps its proportions in the node.
  const r = 40
  const scale = props.radius / r
  const timerFraction = node.electionTimeoutMs > 0 ? Math.min(props.elapsedMs / node.electionTimeoutMs, 1) : 0
  const roleText = node.up ? t(`role.${node.role}`) : t('node.down')
  const faded = !node.member
  const classes = ['node', `node-${node.role}`, node.up ? 'node-up' : 'node-down', props.selected ? 'node-selected' : '', faded ? 'node-removed' : '']
  return (
    <g
      className={classes.filter(Boolean).join(' ')}
      data-testid={`node-${node.id}`}
      data-role={node.up ? node.role : 'down'}
      data-term={node.term}
      transform={`translate(${at.x} ${at.y})${scale === 1 ? '' : ` scale(${scale})`}`}
      role="button"
      tabIndex={0}
      aria-label={`${node.id}: ${roleText}, ${t('node.term', { term: node.term })}`}
      onClick={() => props.onClick(node.id)}
      onKeyDown={(event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault()
          props.onClick(node.id)
        }
      }}
    >
      {props.selected && <circle r={r + 11} className="node-selection" />}
      {props.group !== null && (
        <circle r={r + 6} fill="none" stroke={groupColors[props.group % groupColors.length]} strokeWidth={props.drafting ? 5 : 3} strokeDasharray={props.drafting ? undefined : '6 4'} />
      )}
      <circle
        r={r}
        className="node-body"
        fill={node.up ? termColor(node.term, 93) : '#e5e7eb'}
        stroke={node.up ? roleStroke[node.role] : '#9ca3af'}
        strokeWidth={node.role === 'leader' && node.up ? 5 : 2.5}
        strokeDasharray={!node.up || !node.voter ? '5 4' : node.role === 'pre-candidate' ? '3 3' : undefined}
      />
      {node.up && node.role !== 'leader' && (
        <path d={arcPath({ x: 0, y: 0 }, r - 6, timerFraction)} className="node-timer" stroke={timerFraction > 0.8 ? '#ea580c' : '#94a3b8'} />
      )}
      {node.up && node.role === 'leader' && (
        <text y={-r - 6} textAnchor="middle" className="node-crown">
          ♛
        </text>
      )}
      <text y={-6} textAnchor="middle" className="node-id">
        {node.id}
      </text>
      <text y={16} textAnchor="middle" className="node-term" fill={termColor(node.term, 30)}>
        {`T${node.term}`}
      </text>
      {!node.up && (
        <path d={`M ${-r * 0.55} ${-r * 0.55} L ${r * 0.55} ${r * 0.55} M ${-r * 0.55} ${r * 0.55} L ${r * 0.55} ${-r * 0.55}`} className="node-cross" />
      )}
      <text y={r + 17} textAnchor="middle" className="node-role">
        {roleText}
        {!node.voter && node.member ? ` · ${t('node.learner')}` : ''}
        {!node.member ? ` · ${t('node.removed')}` : ''}
      </text>
      <text y={r + 33} textAnchor="middle" className="node-detail">
        {node.votedFor !== undefined ? t('node.voted', { node: node.votedFor }) : t('node.noVote')}
        {props.compact ? '' : ` · ${t('node.logLine', { last: node.lastIndex, commit: node.commitIndex })}`}
      </text>
      {props.group !== null && (
        <text x={r * 0.78} y={-r * 0.72} textAnchor="middle" className="node-group" fill={groupColors[props.group % groupColors.length]}>
          {groupLetters[props.group] ?? props.group + 1}
        </text>
      )}
    </g>
  )
}

const legendFamilies: readonly MessageFamily[] = ['prevote', 'vote', 'append', 'heartbeat', 'snapshot', 'transfer', 'read']

function Legend() {
  const { t } = useI18n()
  return (
    <ul className="legend" aria-label="legend">
      {legendFamilies.map((family) => (
        <li key={family}>
          <span className="legend-dot" style={{ background: familyColors[family] }} />
          {t(`legend.${family}`)}
        </li>
      ))}
      <li>
        <span className="legend-dot legend-hollow" />
        {t('legend.reply')}
      </li>
      <li>
        <span className="legend-drop">✕</span>
        {t('legend.dropped')}
      </li>
      <li>
        <span className="legend-cut" />
        {t('legend.cut')}
      </li>
    </ul>
  )
}
