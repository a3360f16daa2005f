/**
 * Fixtures for the contract suite and for tests elsewhere that want a real store: a
 * `FileLogStore` in a fresh temp directory, or a `MemoryLogStore` on a fresh `MemoryLogDisk`.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileLogStore, type FileLogStoreOptions } from '../file-log-store.js'
import { MemoryLogDisk, MemoryLogStore } from '../memory-log-store.js'
import type { LogStoreFixture } from './log-store-contract.js'

export interface FileLogStoreFixture extends LogStoreFixture {
  /** The store directory. */
  readonly directory: string
  open(options?: FileLogStoreOptions): Promise<FileLogStore>
  crashCopy(): Promise<FileLogStoreFixture>
}

/** A file store in a new temp directory; `teardown()` removes it and every crash copy. */
export async function fileLogStoreFixture(options: FileLogStoreOptions = {}): Promise<FileLogStoreFixture> {
  const root = await mkdtemp(join(tmpdir(), 'raftkit-storage-'))
  let copies = 0
  const make = (directory: string): FileLogStoreFixture => ({
    directory,
    open: (override) => FileLogStore.open(directory, { ...options, ...override }),
    async crashCopy() {
      const target = join(root, `crash-${++copies}`)
      await cp(directory, target, { recursive: true })
      return make(target)
    },
    async teardown() {
      await rm(root, { recursive: true, force: true })
    },
  })
  return make(join(root, 'store'))
}

export interface MemoryLogStoreFixture extends LogStoreFixture {
  readonly disk: MemoryLogDisk
}

/** A memory store on a new `MemoryLogDisk`. */
export function memoryLogStoreFixture(disk: MemoryLogDisk = new MemoryLogDisk()): MemoryLogStoreFixture {
  return {
    disk,
    open: () => MemoryLogStore.open(disk),
    async crashCopy() {
      const copy = new MemoryLogDisk()
      copy.hardState = disk.hardState
      copy.snapshot = disk.snapshot
      copy.entries = [...disk.entries]
      return memoryLogStoreFixture(copy)
    },
    async teardown() {},
  }
}
