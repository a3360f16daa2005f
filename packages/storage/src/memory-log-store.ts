/**
 * `MemoryLogStore`: the reference `LogStore`. It keeps the "disk" in a plain object, so a test
 * can reopen a store on the same `MemoryLogDisk` to simulate a restart, and it has the same
 * ordering and group-commit behaviour as the file store: operations queue up, a "sync" (by
 * default one macrotask) makes a whole group durable at once, and promises resolve after it.
 *
 * It is what the contract suite is checked against first; the file store must behave the same.
 */
import { StorageFailedError, StoreClosedError } from './errors.js'
import { LatencyHistogram } from './latency-histogram.js'
import { limits } from './limits.js'
import type { LogStore, LogStoreStats } from './log-store.js'
import { LogTail } from './log-tail.js'
import type { Entry, HardState, PersistedState, Snapshot } from './raft-types.js'
import { assert, emptyHardState, entryBytes } from './raft-types.js'

/** The durable state: what survives a "crash" (dropping the store without closing it). */
export class MemoryLogDisk {
  hardState: HardState = emptyHardState
  snapshot: Snapshot | undefined = undefined
  /** Entries after the snapshot, contiguous. */
  entries: Entry[] = []
}

export interface MemoryLogStoreOptions {
  /** Stands in for fsync; resolves when a group is "durable". Defaults to one macrotask. */
  readonly sync?: () => Promise<void>
}

interface PendingOperation {
  readonly kind: 'append' | 'snapshot'
  readonly apply: (disk: MemoryLogDisk) => void
  readonly bytes: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

export class MemoryLogStore implements LogStore {
  readonly recovered: PersistedState
  readonly disk: MemoryLogDisk
  readonly #sync: () => Promise<void>
  readonly #tail: LogTail
  readonly #syncLatency = new LatencyHistogram()
  #queue: PendingOperation[] = []
  #draining: Promise<void> | undefined
  #failure: StorageFailedError | undefined
  #closed = false
  #appendsCompleted = 0
  #snapshotsSaved = 0
  #writes = 0
  #bytes = 0

  private constructor(disk: MemoryLogDisk, options: MemoryLogStoreOptions) {
    this.disk = disk
    this.#sync = options.sync ?? macrotask
    const snapshotIndex = disk.snapshot?.meta.index ?? 0
    this.recovered = {
      hardState: { ...disk.hardState, commit: Math.max(disk.hardState.commit, snapshotIndex) },
      snapshot: disk.snapshot,
      entries: [...disk.entries],
    }
    this.#tail = new LogTail(this.recovered)
  }

  /** Opens a store on `disk`; opening again on the same disk is a restart. */
  static async open(disk: MemoryLogDisk = new MemoryLogDisk(), options: MemoryLogStoreOptions = {}): Promise<MemoryLogStore> {
    return new MemoryLogStore(disk, options)
  }

  append(entries: readonly Entry[], hardState: HardState | undefined): Promise<void> {
    return this.#enqueue('append', () => {
      this.#tail.checkAppend(entries, hardState)
      this.#tail.applyAppend(entries, hardState)
      const copied = [...entries]
      return {
        bytes: copied.reduce((sum, entry) => sum + entryBytes(entry), 0),
        apply: (disk) => {
          const first = copied[0]
          if (first !== undefined) {
            const snapshotIndex = disk.snapshot?.meta.index ?? 0
            disk.entries.length = first.index - snapshotIndex - 1
            disk.entries.push(...copied)
          }
          if (hardState !== undefined) disk.hardState = hardState
        },
      }
    })
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.#enqueue('snapshot', () => {
      this.#tail.checkSnapshot(snapshot)
      this.#tail.applySnapshot(snapshot)
      return {
        bytes: snapshot.data.length,
        apply: (disk) => {
          const { index, term } = snapshot.meta
          const position = disk.entries.findIndex((entry) => entry.index === index)
          // §7: keep the log after the snapshot only if it holds the snapshot's last entry.
          disk.entries = position >= 0 && disk.entries[position]!.term === term ? disk.entries.slice(position + 1) : []
          disk.snapshot = snapshot
        },
      }
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#draining
  }

  get stats(): LogStoreStats {
    return {
      appendsCompleted: this.#appendsCompleted,
      snapshotsSaved: this.#snapshotsSaved,
      writesCompleted: this.#writes,
      syncsCompleted: this.#syncLatency.summary().count,
      logBytesWritten: this.#bytes,
      syncLatency: this.#syncLatency.summary(),
    }
  }

  #enqueue(kind: PendingOperation['kind'], prepare: () => Pick<PendingOperation, 'apply' | 'bytes'>): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreClosedError())
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    let prepared: ReturnType<typeof prepare>
    try {
      assert(this.#queue.length < limits.pendingOperationsMax, () =>
        `more than ${limits.pendingOperationsMax} operations pending: the caller must bound what it has in flight`)
      prepared = prepare()
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ kind, ...prepared, resolve, reject })
      this.#draining ??= this.#drain()
    })
  }

  async #drain(): Promise<void> {
    await Promise.resolve()
    while (this.#queue.length > 0 && this.#failure === undefined) {
      const group = this.#queue.splice(0)
      try {
        this.#writes++
        this.#bytes += group.reduce((sum, operation) => sum + operation.bytes, 0)
        const startedMs = performance.now()
        await this.#sync()
        this.#syncLatency.record(performance.now() - startedMs)
      } catch (error) {
        this.#failure = new StorageFailedError(`sync failed: ${String(error)}`, { cause: error })
        for (const operation of [...group, ...this.#queue.splice(0)]) operation.reject(this.#failure)
        break
      }
      for (const operation of group) {
        operation.apply(this.disk)
        if (operation.kind === 'append') this.#appendsCompleted++
        else this.#snapshotsSaved++
        operation.resolve()
      }
    }
    this.#draining = undefined
  }
}
