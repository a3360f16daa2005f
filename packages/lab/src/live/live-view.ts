import type { RaftEvent } from '@raftkit/raft'
import WebSocket from 'ws'
import type {
  Command,
  LabEvent,
  LogEntryView,
  MessageView,
  NodeView,
  State,
  TermSpan,
} from '../protocol/index.js'
import { EventStore } from '../session/event-store.js'
import { narrateRaft } from '../session/narrate.js'
import { translateRule } from '../session/rules.js'
import { CommandRefused } from '../session/world.js'

/** What the Lab may do to the real cluster that `raftkit start` runs. */
export interface LiveClusterControl {
  members(): readonly { readonly id: string; readonly clientUrl: string }[]
  /** Whether the nodes run with --debug-faults (so partitions can be made). */
  readonly faults: boolean
  /** Kills a node's process (SIGKILL), as a crash. */
  crash(id: string): Promise<void>
  /** Starts a stopped node again from its data directory. */
  restart(id: string): Promise<void>
}

interface NodeStatusFrame {
  readonly id: string
  readonly role: NodeView['role']
  readonly term: number
  readonly vote?: string
  readonly leaderId?: string
  readonly commitIndex: number
  readonly appliedIndex: number
  readonly snapshotIndex: number
  readonly lastIndex: number
  readonly config: { readonly voters: readonly string[]; readonly learners: readonly string[] }
  readonly electionElapsedTicks?: number
  readonly electionTimeoutTicks?: number
  readonly progress?: Record<string, { state: string; matchIndex: number; nextIndex: number }>
}

interface LiveNode {
  readonly id: string
  readonly clientUrl: string
  socket: WebSocket | undefined
  connected: boolean
  status: NodeStatusFrame | undefined
  statusAt: number
  log: LogEntryView[]
  kv: Record<string, string>
}

const tickMsGuess = 50
const maxLog = 200

/**
 * The Lab's view of a real cluster: the same `State` as a simulated session, built from the
 * event streams of the running nodes (`GET /v1/cluster/events` on each, with message events),
 * and commands that act on the real processes: crash and restart through `raftkit start`,
 * partitions through each node's `/v1/debug/network`, transfers and client requests through
 * the nodes' own API.
 */
export class LiveView {
  readonly #control: LiveClusterControl
  readonly #nodes = new Map<string, LiveNode>()
  readonly #events = new EventStore(5_000)
  readonly #startedAt = Date.now()
  readonly #inFlight = new Map<string, MessageView & { seenAt: number }>()
  #messageIds = 0
  #seq = 0
  #terms: TermSpan[] = [{ term: 0, from: 0 }]
  #blocked: { from: string; to: string }[] = []
  #groups: string[][] | null = null
  #closed = false
  #timer: ReturnType<typeof setInterval> | undefined
  version = 0

