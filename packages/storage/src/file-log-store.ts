/**
 * `FileLogStore`: the durable `LogStore` of a real raftkit node: a segmented write-ahead log
 * with group commit, plus snapshot files, in one directory.
 *
 * Directory contents (see file-names.ts, wal-record.ts, snapshot-file.ts for the formats):
 *   <sequence>-<firstIndex>.wal   WAL segments, 8-byte-aligned CRC-32C-checked records
 *   <index>-<term>.snap           snapshot files (the newest, and `snapshotFilesRetained - 1` older)
 *
 * Durability contract: that of `LogStore` (log-store.ts). An operation's promise resolves after
 * the fdatasync of the write that holds its records; an append's entries are written before its
 * hard state, in the same write. New files are fsynced and so is the directory that names them.
 *
 * What the store assumes of the disk (the crash model the tests simulate):
 * - fsync/fdatasync, once returned, mean the bytes survive power loss.
 * - A write that was not yet synced may persist in part: any subset of its sectors, in any
 *   order, some zeroed or garbled. Recovery cuts such a tail at the first damaged record.
 * - Synced data does not change. If it does (bit rot, a bad disk), a checksum catches it and
 *   recovery refuses to start with a `WalCorruptionError` naming file and offset, except in the
 *   last write of the last segment, where damage looks exactly like a torn write and is cut
 *   (etcd and hashicorp/raft-wal have the same blind spot).
 * - After a failed fsync nothing is retried: the store stops (`StorageFailedError`).
 *
 * One process may have a directory open at a time; the store does not lock it.
 */
import { join } from 'node:path'
import { ByteWriter } from './bytes.js'
import { encodeEntries } from './entry-codec.js'
import { StorageFailedError, StoreClosedError } from './errors.js'
import { snapshotFileName, type SnapshotName } from './file-names.js'
import { nodeFileSystem, type StorageFileSystem } from './file-system.js'
import type { LogStore, LogStoreStats } from './log-store.js'
import { LogTail } from './log-tail.js'
import { limits } from './limits.js'
import type { Entry, HardState, PersistedState, Snapshot } from './raft-types.js'
import { assert } from './raft-types.js'
import { recoverStore } from './recover.js'
import { writeSnapshotFile } from './snapshot-file.js'
import { recordFramedBytes, recordType } from './wal-record.js'
import { hardStateRecord, markerRecord, WalCounters, WalWriter, type WalWrite } from './wal-writer.js'

export interface FileLogStoreOptions {
  /** A new segment is started when a write would take the active one past this size. */
  readonly segmentBytesMax?: number
  /** How many snapshot files to keep, newest first (at least 1). */
  readonly snapshotFilesRetained?: number
  /**
   * Extend each new segment to `segmentBytesMax` when it is created. Node has no fallocate, so
   * this makes a sparse file: it spares later writes from growing the file size, not from
   * allocating blocks. Off by default.
   */
  readonly preallocateSegments?: boolean
  /** The file operations to use; tests and simulators substitute their own. */
  readonly fileSystem?: StorageFileSystem
  /** Called with the duration of every fsync/fdatasync of the log, for metrics. */
  readonly onSync?: (durationMs: number) => void
}

/** `LogStoreStats` plus what only a file store has. */
export interface FileLogStoreStats extends LogStoreStats {
  readonly segmentCount: number
  readonly segmentsCreated: number
  readonly segmentsDeleted: number
  readonly directorySyncs: number
  /** What recovery repaired when the store was opened (a torn tail cut, temp files removed). */
  readonly recoveryRepairs: readonly string[]
}

/** An operation waiting for the writer. */
interface PendingOperation {
  readonly writes: readonly WalWrite[]
  readonly bytes: number
  /** A snapshot whose file must be durable before `writes` (its marker) may be written. */
  snapshotFile: Snapshot | undefined
  readonly kind: 'append' | 'snapshot'
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * The file-backed `LogStore`. Open with `FileLogStore.open(directory)`, read `recovered` once to
 * rebuild raft's in-memory log, then `append` and `saveSnapshot` from the driver's Ready loop.
 */
export class FileLogStore implements LogStore {
  readonly directory: string
  readonly recovered: PersistedState
  readonly #fileSystem: StorageFileSystem
  readonly #writer: WalWriter
  readonly #counters: WalCounters
  readonly #tail: LogTail
  readonly #snapshotFilesRetained: number
  readonly #repairs: readonly string[]
  /** Snapshot files on disk, oldest first. */
  #snapshotFiles: SnapshotName[]
  #queue: PendingOperation[] = []
  #draining: Promise<void> | undefined
  #failure: StorageFailedError | undefined
  #closed = false
  #closing: Promise<void> | undefined
  #appendsCompleted = 0
  #snapshotsSaved = 0

