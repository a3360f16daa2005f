import { appendFile, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { SnapshotCorruptionError, WalCorruptionError } from './errors.js'
import type { FileLogStore } from './file-log-store.js'
import { writeSnapshotFile } from './snapshot-file.js'
import { nodeFileSystem } from './file-system.js'
import { fileLogStoreFixture, type FileLogStoreFixture } from './testing/fixtures.js'
import { command, commands, hardState, snapshot } from './testing/log-store-contract.js'
import {
  readSegment,
  recordSpans,
  recordType,
  segmentPaths,
  snapshotFileNames,
} from './testing/wal-files.js'

describe('FileLogStore recovery', () => {
  let fixture: FileLogStoreFixture
  const stores: FileLogStore[] = []
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined)
    await fixture.teardown()
  })
  async function open(
    options: Parameters<FileLogStoreFixture['open']>[0] = {},
  ): Promise<FileLogStore> {
    const store = await fixture.open(options)
    stores.push(store)
    return store
  }
  /** Three acknowledged appends, then close: entries 1..6, commit 5. */
  async function threeAppends(): Promise<string> {
    fixture = await fileLogStoreFixture()
    const store = await open()
    await store.append(commands(1, 2, 1), hardState(1, 1, 'n1'))
    await store.append(commands(3, 4, 1), hardState(1, 3, 'n1'))
    await store.append(commands(5, 6, 1), hardState(1, 5, 'n1'))
    await store.close()
    const [segment] = await segmentPaths(fixture.directory)
    return segment!
  }

  test('a half-written final record is cut off; earlier records survive and the store goes on', async () => {
    const segment = await threeAppends()
    const spans = recordSpans(await readSegment(segment))
    const last = spans.at(-1)!
    expect(last.type).toBe(recordType.hardState)
    await truncate(segment, last.offset + 10)
    const store = await open()
    expect(store.recovered.entries).toEqual(commands(1, 6, 1))
    expect(store.recovered.hardState).toEqual(hardState(1, 3, 'n1'))
    expect((await readFile(segment)).length).toBe(last.offset)
    expect(store.stats.recoveryRepairs.join()).toMatch(
      /cut 10 bytes of a torn tail \(short record header/,
    )
    await store.append(commands(7, 7, 1), hardState(1, 7, 'n1'))
    await store.close()
    expect((await open()).recovered.entries).toEqual(commands(1, 7, 1))
  })

  test('a final record with a short payload, or a checksum mismatch, is cut off', async () => {
    const segment = await threeAppends()
    const original = await readSegment(segment)
    const entriesRecord = recordSpans(original).at(-2)!
    // Short payload: the header is complete, the payload is not.
    await writeFile(segment, original.subarray(0, entriesRecord.offset + 20))
    expect((await open()).recovered.entries).toEqual(commands(1, 4, 1))
    await stores.pop()!.close()
    // Checksum mismatch in the final record.
    const flipped = original.slice()
    flipped[
      original.length - 1 - (original.length - recordSpans(original).at(-1)!.payloadEnd) - 1
    ]! ^= 0x40
    await writeFile(segment, flipped)
    const store = await open()
    expect(store.recovered.entries).toEqual(commands(1, 6, 1))
    expect(store.recovered.hardState).toEqual(hardState(1, 3, 'n1'))
    expect(store.stats.recoveryRepairs.join()).toMatch(/record checksum mismatch/)
  })

  test('a zero-filled tail (preallocation, or a crash that extended the file) loses nothing', async () => {
    const segment = await threeAppends()
    await appendFile(segment, new Uint8Array(10_000))
    const store = await open()
    expect(store.recovered.entries).toEqual(commands(1, 6, 1))
    expect(store.recovered.hardState).toEqual(hardState(1, 5, 'n1'))
  })

  test('a preallocated segment keeps its zero tail on reopen, and appends go on inside it', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 64 * 1024, preallocateSegments: true })
    const store = await open()
    await store.append(commands(1, 3, 1), hardState(1, 3))
    await store.close()
    const [segment] = await segmentPaths(fixture.directory)
    expect((await readFile(segment!)).length).toBe(64 * 1024)
    const reopened = await open()
    expect(reopened.recovered.entries).toEqual(commands(1, 3, 1))
    expect(reopened.stats.recoveryRepairs).toEqual([])
    await reopened.append(commands(4, 4, 1), hardState(1, 4))
    await reopened.close()
    expect((await readFile(segment!)).length).toBe(64 * 1024)
    // Opened without preallocation, the zeros are cut off.
    const unallocated = await open({ preallocateSegments: false })
    expect(unallocated.recovered.entries).toEqual(commands(1, 4, 1))
    expect(unallocated.stats.recoveryRepairs.join()).toMatch(/zero-filled tail/)
    expect((await readFile(segment!)).length).toBeLessThan(1024)
  })

  test('with preallocation the next segment is a zero-filled spare, renamed into place; none is left behind', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 64 * 1024, preallocateSegments: true })
    const store = await open()
    // A spare is prepared once the active segment is a quarter full, and is never waited for:
    // append until one is ready, then until the segment rolls over onto it.
    let index = 1
    const appendTen = async () => {
      await store.append(commands(index, index + 9, 1), hardState(1, index + 9))
      index += 10
    }
    const spareIsReady = async () => {
      const spare = (await readdir(fixture.directory)).find((name) => name.startsWith('spare-'))
      return spare !== undefined && (await stat(join(fixture.directory, spare))).size === 64 * 1024
    }
    let rolloversOntoSpare = 0
    for (let round = 0; rolloversOntoSpare < 2; round++) {
      if (round > 5_000) throw new Error('no rollover onto a prepared spare')
      const ready = await spareIsReady()
      const before = (await segmentPaths(fixture.directory)).length
      await appendTen()
      if (ready && (await segmentPaths(fixture.directory)).length > before) rolloversOntoSpare++
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 2))
    }
    const last = index - 1
    await store.close()
    const files = await readdir(fixture.directory)
    expect(files.filter((name) => name.endsWith('.tmp'))).toEqual([])
    for (const segment of await segmentPaths(fixture.directory)) {
      expect((await stat(segment)).size).toBeGreaterThanOrEqual(64 * 1024)
    }
    const reopened = await open()
    expect(reopened.recovered.entries.at(-1)?.index).toBe(last)
    expect(reopened.recovered.entries).toHaveLength(last)
    expect(reopened.stats.recoveryRepairs).toEqual([])
  })

  test('a bad checksum in the middle of the last segment is corruption, named by file and offset', async () => {
    const segment = await threeAppends()
    const original = await readSegment(segment)
    const victim = recordSpans(original).find((span) => span.type === recordType.entries)!
    const damaged = original.slice()
    damaged[victim.offset + 18]! ^= 0x01
    await writeFile(segment, damaged)
    const error = await open().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(WalCorruptionError)
    expect(error).toMatchObject({ file: segment, offset: victim.offset })
    expect(String(error)).toContain(basename(segment))
    // Recovery changed nothing: the evidence is left for an operator.
    expect(new Uint8Array(await readFile(segment))).toEqual(damaged)
  })

  test('damage in a sealed segment is corruption even in its final record', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 4096 })
    const store = await open()
    for (let index = 1; index <= 60; index++)
      await store.append([command(index, 1, 'x'.repeat(100))], hardState(1, index))
    await store.close()
    const segments = await segmentPaths(fixture.directory)
    expect(segments.length).toBeGreaterThan(2)
    const first = await readSegment(segments[0]!)
    const lastRecord = recordSpans(first).at(-1)!
    await truncate(segments[0]!, lastRecord.offset + 5)
    await expect(open()).rejects.toMatchObject({
      name: 'WalCorruptionError',
      file: segments[0],
      offset: lastRecord.offset,
    })
  })

  test('a missing segment in the middle is corruption', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 4096 })
    const store = await open()
    for (let index = 1; index <= 60; index++)
      await store.append([command(index, 1, 'x'.repeat(100))], hardState(1, index))
    await store.close()
    const segments = await segmentPaths(fixture.directory)
    await rm(segments[1]!)
    await expect(open()).rejects.toThrow(/segment 2 is missing/)
  })

  test('a gap in indexes is corruption: the oldest segment gone without a snapshot covering it', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 4096 })
    const store = await open()
    for (let index = 1; index <= 60; index++)
      await store.append([command(index, 1, 'x'.repeat(100))], hardState(1, index))
    await store.close()
    const segments = await segmentPaths(fixture.directory)
    await rm(segments[0]!)
    const error = await open().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(WalCorruptionError)
    expect(String(error)).toMatch(/entries 1\.\.\d+ are missing/)
    expect((error as WalCorruptionError).file).toBe(segments[1])
  })

  test('a snapshot marker without its snapshot file is corruption', async () => {
    fixture = await fileLogStoreFixture()
    const store = await open()
    await store.append(commands(1, 5, 1), hardState(1, 5))
    await store.saveSnapshot(snapshot(4, 1))
    await store.close()
    for (const name of await snapshotFileNames(fixture.directory))
      await rm(join(fixture.directory, name))
    await expect(open()).rejects.toThrow(/snapshot marker at index 4 has no snapshot file/)
  })

  test('a damaged snapshot file is corruption', async () => {
    fixture = await fileLogStoreFixture()
    const store = await open()
    await store.append(commands(1, 5, 1), hardState(1, 5))
    await store.saveSnapshot(snapshot(4, 1, 'the state machine'))
    await store.close()
    const [name] = await snapshotFileNames(fixture.directory)
    const path = join(fixture.directory, name!)
    const bytes = new Uint8Array(await readFile(path))
    bytes[bytes.length - 3]! ^= 0x20
    await writeFile(path, bytes)
    await expect(open()).rejects.toBeInstanceOf(SnapshotCorruptionError)
  })

  test('a snapshot file written just before a crash (its marker not yet in the WAL) is completed on open', async () => {
    fixture = await fileLogStoreFixture()
    const first = await open()
    await first.append(commands(1, 10, 1), hardState(1, 3))
    await first.close()
    // The crash: the leader's snapshot (index 6, term 2, conflicting with our entry 6) reached
    // the disk, its WAL marker did not.
    await writeSnapshotFile(nodeFileSystem, fixture.directory, snapshot(6, 2))
    const second = await open()
    expect(second.recovered.snapshot?.meta.index).toBe(6)
    expect(second.recovered.entries).toEqual([]) // §7: the conflicting log is discarded
    await second.append(commands(7, 8, 2, 'leader'), hardState(2, 8))
    await second.close()
    // Had the marker not been written on open, replay would apply the snapshot after these
    // entries and discard them too.
    const third = await open()
    expect(third.recovered.entries).toEqual(commands(7, 8, 2, 'leader'))
  })

  test('unfinished snapshot temp files are removed on open', async () => {
    fixture = await fileLogStoreFixture()
    const store = await open()
    await store.append(commands(1, 2, 1), hardState(1, 2))
    await store.close()
    const temp = join(fixture.directory, '0000000000000002-0000000000000001.snap.tmp')
    await writeFile(temp, 'half a snapshot')
    const reopened = await open()
    expect(reopened.recovered.snapshot).toBeUndefined()
    expect(await snapshotFileNames(fixture.directory)).toEqual([])
    expect(reopened.stats.recoveryRepairs).toEqual([`removed unfinished ${basename(temp)}`])
  })
})
