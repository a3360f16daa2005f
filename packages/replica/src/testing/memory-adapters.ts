import type {
  CommandEntry,
  Entry,
  HardState,
  Message,
  NodeId,
  PersistedState,
  Snapshot,
} from '@raftkit/raft'
import type { LogStore, Scheduler, StateMachine, Transport } from '../ports.js'

/** Node's timers as a Scheduler (tests and the Node adapter). */
export const nodeScheduler: Scheduler = {
  every(intervalMs, callback) {
    const timer = setInterval(callback, intervalMs)
    return () => clearInterval(timer)
  },
  after(delayMs, callback) {
    const timer = setTimeout(callback, delayMs)
    return () => clearTimeout(timer)
  },
  defer(callback) {
    setImmediate(callback)
  },
}

/** A LogStore in memory, with an optional artificial fsync delay. */
export class MemoryLogStore implements LogStore {
  hardState: HardState = { term: 0, vote: undefined, commit: 0 }
  entries: Entry[] = []
  snapshot: Snapshot | undefined
  readonly fsyncMs: number
  constructor(fsyncMs = 0) {
    this.fsyncMs = fsyncMs
  }

  async append(entries: readonly Entry[], hardState: HardState | undefined): Promise<void> {
    if (this.fsyncMs > 0) await new Promise((resolve) => setTimeout(resolve, this.fsyncMs))
    if (entries.length > 0) {
      const base = this.snapshot?.meta.index ?? 0
      this.entries = this.entries
        .slice(0, Math.max(0, entries[0]!.index - base - 1))
        .concat(entries)
    }
    if (hardState !== undefined) this.hardState = hardState
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    const base = this.snapshot?.meta.index ?? 0
    const last = this.entries[snapshot.meta.index - base - 1]
    const holdsIt = last !== undefined && last.term === snapshot.meta.term
    this.entries = holdsIt ? this.entries.slice(snapshot.meta.index - base) : []
    this.snapshot = snapshot
  }

  state(): PersistedState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] }
  }
}

/** Delivers messages between replicas on the next macrotask, unless the link is cut. */
export class MemoryNetwork {
  readonly #handlers = new Map<NodeId, (message: Message) => void>()
  readonly blocked = new Set<NodeId>()

  register(id: NodeId, handler: (message: Message) => void): Transport {
    this.#handlers.set(id, handler)
    return {
      send: (message) => {
        if (this.blocked.has(message.from) || this.blocked.has(message.to)) return
        setImmediate(() => {
          if (this.blocked.has(message.from) || this.blocked.has(message.to)) return
          this.#handlers.get(message.to)?.(message)
        })
      },
    }
  }
}

/** A tiny state machine: appends each command's text to a list and returns the list length. */
export class ListStateMachine implements StateMachine<number> {
  items: string[] = []
  apply(entry: CommandEntry): number {
    this.items.push(new TextDecoder().decode(entry.data))
    return this.items.length
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.items))
  }
  restore(snapshot: Snapshot): void {
    this.items = JSON.parse(new TextDecoder().decode(snapshot.data)) as string[]
  }
}