  constructor(control: LiveClusterControl) {
    this.#control = control
    for (const member of control.members())
      this.#nodes.set(member.id, {
        id: member.id,
        clientUrl: member.clientUrl,
        socket: undefined,
        connected: false,
        status: undefined,
        statusAt: 0,
        log: [],
        kv: {},
      })
    for (const node of this.#nodes.values()) this.#connect(node)
    this.#timer = setInterval(() => void this.#pollKv(), 2_000)
    this.#timer.unref()
  }

  get lastEventSeq(): number {
    return this.#seq
  }

  #now(): number {
    return Date.now() - this.#startedAt
  }

  #connect(node: LiveNode): void {
    if (this.#closed) return
    const url = `${node.clientUrl.replace(/^http/, 'ws')}/v1/cluster/events?messages=1&messageRate=100`
    const socket = new WebSocket(url)
    node.socket = socket
    socket.on('open', () => {
      node.connected = true
      this.version++
    })
    socket.on('message', (data) => this.#onFrame(node, data.toString()))
    const retry = (): void => {
      if (node.socket !== socket) return
      node.connected = false
      node.socket = undefined
      this.version++
      if (!this.#closed) setTimeout(() => this.#connect(node), 1_000).unref()
    }
    socket.on('close', retry)
    socket.on('error', () => socket.close())
  }

  #onFrame(node: LiveNode, text: string): void {
    let frame: {
      type?: string
      status?: NodeStatusFrame
      event?: RaftEvent & Record<string, unknown>
    }
    try {
      frame = JSON.parse(text) as typeof frame
    } catch {
      return
    }
    if (frame.type === 'status' && frame.status !== undefined) {
      node.status = frame.status
      node.statusAt = Date.now()
      this.version++
      return
    }
    if (frame.type === 'raft-event' && frame.event !== undefined) this.#onEvent(node, frame.event)
  }

  #onEvent(node: LiveNode, event: RaftEvent & Record<string, unknown>): void {
    const now = this.#now()
    this.version++
    if (event.type === 'message-sent' || event.type === 'message-received') {
      const message = event.message as unknown as {
        type: string
        from: string
        to: string
        term: number
        describe?: string
        entries?: { index: number; term: number; kind: string }[]
      }
      const key = `${message.from}>${message.to}:${message.describe ?? message.type}`
      if (event.type === 'message-sent') {
        this.#inFlight.set(key, {
          id: ++this.#messageIds,
          type: message.type,
          from: message.from,
          to: message.to,
          term: message.term,
          sentAt: now,
          deliverAt: now + 20,
          summary: (message.describe ?? message.type).replace(
            `${message.from} -> ${message.to} `,
            '',
          ),
          seenAt: Date.now(),
        })
      } else {
        this.#inFlight.delete(key)
        if (message.type === 'AppendEntries' && message.entries !== undefined)
          this.#appendLog(node, message.entries)
      }
      if (
        message.type === 'AppendEntries' &&
        event.type === 'message-sent' &&
        message.entries !== undefined
      )
        this.#appendLog(node, message.entries)
      return
    }
    if (event.type === 'log-truncated')
      node.log = node.log.filter((entry) => entry.index < event.fromIndex)
    if (event.type === 'role-changed' || event.type === 'term-changed')
      this.#updateTerms(event, now)
    const text = narrateRaft(event)
    if (text === undefined) return
    const rule = typeof event.rule === 'string' ? event.rule : undefined
    const seq = ++this.#seq
    const { type, node: _node, rule: _rule, ...data } = event
    this.#events.push({
      seq,
      time: now,
      step: 0,
      node: node.id,
      type: `raft.${type}`,
      text,
      ...(rule === undefined ? {} : { rule: translateRule(rule) }),
      data: data as Record<string, unknown>,
    })
  }

  #appendLog(
    node: LiveNode,
    entries: readonly { index: number; term: number; kind: string }[],
  ): void {
    for (const entry of entries) {
      node.log = node.log.filter((e) => e.index < entry.index)
      node.log.push({
        index: entry.index,
        term: entry.term,
        kind: entry.kind === 'config' ? 'config' : entry.kind === 'noop' ? 'noop' : 'command',
        text: entry.kind,
      })
    }
    if (node.log.length > maxLog) node.log = node.log.slice(-maxLog)
  }

  #updateTerms(
    event: Extract<RaftEvent, { type: 'role-changed' | 'term-changed' }>,
    now: number,
  ): void {
    const current = this.#terms[this.#terms.length - 1]!
    const term = event.type === 'role-changed' ? event.term : event.to
    if (term > current.term) {
      this.#terms[this.#terms.length - 1] = { ...current, to: now }
      this.#terms.push({ term, from: now })
      if (this.#terms.length > 500) this.#terms = this.#terms.slice(-500)
    }
    if (event.type === 'role-changed' && event.to === 'leader') {
      const last = this.#terms[this.#terms.length - 1]!
      if (last.term === event.term)
        this.#terms[this.#terms.length - 1] = { ...last, leader: event.node }
    }
  }

  async #pollKv(): Promise<void> {
    for (const node of this.#nodes.values()) {
      if (!node.connected) continue
      try {
        const response = await fetch(`${node.clientUrl}/v1/kv?prefix=&limit=50&consistency=stale`, {
          signal: AbortSignal.timeout(1_000),
        })
        if (!response.ok) continue
        const body = (await response.json()) as { items?: { key: string; value: string }[] }
        node.kv = Object.fromEntries((body.items ?? []).map((item) => [item.key, item.value]))
      } catch {
        // The node is down or slow; the next poll tries again.
      }
    }
  }

  state(): State {
    const now = this.#now()
    for (const [key, message] of this.#inFlight)
      if (Date.now() - message.seenAt > 1_000) this.#inFlight.delete(key)
    const nodes: NodeView[] = [...this.#nodes.values()].map((node) => {
      const status = node.status
      const fresh = node.connected && status !== undefined && Date.now() - node.statusAt < 5_000
      const first = node.log[0]?.index ?? (status?.lastIndex ?? 0) + 1
      return {
        id: node.id,
        up: fresh,
        role: fresh ? status.role : 'follower',
        term: status?.term ?? 0,
        ...(status?.vote === undefined ? {} : { votedFor: status.vote }),
        ...(status?.leaderId === undefined ? {} : { leaderId: status.leaderId }),
        voter: status?.config.voters.includes(node.id) ?? true,
        member:
          status === undefined ||
          status.config.voters.includes(node.id) ||
          status.config.learners.includes(node.id),
        electionElapsedMs: (status?.electionElapsedTicks ?? 0) * tickMsGuess,
        electionTimeoutMs: (status?.electionTimeoutTicks ?? 0) * tickMsGuess,
        commitIndex: status?.commitIndex ?? 0,
        appliedIndex: status?.appliedIndex ?? 0,
        snapshotIndex: status?.snapshotIndex ?? 0,
        lastIndex: status?.lastIndex ?? 0,
        log: node.log,
        logFrom: first,
        kv: node.kv,
        ...(status?.progress === undefined
          ? {}
          : {
              progress: Object.fromEntries(
                Object.entries(status.progress).map(([peer, p]) => [
                  peer,
                  { match: p.matchIndex, next: p.nextIndex, state: p.state },
                ]),
              ),
            }),
      }
    })
    return {
      id: 'live',
      kind: 'live',
      recipe: null,
      time: now,
      steps: 0,
      eventSeq: this.#seq,
      playing: true,
      speed: 1,
      stopped: false,
      futureCommands: 0,
      horizon: now,
      settings: { faults: this.#control.faults },
      rules: { preVote: true, checkQuorum: true, unsafe: null },
      nodes,
      network: { groups: this.#groups, cuts: this.#blocked, links: [] },
      inFlight: [...this.#inFlight.values()].map(({ seenAt: _seen, ...view }) => view),
      terms: this.#terms,
      violations: [],
      clients: [],
      workload: { writesPerSecond: 0, keys: 0 },
      faults: this.#control.faults,
    }
  }

  events(
    after: number,
    limit: number,
  ): { events: LabEvent[]; next: number; firstRetained: number; last: number } {
    const events = this.#events.after(after, limit)
    return {
      events,
      next: events[events.length - 1]?.seq ?? after,
      firstRetained: this.#events.firstRetained,
      last: this.#events.last,
    }
  }

  eventsSince(after: number, limit: number): LabEvent[] {
    return this.#events.after(after, limit)
  }

  /** Acts on the real cluster. Throws CommandRefused for what a real cluster cannot be asked here. */
  async command(command: Command): Promise<void> {
    const node = (id: string): LiveNode => {
      const found = this.#nodes.get(id)
      if (found === undefined)
        throw new CommandRefused(
          'bad_request',
          `there is no node ${id} (nodes are ${[...this.#nodes.keys()].join(', ')})`,
        )
      return found
    }
    const needFaults = (): void => {
      if (!this.#control.faults)
        throw new CommandRefused(
          'unsupported',
          'the nodes run without --debug-faults: start them with raftkit start --debug-faults to cut the network',
        )
    }
    switch (command.type) {
      case 'crash':
        node(command.node)
        return this.#control.crash(command.node)
      case 'restart':
        node(command.node)
        return this.#control.restart(command.node)
      case 'partition': {
        needFaults()
        const ids = [...this.#nodes.keys()]
        const groupOf = new Map<string, number>()
        command.groups.forEach((group, g) => group.forEach((id) => groupOf.set(node(id).id, g)))
        const blocked: { from: string; to: string }[] = []
        for (const from of ids)
          for (const to of ids)
            if (from !== to && (groupOf.get(from) ?? -1) !== (groupOf.get(to) ?? -1))
              blocked.push({ from, to })
        await this.#heal()
        await this.#block(blocked)
        this.#groups = command.groups.map((g) => [...g])
        return
      }
      case 'cut': {
        needFaults()
        node(command.from)
        node(command.to)
        await this.#block([{ from: command.from, to: command.to }])
        return
      }
      case 'heal':
        needFaults()
        await this.#heal()
        this.#groups = null
        return
      case 'transfer': {
        const leader =
          [...this.#nodes.values()].find((n) => n.status?.role === 'leader') ?? node(command.to)
        const response = await fetch(`${leader.clientUrl}/v1/cluster/leader/transfer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to: command.to }),
        })
        if (!response.ok)
          throw new CommandRefused(
            'conflict',
            `the cluster refused the transfer: ${await response.text()}`,
          )
        return
      }
      case 'client': {
        const via = node(
          command.via ??
            [...this.#nodes.values()].find((n) => n.status?.role === 'leader')?.id ??
            [...this.#nodes.keys()][0]!,
        )
        const url = `${via.clientUrl}/v1/kv/${encodeURIComponent(command.key)}`
        const init: RequestInit =
          command.op === 'put'
            ? {
                method: 'PUT',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ value: command.value }),
              }
            : command.op === 'delete'
              ? { method: 'DELETE' }
              : command.op === 'cas'
                ? {
                    method: 'POST',
                    headers: { 'content-type': 'application/json' },
                    body: JSON.stringify({
                      expected: command.expected ?? null,
                      value: command.value,
                    }),
                  }
                : { method: 'GET' }
        const response = await fetch(command.op === 'cas' ? `${url}/cas` : url, init)
        const seq = ++this.#seq
        this.#events.push({
          seq,
          time: this.#now(),
          step: 0,
          node: via.id,
          type: 'client.done',
          text: {
            en: `client ${command.op} ${command.key} at ${via.id}: HTTP ${response.status} ${await response.text()}`,
            zh: `客户端在 ${via.id} 执行 ${command.op} ${command.key}：HTTP ${response.status}`,
          },
          data: { status: response.status },
        })
        this.version++
        return
      }
      case 'play':
      case 'pause':
      case 'speed':
        return // A real cluster runs in real time.
      default:
        throw new CommandRefused(
          'unsupported',
          `${command.type} is for simulated sessions; the live view runs the real cluster in real time`,
        )
    }
  }

  async #block(links: readonly { from: string; to: string }[]): Promise<void> {
    const byNode = new Map<string, Set<string>>()
    for (const { from, to } of links) {
      // Each node drops messages to and from the peers it is told to block; a one-way cut is
      // made at the sender (its peers' messages still reach it).
      if (!byNode.has(from)) byNode.set(from, new Set())
      byNode.get(from)!.add(to)
    }
    for (const [id, peers] of byNode) {
      const response = await fetch(`${this.#nodes.get(id)!.clientUrl}/v1/debug/network`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ block: [...peers] }),
      })
      if (!response.ok)
        throw new CommandRefused('unavailable', `${id} refused the fault: HTTP ${response.status}`)
    }
    this.#blocked = [...this.#blocked, ...links]
    this.version++
  }

  async #heal(): Promise<void> {
    for (const node of this.#nodes.values()) {
      await fetch(`${node.clientUrl}/v1/debug/network`, { method: 'DELETE' }).catch(() => undefined)
    }
    this.#blocked = []
    this.version++
  }

  close(): void {
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    for (const node of this.#nodes.values()) node.socket?.terminate()
  }
}
