import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { FileLogStore } from './file-log-store.js'
import type { Entry } from './raft-types.js'
import { fileLogStoreFixture, type FileLogStoreFixture } from './testing/fixtures.js'
import { instrumentedFileSystem } from './testing/instrumented-file-system.js'
import { command, commands, hardState, runLogStoreContract, snapshot } from './testing/log-store-contract.js'
import { readSegment, recordSpans, recordType, segmentPaths, snapshotFileNames } from './testing/wal-files.js'

runLogStoreContract('FileLogStore', () => fileLogStoreFixture())
runLogStoreContract('FileLogStore, 4 KiB segments, preallocated', () =>
  fileLogStoreFixture({ segmentBytesMax: 4096, preallocateSegments: true }))

describe('FileLogStore segments and snapshot files', () => {
  let fixture: FileLogStoreFixture
  const stores: FileLogStore[] = []
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined)
    await fixture.teardown()
  })
  async function open(): Promise<FileLogStore> {
    const store = await fixture.open()
    stores.push(store)
    return store
  }

  test('the log rolls over to a new segment at the size limit, and reads back across segments', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 4096 })
    const store = await open()
    const written: Entry[] = []
    for (let index = 1; index <= 100; index++) {
      const entry = command(index, 1 + Math.floor(index / 40), 'x'.repeat(index % 7 === 0 ? 900 : 60))
      written.push(entry)
      await store.append([entry], hardState(entry.term, index))
    }
    const segments = await segmentPaths(fixture.directory)
    expect(segments.length).toBeGreaterThan(5)
    expect(store.stats.segmentCount).toBe(segments.length)
    for (const [position, path] of segments.entries()) {
      expect(basename(path)).toMatch(new RegExp(`^${(position + 1).toString(16).padStart(16, '0')}-[0-9a-f]{16}\\.wal$`))
      expect((await stat(path)).size).toBeLessThanOrEqual(4096)
    }
    await store.close()
    const reopened = await open()
    expect(reopened.recovered.entries).toEqual(written)
    expect(reopened.recovered.hardState).toEqual(hardState(3, 100))
  })

  test('a conflicting suffix replaced across segments reads back as the new log', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 4096 })
    const store = await open()
    for (let index = 1; index <= 40; index++) await store.append([command(index, 1, 'x'.repeat(200))], undefined)
    await store.append(commands(10, 12, 2, 'new'), hardState(2, 11))
    await store.close()
    expect((await segmentPaths(fixture.directory)).length).toBeGreaterThan(2)
    const reopened = await open()
    expect(reopened.recovered.entries.map((entry) => entry.term)).toEqual([...Array<number>(9).fill(1), 2, 2, 2])
  })

  test('a durable snapshot deletes the oldest segments it covers, and only those', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 4096 })
    const store = await open()
    for (let index = 1; index <= 100; index++) await store.append([command(index, 1, 'x'.repeat(100))], hardState(1, index))
    const before = await segmentPaths(fixture.directory)
    await store.saveSnapshot(snapshot(70, 1))
    const after = await segmentPaths(fixture.directory)
    expect(after.length).toBeLessThan(before.length)
    expect(store.stats.segmentsDeleted).toBe(before.length - after.length)
    // The survivors are the newest segments, and the oldest of them still reaches index 71.
    expect(after).toEqual(before.slice(before.length - after.length))
    expect(Number.parseInt(basename(after[0]!).split('-')[1]!, 16)).toBeLessThanOrEqual(71)
    await store.append(commands(101, 101, 1), hardState(1, 101))
    await store.close()
    const reopened = await open()
    expect(reopened.recovered.snapshot?.meta).toEqual(snapshot(70, 1).meta)
    expect(reopened.recovered.entries).toEqual([
      ...Array.from({ length: 30 }, (_, i) => command(71 + i, 1, 'x'.repeat(100))),
      command(101, 1),
    ])
  })

  test('a snapshot keeps the newest two snapshot files; the older ones are deleted', async () => {
    fixture = await fileLogStoreFixture()
    const store = await open()
    await store.append(commands(1, 10, 1), hardState(1, 10))
    for (const index of [2, 4, 6, 8]) await store.saveSnapshot(snapshot(index, 1))
    expect(await snapshotFileNames(fixture.directory)).toEqual([
      '0000000000000006-0000000000000001.snap',
      '0000000000000008-0000000000000001.snap',
    ])
    expect(store.stats.snapshotsSaved).toBe(4)
    await store.close()
    const reopened = await open()
    expect(reopened.recovered.snapshot?.meta.index).toBe(8)
    expect([...reopened.recovered.snapshot!.data]).toEqual([...snapshot(8, 1).data])
  })

  test('a snapshot file is written to a temp name, synced, renamed, and the directory synced', async () => {
    fixture = await fileLogStoreFixture()
    const fileSystem = instrumentedFileSystem()
    const store = await fixture.open({ fileSystem })
    stores.push(store)
    await store.append(commands(1, 3, 1), hardState(1, 3))
    fileSystem.events.length = 0
    await store.saveSnapshot(snapshot(3, 1))
    const name = '0000000000000003-0000000000000001.snap'
    expect(fileSystem.events.slice(0, 5)).toEqual([
      { kind: 'write', file: `${name}.tmp`, position: 0, bytes: expect.any(Number) },
      { kind: 'write', file: `${name}.tmp`, position: expect.any(Number), bytes: snapshot(3, 1).data.length },
      { kind: 'sync', file: `${name}.tmp` },
      { kind: 'rename', file: name },
      { kind: 'sync-directory', file: basename(fixture.directory) },
    ])
    // Only then the marker goes into the WAL.
    expect(fileSystem.events[5]).toMatchObject({ kind: 'write', file: expect.stringMatching(/\.wal$/) })
  })

  test('appends issued while a snapshot is being written wait for it, in call order', async () => {
    fixture = await fileLogStoreFixture()
    const store = await open()
    await store.append(commands(1, 10, 1), hardState(1, 5))
    const order: string[] = []
    const saving = store.saveSnapshot(snapshot(5, 1)).then(() => void order.push('snapshot'))
    const appending = store.append(commands(11, 12, 1), hardState(1, 12)).then(() => void order.push('append'))
    await Promise.all([saving, appending])
    expect(order).toEqual(['snapshot', 'append'])
    await store.close()
    expect((await open()).recovered.entries).toEqual(commands(6, 12, 1))
  })

  test('a large append is split into several records and reads back whole', async () => {
    fixture = await fileLogStoreFixture()
    const store = await open()
    const big = Array.from({ length: 40 }, (_, i) => command(i + 1, 1, new Uint8Array(100_000).fill(i)))
    await store.append(big, hardState(1, 40))
    await store.close()
    const [segment] = await segmentPaths(fixture.directory)
    const spans = recordSpans(await readSegment(segment!))
    expect(spans.filter((span) => span.type === recordType.entries).length).toBeGreaterThan(2)
    const recovered = (await open()).recovered.entries
    // Compared by hand: a deep equality over four million array elements takes seconds.
    expect(recovered.map(({ index, term, kind }) => ({ index, term, kind }))).toEqual(big.map(({ index, term, kind }) => ({ index, term, kind })))
    for (const [i, entry] of recovered.entries()) {
      const expected = big[i]!
      expect(entry.kind === 'command' && expected.kind === 'command' && Buffer.compare(entry.data, expected.data)).toBe(0)
    }
  })
})
