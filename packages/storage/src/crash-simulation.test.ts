/**
 * Crash simulation. A small log is written through the real store; then the last segment is cut,
 * zero-filled or garbled at every byte offset, or the sectors of its last write are lost in
 * random patterns, and every such directory is recovered. Recovery must never throw for a torn
 * tail, must return exactly the state after the records that survived whole (a prefix of what
 * was appended), and so never lose a record acknowledged before the tear. Damage to an earlier
 * write (which a later write proves was synced) must raise WalCorruptionError at that record.
 */
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { WalCorruptionError } from './errors.js'
import { FileLogStore } from './file-log-store.js'
import { nodeFileSystem, type StorageFileSystem } from './file-system.js'
import type { Entry, HardState, PersistedState, Snapshot } from './raft-types.js'
import { fileLogStoreFixture, type FileLogStoreFixture } from './testing/fixtures.js'
import { command, commands, configEntry, hardState, snapshot } from './testing/log-store-contract.js'
import { readSegment, recordSpans, segmentPaths, type RecordSpan } from './testing/wal-files.js'

/** What one WAL record does, for the model. */
type Step =
  | { readonly kind: 'entries'; readonly entries: readonly Entry[] }
  | { readonly kind: 'hardState'; readonly hardState: HardState }
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot }

type Operation =
  | { readonly kind: 'append'; readonly entries: readonly Entry[]; readonly hardState?: HardState }
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot }

/** The reference semantics, written out independently of both stores. */
function model(steps: readonly Step[], snapshotFile: Snapshot | undefined): PersistedState {
  let hard: HardState = { term: 0, vote: undefined, commit: 0 }
  let snap: Snapshot | undefined
  let entries: Entry[] = []
  const applySnapshot = (next: Snapshot): void => {
    const held = entries.find((entry) => entry.index === next.meta.index)
    entries = held !== undefined && held.term === next.meta.term ? entries.filter((entry) => entry.index > next.meta.index) : []
    snap = next
  }
  for (const step of steps) {
    if (step.kind === 'entries') {
      const first = step.entries[0]!.index
      entries = [...entries.filter((entry) => entry.index < first), ...step.entries]
    } else if (step.kind === 'hardState') {
      hard = step.hardState
    } else {
      applySnapshot(step.snapshot)
    }
  }
  if (snapshotFile !== undefined && (snap === undefined || snap.meta.index < snapshotFile.meta.index)) applySnapshot(snapshotFile)
  const commit = Math.max(hard.commit, snap?.meta.index ?? 0)
  return { hardState: { ...hard, commit }, snapshot: snap, entries }
}

function stepsOf(operations: readonly Operation[]): Step[][] {
  return operations.map((operation) => {
    if (operation.kind === 'snapshot') return [{ kind: 'snapshot', snapshot: operation.snapshot }]
    const steps: Step[] = []
    if (operation.entries.length > 0) steps.push({ kind: 'entries', entries: operation.entries })
    if (operation.hardState !== undefined) steps.push({ kind: 'hardState', hardState: operation.hardState })
    return steps
  })
}

/** Syncs are irrelevant to what recovery reads; skipping them keeps thousands of opens fast. */
const noSyncFileSystem: StorageFileSystem = {
  ...nodeFileSystem,
  async open(path, mode) {
    const file = await nodeFileSystem.open(path, mode)
    return { ...file, datasync: async () => {}, sync: async () => {} }
  },
  syncDirectory: async () => {},
}

function comparable(state: PersistedState): unknown {
  return {
    hardState: state.hardState,
    snapshot: state.snapshot === undefined ? undefined : { meta: state.snapshot.meta, data: [...state.snapshot.data] },
    entries: state.entries,
  }
}

/**
 * How many of `spans` (records of `original`) survive in `image`: those before the first record
 * whose checksummed bytes differ or whose padding is cut off.
 */
function intactRecords(spans: readonly RecordSpan[], original: Uint8Array, image: Uint8Array): number {
  let count = 0
  for (const span of spans) {
    if (span.next > image.length) break
    let same = true
    for (let i = span.offset; i < span.payloadEnd && same; i++) same = image[i] === original[i]
    if (!same) break
    count++
  }
  return count
}

/** 0, 1, ..., last. */
function lengthsUpTo(last: number): number[] {
  return Array.from({ length: last + 1 }, (_, length) => length)
}

/**
 * Runs `work` over `items` with a few in flight, each in its own slot (its own scratch
 * directory): recovery is I/O-bound, and thousands of sequential opens would take many seconds.
 */
