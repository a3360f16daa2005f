/**
 * A `StorageFileSystem` wrapper for tests: it logs every write and sync, and lets a test hold a
 * sync open (to see what happens while it is in flight) or make one fail.
 */
import { basename } from 'node:path'
import { nodeFileSystem, type StorageFile, type StorageFileSystem } from '../file-system.js'

export type FileEvent =
  | { readonly kind: 'write'; readonly file: string; readonly position: number; readonly bytes: number }
  | { readonly kind: 'datasync-start' | 'datasync-end' | 'sync' | 'truncate'; readonly file: string }
  | { readonly kind: 'sync-directory' | 'rename' | 'remove'; readonly file: string }
  /** Anything the test itself wants in the timeline. */
  | { readonly kind: 'note'; readonly text: string }

export interface InstrumentedFileSystem extends StorageFileSystem {
  readonly events: FileEvent[]
  /** When set, each datasync waits for the promise this returns before it starts. */
  gateDatasync: (() => Promise<void>) | undefined
  /** When set, the datasync with this (1-based) number rejects with EIO. */
  failDatasyncNumber: number | undefined
  /** Datasyncs started so far. */
  datasyncCount: number
}

export function instrumentedFileSystem(base: StorageFileSystem = nodeFileSystem): InstrumentedFileSystem {
  const events: FileEvent[] = []
  const fileSystem: InstrumentedFileSystem = {
    events,
    gateDatasync: undefined,
    failDatasyncNumber: undefined,
    datasyncCount: 0,
    makeDirectory: (path) => base.makeDirectory(path),
    list: (directory) => base.list(directory),
    readFile: (path) => base.readFile(path),
    async open(path, mode) {
      const file = await base.open(path, mode)
      const name = basename(path)
      const wrapped: StorageFile = {
        async write(bytes, position) {
          await file.write(bytes, position)
          events.push({ kind: 'write', file: name, position, bytes: bytes.length })
        },
        async datasync() {
          const number = ++fileSystem.datasyncCount
          events.push({ kind: 'datasync-start', file: name })
          await fileSystem.gateDatasync?.()
          if (number === fileSystem.failDatasyncNumber) {
            throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })
          }
          await file.datasync()
          events.push({ kind: 'datasync-end', file: name })
        },
        async sync() {
          await file.sync()
          events.push({ kind: 'sync', file: name })
        },
        async truncate(length) {
          await file.truncate(length)
          events.push({ kind: 'truncate', file: name })
        },
        close: () => file.close(),
      }
      return wrapped
    },
    async rename(from, to) {
      await base.rename(from, to)
      events.push({ kind: 'rename', file: basename(to) })
    },
    async remove(path) {
      await base.remove(path)
      events.push({ kind: 'remove', file: basename(path) })
    },
    async syncDirectory(path) {
      await base.syncDirectory(path)
      events.push({ kind: 'sync-directory', file: basename(path) })
    },
  }
  return fileSystem
}
