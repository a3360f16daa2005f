/**
 * The `LogStore` contract: what every store (file, memory, a simulator's) must do, as tests.
 * Run it from a test file with a fixture that opens your store:
 *
 *   runLogStoreContract('FileLogStore', async () => fileLogStoreFixture())
 *
 * The tests only use the `LogStore` port, plus `crashCopy()` to capture the medium as a crash
 * would leave it. Store-specific damage (torn bytes, corrupt records) is tested next to each
 * store, where the bytes are known.
 */
import { afterEach, describe, expect, test } from 'vitest'
import type { LogStore } from '../log-store.js'
import type { ClusterConfig, Entry, HardState, PersistedState, Snapshot } from '../raft-types.js'
import { InvariantViolation } from '../raft-types.js'
import { StoreClosedError } from '../errors.js'

export interface LogStoreFixture {
  /** Opens the store on this fixture's medium; opening again after `close()` is a restart. */
  open(): Promise<LogStore>
  /**
   * A new fixture whose medium is a copy of this one's as it is right now, as a crash at this
   * instant would leave it (writes in flight may be partly included).
   */
  crashCopy(): Promise<LogStoreFixture>
  /** Removes the medium (and any copies' media). */
  teardown(): Promise<void>
}

const text = new TextEncoder()

export function command(index: number, term: number, data: string | Uint8Array = `c${index}`): Entry {
  return { kind: 'command', index, term, data: typeof data === 'string' ? text.encode(data) : data }
}

export function noop(index: number, term: number): Entry {
  return { kind: 'noop', index, term }
}

export function configEntry(index: number, term: number, config: ClusterConfig): Entry {
  return { kind: 'config', index, term, config }
}

export function hardState(term: number, commit: number, vote?: string): HardState {
  return { term, vote, commit }
}

export function snapshot(index: number, term: number, data = `state@${index}`): Snapshot {
  return { meta: { index, term, config: { voters: ['n1', 'n2', 'n3'], learners: [] } }, data: text.encode(data) }
}

/** Commands [first, last] of one term. */
export function commands(first: number, last: number, term: number, prefix = 'c'): Entry[] {
  return Array.from({ length: last - first + 1 }, (_, i) => command(first + i, term, `${prefix}${first + i}`))
}

/** Closes `store`, reopens on the same medium, and returns the new store. */
async function reopen(fixture: LogStoreFixture, store: LogStore): Promise<LogStore> {
  await store.close()
  return fixture.open()
}