async function inParallel<T>(items: readonly T[], work: (item: T, slot: number) => Promise<void>, slots = 8): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: slots }, async (_, slot) => {
    while (next < items.length) await work(items[next++]!, slot)
  }))
}

/** mulberry32: a small seeded PRNG, so every failing pattern can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('crash simulation', () => {
  const operations: Operation[] = [
    { kind: 'append', entries: commands(1, 2, 1), hardState: hardState(1, 0, 'n1') },
    { kind: 'append', entries: [], hardState: hardState(1, 1, 'n1') },
    { kind: 'append', entries: [command(3, 1, 'y'.repeat(300))], hardState: hardState(1, 2, 'n1') },
    { kind: 'append', entries: commands(3, 4, 2, 'replaced'), hardState: hardState(2, 2, 'n2') },
    { kind: 'append', entries: commands(5, 6, 2) },
    { kind: 'snapshot', snapshot: snapshot(4, 2) },
    { kind: 'append', entries: [command(7, 2)], hardState: hardState(2, 6, 'n2') },
    { kind: 'append', entries: [configEntry(8, 2, { voters: ['n1', 'n2'], learners: ['n4'] })], hardState: hardState(2, 8, 'n2') },
    { kind: 'append', entries: [command(9, 3, new Uint8Array(0))], hardState: hardState(3, 8, undefined) },
  ]
  const operationSteps = stepsOf(operations)
  const steps = operationSteps.flat()
  const snapshotOperation = operations.findIndex((operation) => operation.kind === 'snapshot')
  let fixture: FileLogStoreFixture
  let segmentBytes: Uint8Array
  let segmentName: string
  let snapshotFileName: string
  /** Segment size when each operation was acknowledged. */
  const acknowledgedBytes: number[] = []
  /** The records after the segment header, one per step. */
  let spans: RecordSpan[]
  let scratch: string

  beforeAll(async () => {
    fixture = await fileLogStoreFixture()
    const store = await fixture.open()
    for (const operation of operations) {
      if (operation.kind === 'append') await store.append(operation.entries, operation.hardState)
      else await store.saveSnapshot(operation.snapshot)
      const [segment] = await segmentPaths(fixture.directory)
      acknowledgedBytes.push((await readSegment(segment!)).length)
    }
    await store.close()
    const files = await readdir(fixture.directory)
    segmentName = files.find((name) => name.endsWith('.wal'))!
    snapshotFileName = files.find((name) => name.endsWith('.snap'))!
    segmentBytes = await readSegment(join(fixture.directory, segmentName))
    spans = recordSpans(segmentBytes).slice(1)
    expect(spans.length).toBe(steps.length)
    scratch = join(fixture.directory, '..', 'scratch')
  })
  afterAll(() => fixture.teardown())

  /** Writes `bytes` as the only segment of a fresh directory, with the snapshot file if it could exist. */
  const scratchOf = (slot: number): string => `${scratch}-${slot}`
  async function recoverFrom(bytes: Uint8Array, withSnapshotFile: boolean, slot = 0): Promise<PersistedState> {
    const scratch = scratchOf(slot)
    await rm(scratch, { recursive: true, force: true })
    await mkdir(scratch)
    await writeFile(join(scratch, segmentName), bytes)
    if (withSnapshotFile) await copyFile(join(fixture.directory, snapshotFileName), join(scratch, snapshotFileName))
    const store = await FileLogStore.open(scratch, { fileSystem: noSyncFileSystem })
    try {
      return store.recovered
    } finally {
      await store.close()
    }
  }

  /** The snapshot file is written only after every earlier operation is durable. */
  const snapshotFileCanExist = (length: number): boolean => length >= acknowledgedBytes[snapshotOperation - 1]!

  /**
   * Steps of the records that survive in `image`: those before the first record whose checksummed
   * bytes changed or whose padding is cut off.
   */
  const survivingSteps = (image: Uint8Array): number => intactRecords(spans, segmentBytes, image)

  /** Steps of the operations acknowledged when the segment had at most `length` bytes. */
  const acknowledgedSteps = (length: number): number =>
    operationSteps.filter((_, i) => acknowledgedBytes[i]! <= length).flat().length

  test('cutting the last segment at every byte offset recovers exactly the whole records before the cut', async () => {
    await inParallel(lengthsUpTo(segmentBytes.length), async (length, slot) => {
      const withSnapshotFile = snapshotFileCanExist(length)
      const recovered = await recoverFrom(segmentBytes.subarray(0, length), withSnapshotFile, slot)
      const whole = survivingSteps(segmentBytes.subarray(0, length))
      expect(whole).toBeGreaterThanOrEqual(acknowledgedSteps(length))
      const expected = model(steps.slice(0, whole), withSnapshotFile ? snapshot(4, 2) : undefined)
      expect(comparable(recovered), `cut at ${length}`).toEqual(comparable(expected))
    })
  })

  test('a zero-filled or garbled tail after every byte offset is cut the same way', async () => {
    const random = seededRandom(7)
    await inParallel(lengthsUpTo(segmentBytes.length - 1), async (length, slot) => {
      const withSnapshotFile = snapshotFileCanExist(length)
      const snapshotFile = withSnapshotFile ? snapshot(4, 2) : undefined
      const zeroed = segmentBytes.slice()
      zeroed.fill(0, length)
      const garbled = segmentBytes.slice()
      for (let i = length; i < garbled.length; i++) garbled[i] = Math.floor(random() * 256)
      for (const [what, image] of [['zeros', zeroed], ['garbage', garbled]] as const) {
        expect(survivingSteps(image)).toBeGreaterThanOrEqual(acknowledgedSteps(length))
        // Garbage can only be told from a record by its checksum; it never passes one.
        expect(comparable(await recoverFrom(image, withSnapshotFile, slot)), `${what} from ${length}`)
          .toEqual(comparable(model(steps.slice(0, survivingSteps(image)), snapshotFile)))
      }
    })
  })

  test('a recovered, repaired store goes on: a new append after the cut survives another reopen', async () => {
    for (let length = 0; length <= segmentBytes.length; length += 37) {
      const withSnapshotFile = snapshotFileCanExist(length)
      await recoverFrom(segmentBytes.subarray(0, length), withSnapshotFile)
      const store = await FileLogStore.open(scratchOf(0), { fileSystem: noSyncFileSystem })
      const { entries, snapshot: recoveredSnapshot, hardState: recoveredHardState } = store.recovered
      const lastIndex = entries.at(-1)?.index ?? recoveredSnapshot?.meta.index ?? 0
      const term = Math.max(entries.at(-1)?.term ?? 0, recoveredSnapshot?.meta.term ?? 0, recoveredHardState.term)
      const next = command(lastIndex + 1, term, 'after the crash')
      await store.append([next], { ...recoveredHardState, term })
      await store.close()
      const reopened = await FileLogStore.open(scratchOf(0), { fileSystem: noSyncFileSystem })
      expect(reopened.recovered.entries, `cut at ${length}`).toEqual([...entries, next])
      await reopened.close()
    }
  })

  test('damage to any record of an earlier write is corruption at that record', async () => {
    const random = seededRandom(11)
    const lastWriteOffset = spans.at(-1)!.writeOffset
    const header = recordSpans(segmentBytes)[0]!
    for (const span of [header, ...spans].filter((candidate) => candidate.writeOffset < lastWriteOffset)) {
      const damaged = segmentBytes.slice()
      const at = span.offset + Math.floor(random() * (span.payloadEnd - span.offset))
      damaged[at]! ^= 1 << Math.floor(random() * 8)
      const error = await recoverFrom(damaged, true).catch((caught: unknown) => caught)
      expect(error, `byte ${at} of the record at ${span.offset}`).toBeInstanceOf(WalCorruptionError)
      expect((error as WalCorruptionError).offset).toBe(span.offset)
    }
  })
})

