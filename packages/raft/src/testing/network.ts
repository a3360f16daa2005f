import type { Message } from '../messages.js'
import { RawNode, type RawNodeOptions } from '../raw-node.js'
import type { ReadFailure, Ready } from '../ready.js'
import type { ClusterConfig, Entry, HardState, NodeId, PersistedState, Snapshot } from '../types.js'

/** A deterministic Random for tests: a fixed sequence, cycling. */
export function sequenceRandom(values: readonly number[]): { nextInt(bound: number): number } {
  let i = 0
  return {
    nextInt(bound: number): number {
      const value = values[i % values.length]! % bound
      i++
      return value
    },
  }
}

/** What a test node has made durable, as a real node's disk would hold it. */
export class TestStorage {
  hardState: HardState = { term: 0, vote: undefined, commit: 0 }
  entries: Entry[] = []
  snapshot: Snapshot | undefined

  persist(ready: Ready): void {
    if (ready.snapshot !== undefined) {
      this.snapshot = ready.snapshot
      this.entries = []
    }
    if (ready.entries.length > 0) {
      const first = ready.entries[0]!.index
      const base = this.snapshot?.meta.index ?? 0
      this.entries = this.entries.slice(0, Math.max(0, first - base - 1)).concat(ready.entries)
    }
    if (ready.hardState !== undefined) this.hardState = ready.hardState
  }

  state(): PersistedState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] }
  }
}

/**
 * A hand-driven cluster for unit tests of the core: nothing moves unless the test says so.
 * Messages wait in an outbox until `deliver` is called; `settle` delivers until quiet.
 */
export class TestNetwork {
  readonly nodes = new Map<NodeId, RawNode>()
  readonly storage = new Map<NodeId, TestStorage>()
  readonly applied = new Map<NodeId, Entry[]>()
  readonly readStates = new Map<NodeId, { requestId: number; index: number }[]>()
  readonly readFailures = new Map<NodeId, ReadFailure[]>()
  outbox: Message[] = []
  /** Directed links that drop messages: `${from}->${to}`. */
  readonly cut = new Set<string>()
  readonly #options: Omit<RawNodeOptions, 'id'>

  constructor(ids: readonly NodeId[], options: Partial<Omit<RawNodeOptions, 'id'>> = {}) {
    const initialConfig: ClusterConfig = options.initialConfig ?? { voters: [...ids], learners: [] }
    this.#options = { random: sequenceRandom([0]), ...options, initialConfig }
    for (const id of ids) this.start(id)
  }

  start(id: NodeId, persisted?: PersistedState, overrides: Partial<RawNodeOptions> = {}): RawNode {
    const storage = this.storage.get(id) ?? new TestStorage()
    this.storage.set(id, storage)
    const node = new RawNode({ ...this.#options, ...overrides, id }, persisted ?? storage.state())
    this.nodes.set(id, node)
    this.applied.set(id, [])
    this.readStates.set(id, [])
    this.readFailures.set(id, [])
    return node
  }

  /** Restarts a node from what it persisted (volatile state lost). */
  restart(id: NodeId, overrides: Partial<RawNodeOptions> = {}): RawNode {
    this.outbox = this.outbox.filter((m) => m.to !== id && m.from !== id)
    return this.start(id, this.storage.get(id)!.state(), overrides)
  }

  node(id: NodeId): RawNode {
    const node = this.nodes.get(id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  /** Handles every node's Ready (persist, queue messages, apply, advance) until none has one. */
  flush(): void {
    for (let progress = true; progress;) {
      progress = false
      for (const [id, node] of this.nodes) {
        while (node.hasReady()) {
          progress = true
          const ready = node.ready()
          this.storage.get(id)!.persist(ready)
          this.outbox.push(...ready.messages)
          this.applied.get(id)!.push(...ready.committedEntries)
          this.readStates.get(id)!.push(...ready.readStates)
          this.readFailures.get(id)!.push(...ready.readFailures)
          node.advance(ready)
        }
      }
    }
  }

  /** Delivers the queued messages once (replies they cause stay queued). Returns how many. */
  deliverOnce(filter: (m: Message) => boolean = () => true): number {
    this.flush()
    const batch = this.outbox.filter(filter)
    this.outbox = this.outbox.filter((m) => !filter(m))
    for (const message of batch) {
      if (this.cut.has(`${message.from}->${message.to}`)) continue
      this.nodes.get(message.to)?.step(message)
    }
    this.flush()
    return batch.length
  }

  /** Delivers messages until none are left (at most `maxRounds` rounds). */
  settle(maxRounds = 100): void {
    for (let round = 0; round < maxRounds; round++) if (this.deliverOnce() === 0) return
    throw new Error('network did not settle')
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.node(id).tick()
    this.flush()
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const node of this.nodes.values()) node.tick()
    this.flush()
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue
      this.cut.add(`${id}->${other}`)
      this.cut.add(`${other}->${id}`)
    }
  }

  heal(): void {
    this.cut.clear()
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.status().role === 'leader').map((n) => n.id)
  }

  /** Elects `id` by forcing its campaign and delivering everything. */
  elect(id: NodeId): void {
    this.node(id).campaign()
    this.settle()
  }

  commands(id: NodeId): string[] {
    const decoder = new TextDecoder()
    return this.applied
      .get(id)!
      .filter((e): e is Extract<Entry, { kind: 'command' }> => e.kind === 'command')
      .map((e) => decoder.decode(e.data))
  }
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text)
