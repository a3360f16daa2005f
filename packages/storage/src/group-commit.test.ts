import { afterEach, describe, expect, test } from 'vitest'
import { StorageFailedError } from './errors.js'
import type { FileLogStore } from './file-log-store.js'
import { fileLogStoreFixture, type FileLogStoreFixture } from './testing/fixtures.js'
import { instrumentedFileSystem, type InstrumentedFileSystem } from './testing/instrumented-file-system.js'
import { command, hardState } from './testing/log-store-contract.js'

/** Held syncs: each `release()` lets the oldest waiting datasync proceed. */
let releaseAll: (() => void) | undefined

function holdSyncs(fileSystem: InstrumentedFileSystem): { waiting: () => number; release: () => void } {
  const gates: (() => void)[] = []
  fileSystem.gateDatasync = () => new Promise<void>((resolve) => gates.push(resolve))
  // A failed assertion must not leave syncs held, or closing the store would wait forever.
  releaseAll = () => {
    fileSystem.gateDatasync = undefined
    for (const gate of gates.splice(0)) gate()
  }
  return { waiting: () => gates.length, release: () => gates.shift()!() }
}

/** Waits for `condition` (the file system works on libuv's threads, so give it real time). */
async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition never became true')
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

describe('FileLogStore group commit', () => {
  let fixture: FileLogStoreFixture
  let store: FileLogStore | undefined
  afterEach(async () => {
    releaseAll?.()
    releaseAll = undefined
    await store?.close().catch(() => undefined)
    await fixture.teardown()
  })

  test('appends made during a sync share the next write and its one fdatasync; each resolves after its own sync', async () => {
    fixture = await fileLogStoreFixture()
    const fileSystem = instrumentedFileSystem()
    store = await fixture.open({ fileSystem })
    const syncs = holdSyncs(fileSystem)
    const resolved: string[] = []
    const append = (name: string, index: number): Promise<void> =>
      store!.append([command(index, 1)], hardState(1, index - 1)).then(() => {
        resolved.push(name)
        fileSystem.events.push({ kind: 'note', text: `resolved ${name}` })
      })

    const a = append('A', 1)
    await until(() => syncs.waiting() === 1)
    const rest = [append('B', 2), append('C', 3), append('D', 4)]
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(resolved).toEqual([]) // A's sync is still in flight
    expect(fileSystem.events.filter((event) => event.kind === 'write').length).toBe(2) // segment creation + A

    syncs.release()
    await a
    await until(() => syncs.waiting() === 1)
    expect(resolved).toEqual(['A']) // B, C, D wait for their own sync
    syncs.release()
    await Promise.all(rest)
    expect(resolved).toEqual(['A', 'B', 'C', 'D'])

    const log = fileSystem.events.map((event) => (event.kind === 'note' ? event.text : event.kind))
    expect(log.slice(log.indexOf('write', 2))).toEqual([
      'write', 'datasync-start', 'datasync-end', 'resolved A',
      'write', 'datasync-start', 'datasync-end', 'resolved B', 'resolved C', 'resolved D',
    ])
    expect(store.stats).toMatchObject({ appendsCompleted: 4, writesCompleted: 2 })
    expect(fileSystem.datasyncCount).toBe(2)
  })

  test('a failed fdatasync stops the store: the waiting appends and every later call reject', async () => {
    fixture = await fileLogStoreFixture()
    const fileSystem = instrumentedFileSystem()
    store = await fixture.open({ fileSystem })
    await store.append([command(1, 1)], undefined)
    fileSystem.failDatasyncNumber = 2
    const failing = [store.append([command(2, 1)], undefined), store.append([command(3, 1)], undefined)]
    for (const append of failing) await expect(append).rejects.toBeInstanceOf(StorageFailedError)
    const error = await failing[0]!.catch((caught: unknown) => caught)
    expect((error as StorageFailedError).cause).toMatchObject({ code: 'EIO' })
    // No retry after a failed fsync: the kernel may have dropped the pages (fsyncgate).
    await expect(store.append([command(2, 1)], undefined)).rejects.toBeInstanceOf(StorageFailedError)
    await store.close()
    // Only what was acknowledged is promised; 2 and 3 may or may not be there.
    store = await fixture.open()
    expect(store.recovered.entries[0]).toEqual(command(1, 1))
  })
})