  private constructor(
    directory: string,
    fileSystem: StorageFileSystem,
    recovered: Awaited<ReturnType<typeof recoverStore>>,
    writer: WalWriter,
    counters: WalCounters,
    snapshotFilesRetained: number,
  ) {
    this.directory = directory
    this.recovered = recovered.state
    this.#fileSystem = fileSystem
    this.#writer = writer
    this.#counters = counters
    this.#tail = new LogTail(recovered.state)
    this.#snapshotFiles = [...recovered.snapshotFiles]
    this.#snapshotFilesRetained = snapshotFilesRetained
    this.#repairs = recovered.repairs
  }

  /**
   * Opens (creating if needed) the store in `directory` and recovers its state into `recovered`.
   *
   * Throws `WalCorruptionError` or `SnapshotCorruptionError` when the stored data is damaged in a
   * way a crash cannot explain; a torn tail of the last segment is cut off and reported in
   * `stats.recoveryRepairs` instead.
   */
  static async open(directory: string, options: FileLogStoreOptions = {}): Promise<FileLogStore> {
    const segmentBytesMax = options.segmentBytesMax ?? limits.segmentBytesMaxDefault
    assert(segmentBytesMax >= limits.segmentBytesMin && segmentBytesMax <= limits.segmentBytesMaxLimit,
      () => `segmentBytesMax ${segmentBytesMax} outside [${limits.segmentBytesMin}, ${limits.segmentBytesMaxLimit}]`)
    const snapshotFilesRetained = options.snapshotFilesRetained ?? limits.snapshotFilesRetainedDefault
    assert(Number.isSafeInteger(snapshotFilesRetained) && snapshotFilesRetained >= 1, 'snapshotFilesRetained must be >= 1')
    const fileSystem = options.fileSystem ?? nodeFileSystem
    const preallocateSegments = options.preallocateSegments ?? false
    const recovered = await recoverStore(fileSystem, directory, { preallocateSegments, segmentBytesMax })
    const counters = new WalCounters()
    counters.onSync = options.onSync
    const writer = new WalWriter(
      { fileSystem, directory, segmentBytesMax, preallocateSegments, counters },
      recovered.writerStart,
    )
    const store = new FileLogStore(directory, fileSystem, recovered, writer, counters, snapshotFilesRetained)
    try {
      await store.#finishInterruptedSnapshot(recovered.writerStart.marker?.index ?? 0)
    } catch (error) {
      await writer.close().catch(() => undefined)
      throw error
    }
    return store
  }