describe('crash simulation: the sectors of the last write persist in any pattern', () => {
  let fixture: FileLogStoreFixture
  afterAll(() => fixture.teardown())

  test('losing or garbling any sectors of the unsynced final write never throws and keeps every earlier write', async () => {
    fixture = await fileLogStoreFixture()
    const store = await fixture.open()
    const operations: Operation[] = []
    for (let index = 1; index <= 6; index++) {
      const operation = { kind: 'append', entries: [command(index, 1, 'z'.repeat(index * 11))], hardState: hardState(1, index - 1) } as const
      operations.push(operation)
      await store.append(operation.entries, operation.hardState)
    }
    // The final write: twelve appends coalesced into one write and one fdatasync.
    const final: Promise<void>[] = []
    for (let index = 7; index <= 18; index++) {
      const operation = { kind: 'append', entries: [command(index, 1, 'q'.repeat(index * 3))], hardState: hardState(1, index - 1) } as const
      operations.push(operation)
      final.push(store.append(operation.entries, operation.hardState))
    }
    await Promise.all(final)
    await store.close()
    const [segment] = await segmentPaths(fixture.directory)
    const bytes = await readSegment(segment!)
    const spans = recordSpans(bytes).slice(1)
    const steps = stepsOf(operations).flat()
    const finalWriteOffset = spans.at(-1)!.writeOffset
    expect(spans.filter((span) => span.writeOffset === finalWriteOffset).length).toBe(24)
    const scratch = join(fixture.directory, '..', 'sectors')
    const segmentName = segment!.slice(segment!.lastIndexOf('/') + 1)

    const random = seededRandom(2024)
    // Each trial draws its damage before its first await, so the draws stay in trial order.
    await inParallel(lengthsUpTo(399), async (trial, slot) => {
      const sectorBytes = [8, 16, 64, 512][trial % 4]!
      const damaged = bytes.slice()
      for (let sector = finalWriteOffset; sector < bytes.length; sector += sectorBytes) {
        const fate = random()
        const end = Math.min(sector + sectorBytes, bytes.length)
        if (fate < 0.15) damaged.fill(0, sector, end)
        else if (fate < 0.25) for (let i = sector; i < end; i++) damaged[i] = Math.floor(random() * 256)
      }
      const length = random() < 0.3 ? finalWriteOffset + Math.floor(random() * (bytes.length - finalWriteOffset)) : bytes.length
      const image = damaged.subarray(0, length)
      const whole = intactRecords(spans, bytes, image)
      const directory = `${scratch}-${slot}`
      await rm(directory, { recursive: true, force: true })
      await mkdir(directory)
      await writeFile(join(directory, segmentName), image)
      const recovering = await FileLogStore.open(directory, { fileSystem: noSyncFileSystem })
      expect(whole).toBeGreaterThanOrEqual(12) // the six synced appends: entries + hard state each
      expect(comparable(recovering.recovered), `trial ${trial}`).toEqual(comparable(model(steps.slice(0, whole), undefined)))
      await recovering.close()
    })
  })
})