/** Runs the contract against stores made by `setup` (a fresh, empty medium per test). */
export function runLogStoreContract(name: string, setup: () => Promise<LogStoreFixture>): void {
  describe(`LogStore contract (${name})`, () => {
    const opened: LogStore[] = []
    const fixtures: LogStoreFixture[] = []
    async function start(): Promise<{ fixture: LogStoreFixture; store: LogStore }> {
      const fixture = await setup()
      fixtures.push(fixture)
      const store = await track(fixture.open())
      return { fixture, store }
    }
    async function track(storePromise: Promise<LogStore>): Promise<LogStore> {
      const store = await storePromise
      opened.push(store)
      return store
    }
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => undefined)
      for (const fixture of fixtures.splice(0)) await fixture.teardown()
    })

    test('a new store recovers an empty state', async () => {
      const { store } = await start()
      expect(store.recovered).toEqual({ hardState: { term: 0, vote: undefined, commit: 0 }, snapshot: undefined, entries: [] })
    })

    test('entries of every kind survive reopen', async () => {
      const { fixture, store } = await start()
      const entries: Entry[] = [
        noop(1, 1),
        command(2, 1, new Uint8Array(0)),
        command(3, 1, Uint8Array.from({ length: 256 }, (_, i) => i)),
        configEntry(4, 2, { voters: ['n1', 'n2', 'nœud-3'], learners: ['学习者'] }),
        configEntry(5, 2, { voters: [], learners: [] }),
        command(6, 7, 'x'.repeat(10_000)),
      ]
      await store.append(entries, hardState(7, 6, 'n1'))
      const reopened = await track(reopen(fixture, store))
      expect(reopened.recovered.entries).toEqual(entries)
      expect(reopened.recovered.hardState).toEqual(hardState(7, 6, 'n1'))
    })

    test('hard state survives reopen; the last one written wins', async () => {
      const { fixture, store } = await start()
      await store.append([], hardState(1, 0, 'n2'))
      await store.append(commands(1, 3, 1), hardState(1, 2, 'n2'))
      await store.append([], hardState(2, 3, undefined))
      const reopened = await track(reopen(fixture, store))
      expect(reopened.recovered.hardState).toEqual(hardState(2, 3, undefined))
      expect(reopened.recovered.entries).toEqual(commands(1, 3, 1))
    })

    test('§5.3: an append at or below the last index replaces the conflicting suffix', async () => {
      const { fixture, store } = await start()
      await store.append(commands(1, 10, 1), undefined)
      await store.append(commands(6, 8, 2, 'new'), undefined)
      await store.append(commands(9, 9, 2, 'newer'), hardState(2, 4))
      const reopened = await track(reopen(fixture, store))
      expect(reopened.recovered.entries).toEqual([...commands(1, 5, 1), ...commands(6, 8, 2, 'new'), ...commands(9, 9, 2, 'newer')])
      // And the store goes on from the replaced log, replacing again above the commit index.
      await reopened.append(commands(5, 6, 3, 'again'), hardState(3, 4))
      const again = await track(reopen(fixture, reopened))
      expect(again.recovered.entries).toEqual([...commands(1, 4, 1), ...commands(5, 6, 3, 'again')])
    })

    test('misuse is rejected before it reaches the disk, and the store goes on', async () => {
      const { fixture, store } = await start()
      await store.append(commands(1, 5, 2), hardState(2, 3, 'n1'))
      const misuses: [string, () => Promise<void>][] = [
        ['gap after the last index', () => store.append(commands(7, 8, 2), undefined)],
        ['indexes not contiguous', () => store.append([command(6, 2), command(8, 2)], undefined)],
        ['term going down', () => store.append([command(6, 3), command(7, 2)], undefined)],
        ['a second vote in one term', () => store.append([], hardState(2, 3, 'n2'))],
        ['term going down in the hard state', () => store.append([], hardState(1, 3))],
        ['commit moving backwards', () => store.append([], hardState(2, 2, 'n1'))],
        ['commit beyond the log', () => store.append([], hardState(2, 6, 'n1'))],
        ['a committed entry replaced', () => store.append(commands(3, 3, 3), undefined)],
        ['a snapshot at index 0', () => store.saveSnapshot(snapshot(0, 0))],
      ]
      for (const [what, misuse] of misuses) {
        await expect(misuse(), what).rejects.toBeInstanceOf(InvariantViolation)
      }
      await store.append(commands(6, 6, 2), hardState(2, 6, 'n1'))
      await store.saveSnapshot(snapshot(4, 2))
      await expect(store.saveSnapshot(snapshot(3, 2)), 'an older snapshot').rejects.toBeInstanceOf(InvariantViolation)
      await expect(store.append(commands(4, 4, 2), undefined), 'overwriting the snapshot').rejects.toBeInstanceOf(InvariantViolation)
      const reopened = await track(reopen(fixture, store))
      expect(reopened.recovered.entries).toEqual(commands(5, 6, 2))
      expect(reopened.recovered.hardState).toEqual(hardState(2, 6, 'n1'))
    })

    test('a snapshot and the entries after it survive reopen; entries it covers are gone', async () => {
      const { fixture, store } = await start()
      await store.append(commands(1, 20, 1), hardState(1, 15))
      await store.saveSnapshot(snapshot(15, 1))
      await store.append(commands(21, 25, 2), hardState(2, 22))
      const reopened = await track(reopen(fixture, store))
      expectState(reopened.recovered, { snapshot: snapshot(15, 1), entries: [...commands(16, 20, 1), ...commands(21, 25, 2)] })
      expect(reopened.recovered.hardState).toEqual(hardState(2, 22))
      // A second snapshot replaces the first.
      await reopened.saveSnapshot(snapshot(22, 2))
      const again = await track(reopen(fixture, reopened))
      expectState(again.recovered, { snapshot: snapshot(22, 2), entries: commands(23, 25, 2) })
    })

    test('§7: a snapshot whose last entry conflicts with the log discards the whole log', async () => {
      const { fixture, store } = await start()
      await store.append(commands(1, 10, 1), hardState(2, 3))
      // The leader's snapshot ends at index 6 with term 2; our entry 6 has term 1.
      await store.saveSnapshot(snapshot(6, 2))
      const reopened = await track(reopen(fixture, store))
      expectState(reopened.recovered, { snapshot: snapshot(6, 2), entries: [] })
      expect(reopened.recovered.hardState.commit).toBe(6)
      // Entries after the snapshot continue from its index.
      await reopened.append(commands(7, 8, 2, 'leader'), hardState(2, 8))
      const again = await track(reopen(fixture, reopened))
      expectState(again.recovered, { snapshot: snapshot(6, 2), entries: commands(7, 8, 2, 'leader') })
    })

    test('a snapshot beyond the last index empties the log', async () => {
      const { fixture, store } = await start()
      await store.append(commands(1, 3, 1), hardState(1, 3))
      await store.saveSnapshot(snapshot(100, 4))
      await store.append(commands(101, 101, 4), hardState(4, 101))
      const reopened = await track(reopen(fixture, store))
      expectState(reopened.recovered, { snapshot: snapshot(100, 4), entries: commands(101, 101, 4) })
    })

    test('a snapshot beyond the stored commit raises the recovered commit to it', async () => {
      const { fixture, store } = await start()
      await store.append(commands(1, 5, 1), hardState(1, 2, 'n1'))
      await store.saveSnapshot(snapshot(4, 1))
      const reopened = await track(reopen(fixture, store))
      expect(reopened.recovered.hardState).toEqual(hardState(1, 4, 'n1'))
      expect(reopened.recovered.entries).toEqual(commands(5, 5, 1))
    })

    test('concurrent appends are group-committed and resolve in call order', async () => {
      const { fixture, store } = await start()
      const resolved: number[] = []
      const appends: Promise<void>[] = []
      const appendOne = (index: number): void => {
        appends.push(store.append([command(index, 1)], hardState(1, index - 1)).then(() => void resolved.push(index)))
      }
      for (let index = 1; index <= 30; index++) appendOne(index)
      // More arrive while the first group is being synced.
      await new Promise((resolve) => setTimeout(resolve, 0))
      for (let index = 31; index <= 60; index++) appendOne(index)
      await Promise.all(appends)
      expect(resolved).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
      expect(store.stats.appendsCompleted).toBe(60)
      expect(store.stats.syncsCompleted).toBeGreaterThan(0)
      expect(store.stats.syncsCompleted).toBeLessThan(60)
      expect(store.stats.writesCompleted).toBeLessThan(60)
      const reopened = await track(reopen(fixture, store))
      expect(reopened.recovered.entries).toEqual(Array.from({ length: 60 }, (_, i) => command(i + 1, 1)))
      expect(reopened.recovered.hardState).toEqual(hardState(1, 59))
    })

    test('an append resolves only once a crash can no longer lose it', async () => {
      const { fixture, store } = await start()
      const copies: { acknowledged: number; copy: Promise<LogStoreFixture> }[] = []
      const appends: Promise<void>[] = []
      for (let index = 1; index <= 20; index++) {
        appends.push(store.append([command(index, 1)], hardState(1, index)).then(() => {
          // Crash right now: whatever the medium holds at this instant.
          copies.push({ acknowledged: index, copy: fixture.crashCopy() })
        }))
        if (index % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 0))
      }
      await Promise.all(appends)
      for (const { acknowledged, copy } of copies) {
        const copied = await copy
        fixtures.push(copied)
        const recovered = (await track(copied.open())).recovered
        expect(recovered.entries.length).toBeGreaterThanOrEqual(acknowledged)
        expect(recovered.entries).toEqual(Array.from({ length: recovered.entries.length }, (_, i) => command(i + 1, 1)))
        expect(recovered.hardState.commit).toBeGreaterThanOrEqual(acknowledged)
      }
    })

    test('close waits for pending operations; later calls are rejected', async () => {
      const { fixture, store } = await start()
      const pending = store.append(commands(1, 3, 1), hardState(1, 3))
      await store.close()
      await pending
      await expect(store.append(commands(4, 4, 1), undefined)).rejects.toBeInstanceOf(StoreClosedError)
      await expect(store.saveSnapshot(snapshot(2, 1))).rejects.toBeInstanceOf(StoreClosedError)
      const reopened = await track(fixture.open())
      expect(reopened.recovered.entries).toEqual(commands(1, 3, 1))
    })
  })
}

function expectState(state: PersistedState, expected: { snapshot: Snapshot; entries: Entry[] }): void {
  expect(state.snapshot?.meta).toEqual(expected.snapshot.meta)
  expect(state.snapshot === undefined ? undefined : [...state.snapshot.data]).toEqual([...expected.snapshot.data])
  expect(state.entries).toEqual(expected.entries)
}