  append(entries: readonly Entry[], hardState: HardState | undefined): Promise<void> {
    return this.#enqueue('append', () => {
      this.#tail.checkAppend(entries, hardState)
      const writes = [...entryWrites(entries)]
      if (hardState !== undefined) writes.push({ record: hardStateRecord(hardState), effect: { kind: 'hardState', hardState } })
      this.#tail.applyAppend(entries, hardState)
      return { writes, snapshotFile: undefined }
    })
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.#enqueue('snapshot', () => {
      this.#tail.checkSnapshot(snapshot)
      const marker = { index: snapshot.meta.index, term: snapshot.meta.term }
      const keepsLog = this.#tail.applySnapshot(snapshot)
      const effect = { kind: 'snapshotMarker', marker, keepsLog } as const
      return { writes: [{ record: markerRecord(marker), effect }], snapshotFile: snapshot }
    })
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true
      await this.#draining
      await this.#writer.close()
    })()
    return this.#closing
  }

  get stats(): FileLogStoreStats {
    const counters = this.#counters
    return {
      appendsCompleted: this.#appendsCompleted,
      snapshotsSaved: this.#snapshotsSaved,
      writesCompleted: counters.writes,
      syncsCompleted: counters.syncs,
      logBytesWritten: counters.bytes,
      syncLatency: counters.syncLatency.summary(),
      segmentCount: this.#writer.segmentCount,
      segmentsCreated: counters.segmentsCreated,
      segmentsDeleted: counters.segmentsDeleted,
      directorySyncs: counters.directorySyncs,
      recoveryRepairs: this.#repairs,
    }
  }

  /**
   * Validates and queues an operation. Validation runs at call time, against the log as it will
   * be once everything queued before is written, so a bad call is rejected before it can reach
   * the disk.
   */
  #enqueue(
    kind: PendingOperation['kind'],
    prepare: () => { writes: WalWrite[]; snapshotFile: Snapshot | undefined },
  ): Promise<void> {
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
    const bytes = prepared.writes.reduce((sum, write) => sum + recordFramedBytes(write.record.payload.length), 0)
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ...prepared, bytes, kind, resolve, reject })
      this.#draining ??= this.#drain()
    })
  }

  /**
   * The single writer. Takes every queued operation (up to a size limit) into one write and one
   * fdatasync, then resolves them all: group commit. Operations that arrive meanwhile wait for
   * the next round. A snapshot's file is written and synced before the write that holds its
   * marker, so a marker on disk always has its file.
   */
  async #drain(): Promise<void> {
    // Let calls made in the same turn of the event loop join the first write.
    await Promise.resolve()
    while (this.#queue.length > 0 && this.#failure === undefined) {
      let group: PendingOperation[] = []
      try {
        const head = this.#queue[0]!
        if (head.snapshotFile !== undefined) {
          const name = await writeSnapshotFile(this.#fileSystem, this.directory, head.snapshotFile)
          this.#snapshotFiles.push({ index: head.snapshotFile.meta.index, term: head.snapshotFile.meta.term })
          assert(snapshotFileName(this.#snapshotFiles.at(-1)!) === name, 'snapshot file name')
          head.snapshotFile = undefined
        }
        group = this.#takeGroup()
        await this.#writer.write(group.flatMap((operation) => operation.writes))
        const snapshotIndex = this.#tailSnapshotIndexOf(group)
        if (snapshotIndex !== undefined) await this.#compact(snapshotIndex)
        for (const operation of group) {
          if (operation.kind === 'append') this.#appendsCompleted++
          else this.#snapshotsSaved++
          operation.resolve()
        }
      } catch (error) {
        this.#fail(error, group)
      }
    }
    this.#draining = undefined
  }

  /** Takes operations from the head of the queue, stopping before an unwritten snapshot file. */
  #takeGroup(): PendingOperation[] {
    let bytes = 0
    let count = 0
    for (const operation of this.#queue) {
      if (count > 0 && (operation.snapshotFile !== undefined || bytes + operation.bytes > limits.groupWriteBytesMax)) break
      bytes += operation.bytes
      count++
    }
    return this.#queue.splice(0, count)
  }

  #tailSnapshotIndexOf(group: readonly PendingOperation[]): number | undefined {
    let index: number | undefined
    for (const operation of group) {
      for (const write of operation.writes) if (write.effect.kind === 'snapshotMarker') index = write.effect.marker.index
    }
    return index
  }

  /** Once a snapshot's marker is durable, the segments and snapshot files it covers may go. */
  async #compact(snapshotIndex: number): Promise<void> {
    await this.#writer.deleteSegmentsCoveredBy(snapshotIndex)
    const excess = this.#snapshotFiles.length - this.#snapshotFilesRetained
    if (excess <= 0) return
    for (const name of this.#snapshotFiles.slice(0, excess)) {
      await this.#fileSystem.remove(join(this.directory, snapshotFileName(name)))
    }
    this.#snapshotFiles = this.#snapshotFiles.slice(excess)
    await this.#fileSystem.syncDirectory(this.directory)
    this.#counters.directorySyncs++
  }

  /**
   * If the process died after a snapshot file became durable but before its marker reached the
   * WAL, write the marker now, before any new entry. Otherwise a later replay would apply the
   * snapshot only at the end of the log, after entries appended on top of it (see wal-replay.ts).
   */
  async #finishInterruptedSnapshot(markerIndex: number): Promise<void> {
    const snapshot = this.recovered.snapshot
    if (snapshot !== undefined && snapshot.meta.index > markerIndex) {
      const marker = { index: snapshot.meta.index, term: snapshot.meta.term }
      // Recovery has already applied the snapshot to the log, so what remains is kept.
      const effect = { kind: 'snapshotMarker', marker, keepsLog: true } as const
      await this.#writer.write([{ record: markerRecord(marker), effect }])
    }
    if (snapshot !== undefined) await this.#compact(snapshot.meta.index)
  }

  #fail(error: unknown, group: readonly PendingOperation[]): void {
    const failure = error instanceof StorageFailedError
      ? error
      : new StorageFailedError(`log store I/O failed, the store is stopped: ${String(error)}`, { cause: error })
    this.#failure = failure
    for (const operation of [...group, ...this.#queue.splice(0)]) operation.reject(failure)
  }
}

/** The entries of one append, split into records of about `entryRecordPayloadBytesTarget`. */
function* entryWrites(entries: readonly Entry[]): Generator<WalWrite> {
  let start = 0
  while (start < entries.length) {
    const writer = new ByteWriter()
    let end = start
    let bytes = 0
    do {
      const entry = entries[end]!
      bytes += 16 + (entry.kind === 'command' ? entry.data.length : 0)
      end++
    } while (end < entries.length && bytes < limits.entryRecordPayloadBytesTarget)
    const chunk = entries.slice(start, end)
    encodeEntries(chunk, writer)
    assert(writer.length <= limits.recordPayloadBytesMax, () => `entry record of ${writer.length} bytes is too large`)
    yield {
      record: { type: recordType.entries, payload: writer.view().slice() },
      effect: { kind: 'entries', first: chunk[0]!.index, last: chunk.at(-1)!.index },
    }
    start = end
  }
}
