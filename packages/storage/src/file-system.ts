/**
 * The file operations the store uses, behind a small interface. Production uses `nodeFileSystem`
 * (fs/promises: every call runs on libuv's thread pool and never blocks the event loop); tests
 * wrap it to count, delay or fail syncs, and a simulator can supply a disk that tears writes.
 */
import { open, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { plainBytes } from './bytes.js'

/** An open file. */
export interface StorageFile {
  /** Writes all of `bytes` at `position`. */
  write(bytes: Uint8Array, position: number): Promise<void>
  /** fdatasync: the data, and the metadata needed to read it back (size), are durable. */
  datasync(): Promise<void>
  /** fsync: data and all metadata are durable. */
  sync(): Promise<void>
  truncate(length: number): Promise<void>
  close(): Promise<void>
}

/**
 * How a file is opened: `create` fails if it exists, `update` opens an existing file for
 * writing in place, `overwrite` creates or empties it.
 */
export type OpenMode = 'create' | 'update' | 'overwrite'

export interface StorageFileSystem {
  /**
   * Creates the directory and its parents if missing; returns the first directory it created
   * (the one whose parent existed), or undefined if `path` already existed.
   */
  makeDirectory(path: string): Promise<string | undefined>
  /** Names (not paths) of the entries in a directory. */
  list(directory: string): Promise<string[]>
  readFile(path: string): Promise<Uint8Array>
  open(path: string, mode: OpenMode): Promise<StorageFile>
  /** Atomically replaces `to` with `from` (POSIX rename). */
  rename(from: string, to: string): Promise<void>
  remove(path: string): Promise<void>
  /** fsync on the directory itself, so that created, renamed and removed names are durable. */
  syncDirectory(path: string): Promise<void>
}

const openFlags = { create: 'wx', update: 'r+', overwrite: 'w' } as const satisfies Record<OpenMode, string>

export const nodeFileSystem: StorageFileSystem = {
  makeDirectory: (path) => mkdir(path, { recursive: true }),
  async list(directory) {
    return readdir(directory)
  },
  async readFile(path) {
    return plainBytes(await readFile(path))
  },
  async open(path, mode) {
    const handle = await open(path, openFlags[mode])
    return {
      async write(bytes, position) {
        let written = 0
        while (written < bytes.length) {
          const result = await handle.write(bytes, written, bytes.length - written, position + written)
          written += result.bytesWritten
        }
      },
      datasync: () => handle.datasync(),
      sync: () => handle.sync(),
      truncate: (length) => handle.truncate(length),
      close: () => handle.close(),
    }
  },
  rename,
  async remove(path) {
    await rm(path, { force: true })
  },
  async syncDirectory(path) {
    const handle = await open(path, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
}
