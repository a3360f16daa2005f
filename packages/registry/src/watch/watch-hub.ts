import type { Change, WatchFilter } from './change.js'
import { matchesFilter } from './change.js'

/** What a watcher is sent, in order. */
export type WatchEvent =
  | { readonly type: 'change'; readonly change: Change }
  /** Every change up to `revision` that matches has been sent (after catch-up, and then now and then). */
  | { readonly type: 'progress'; readonly revision: number }
  /**
   * The changes after the requested revision are no longer kept (trimmed, or this node restored
   * a snapshot past them): re-read the current state, then watch from `revision`.
   */
  | { readonly type: 'compacted'; readonly floor: number; readonly revision: number }

/** Where a subscription's events go (a WebSocket, a test array). */
export interface WatchSink {
  send(event: WatchEvent): void
  close(reason: string): void
}

/** The change history a hub reads to catch a watcher up. */
export interface ChangeHistory {
  changesSince(
    afterRevision: number,
    filter: WatchFilter,
    limit: number,
  ): Promise<{ changes: Change[]; compacted: boolean }>
  readonly appliedIndex: number
  readonly changesFloor: number
}

export interface WatchSubscription {
  close(): void
}

/** Changes read from history per query while a watcher catches up. */
const historyPageSize = 500
/** Live changes buffered per watcher while it catches up; past it, the watcher is cut off. */
const catchUpBufferMax = 10_000

/**
 * Fans applied changes out to watchers. A watcher names a filter and the last revision it has;
 * it gets every matching change after that, in revision order, with no gaps and no repeats:
 * first from the stored history, then live. The live listener is registered before history is
 * read and its events are held until history is sent, then those at or below the last sent
 * revision are dropped, so a change committed in between arrives exactly once.
 */
export class WatchHub {
  readonly #history: ChangeHistory
  readonly #watchers = new Set<Watcher>()

  constructor(history: ChangeHistory) {
    this.#history = history
  }

  get size(): number {
    return this.#watchers.size
  }

  /** The last revision whose changes were handed out: where a new watch starts by default. */
  get revision(): number {
    return this.#history.appliedIndex
  }

  watch(filter: WatchFilter, afterRevision: number, sink: WatchSink): WatchSubscription {
    const watcher = new Watcher(filter, afterRevision, sink)
    this.#watchers.add(watcher)
    void this.#catchUp(watcher)
    return {
      close: () => {
        watcher.closed = true
        this.#watchers.delete(watcher)
      },
    }
  }

  /** Called after each applied entry, in log order. */
  publish(changes: readonly Change[]): void {
    if (changes.length === 0) return
    for (const watcher of this.#watchers) {
      for (const change of changes) {
        if (!matchesFilter(change, watcher.filter)) continue
        if (watcher.live) watcher.deliver(change)
        else if (watcher.buffer.length < catchUpBufferMax) watcher.buffer.push(change)
        else this.#cutOff(watcher, 'too many changes while catching up; reconnect to resume')
      }
    }
  }

  /** Tells every live watcher how far this node has applied (etcd's progress notification). */
  progress(): void {
    const revision = this.#history.appliedIndex
    for (const watcher of this.#watchers) {
      if (watcher.live && revision > watcher.lastSent)
        watcher.sink.send({ type: 'progress', revision })
    }
  }

  /**
   * The state was replaced by a snapshot: watchers may have missed changes that are not in any
   * history here, so they are told to re-read.
   */
  reset(): void {
    for (const watcher of [...this.#watchers]) {
      watcher.sink.send({
        type: 'compacted',
        floor: this.#history.changesFloor,
        revision: this.#history.appliedIndex,
      })
      this.#cutOff(watcher, 'state restored from a snapshot')
    }
  }

  closeAll(reason: string): void {
    for (const watcher of [...this.#watchers]) this.#cutOff(watcher, reason)
  }

  #cutOff(watcher: Watcher, reason: string): void {
    watcher.closed = true
    this.#watchers.delete(watcher)
    watcher.sink.close(reason)
  }

  async #catchUp(watcher: Watcher): Promise<void> {
    try {
      for (;;) {
        const page = await this.#history.changesSince(
          watcher.lastSent,
          watcher.filter,
          historyPageSize,
        )
        if (watcher.closed) return
        if (page.compacted) {
          watcher.sink.send({
            type: 'compacted',
            floor: this.#history.changesFloor,
            revision: this.#history.appliedIndex,
          })
          this.#cutOff(watcher, 'the requested revision was compacted')
          return
        }
        for (const change of page.changes) watcher.deliver(change)
        if (page.changes.length < historyPageSize) break
      }
      for (const change of watcher.buffer)
        if (change.revision > watcher.lastSent) watcher.deliver(change)
      watcher.buffer = []
      watcher.live = true
      const revision = this.#history.appliedIndex
      watcher.sink.send({ type: 'progress', revision: Math.max(revision, watcher.lastSent) })
    } catch (error) {
      this.#cutOff(watcher, `reading the change history failed: ${(error as Error).message}`)
    }
  }
}

class Watcher {
  readonly filter: WatchFilter
  readonly sink: WatchSink
  lastSent: number
  live = false
  closed = false
  buffer: Change[] = []

  constructor(filter: WatchFilter, afterRevision: number, sink: WatchSink) {
    this.filter = filter
    this.lastSent = afterRevision
    this.sink = sink
  }

  deliver(change: Change): void {
    if (this.closed || change.revision <= this.lastSent) return
    this.lastSent = change.revision
    this.sink.send({ type: 'change', change })
  }
}