describe('crash simulation: a tear in a segment just rolled over to', () => {
  let fixture: FileLogStoreFixture
  afterAll(() => fixture.teardown())

  test('cutting the new last segment anywhere, even inside its first records, keeps the sealed segment whole', async () => {
    fixture = await fileLogStoreFixture({ segmentBytesMax: 4096 })
    const store = await fixture.open()
    const operations: Operation[] = []
    for (let index = 1; (await segmentPaths(fixture.directory)).length < 2 || index < 3; index++) {
      const operation = { kind: 'append', entries: [command(index, 1, 'r'.repeat(150))], hardState: hardState(1, index) } as const
      operations.push(operation)
      await store.append(operation.entries, operation.hardState)
    }
    await store.close()
    const [sealed, last] = await segmentPaths(fixture.directory)
    const sealedBytes = await readSegment(sealed!)
    const lastBytes = await readSegment(last!)
    const sealedSteps = recordSpans(sealedBytes).length - 1
    const lastSpans = recordSpans(lastBytes)
    // The new segment opens with its header and a copy of the hard state, in one write at 0.
    const firstRecords = lastSpans.filter((span) => span.writeOffset === 0).length
    expect(firstRecords).toBe(2)
    const steps = stepsOf(operations).flat()
    expect(sealedSteps + lastSpans.length - firstRecords).toBe(steps.length)
    const scratch = join(fixture.directory, '..', 'rolled')
    const names = [sealed!, last!].map((path) => path.slice(path.lastIndexOf('/') + 1))

    await inParallel(lengthsUpTo(lastBytes.length), async (length, slot) => {
      const directory = `${scratch}-${slot}`
      await rm(directory, { recursive: true, force: true })
      await mkdir(directory)
      await writeFile(join(directory, names[0]!), sealedBytes)
      await writeFile(join(directory, names[1]!), lastBytes.subarray(0, length))
      const recovering = await FileLogStore.open(directory, { fileSystem: noSyncFileSystem })
      const intact = intactRecords(lastSpans, lastBytes, lastBytes.subarray(0, length))
      const whole = sealedSteps + Math.max(0, intact - firstRecords)
      expect(comparable(recovering.recovered), `cut at ${length}`).toEqual(comparable(model(steps.slice(0, whole), undefined)))
      // A segment torn before its header was whole is removed; otherwise it is cut back.
      expect((await readdir(directory)).length, `cut at ${length}`).toBe(intact === 0 ? 1 : 2)
      await recovering.close()
    })
  })
})
