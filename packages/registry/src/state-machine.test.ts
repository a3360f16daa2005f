import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { RegistryStateMachine, alreadyApplied } from './state-machine.js'
import { openSqliteStore } from './store/open-store.js'
import { CommandMaker } from './testing/commands.js'
import { entry, snapshotAt } from './testing/entries.js'
import type { WatchEvent } from './watch/watch-hub.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function tempDir(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'raftkit-sm-'))
  cleanups.push(() => rm(directory, { recursive: true, force: true }))
  return directory
}

async function machineAt(
  path: string,
  cache = { capacity: 100, evictionRatio: 0.1 },
): Promise<RegistryStateMachine> {
  const machine = await RegistryStateMachine.open({ store: await openSqliteStore(path), cache })
  cleanups.push(() => machine.close().catch(() => {}))
  return machine
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('RegistryStateMachine', () => {
  test('entries replayed after a restart are skipped, not applied twice', async () => {
    const path = join(await tempDir(), 'state.sqlite')
    const c = new CommandMaker()
    const entries = [
      entry(1, c.put('a', '1')),
      entry(2, c.cas('a', '1', '2')),
      entry(3, c.add('v', 'ios', '1.0.0')),
    ]
    const first = await machineAt(path)
    for (const e of entries) await first.apply(e)
    await first.close()
    const again = await machineAt(path)
    // The Raft core hands out the same committed entries again after a restart.
    for (const e of entries) expect(await again.apply(e)).toEqual(alreadyApplied)
    expect(await again.read('a', Date.now())).toEqual({ key: 'a', value: '2', revision: 2 })
    expect(await again.apply(entry(4, c.put('b', 'x')))).toEqual({
      t: 'kv',
      result: { op: 'put', revision: 4 },
    })
  })

  test('a snapshot older than the store is not restored over it; a newer one is', async () => {
    const directory = await tempDir()
    const c = new CommandMaker()
    const source = await machineAt(join(directory, 'source.sqlite'))
    await source.apply(entry(1, c.put('a', 'old')))
    const oldSnapshot = await source.snapshot()
    await source.apply(entry(2, c.put('a', 'new')))
    await source.restore(snapshotAt(1, oldSnapshot))
    expect((await source.read('a', 0))?.value).toBe('new')
    const target = await machineAt(join(directory, 'target.sqlite'))
    await target.apply(entry(1, new CommandMaker('x').put('z', 'z')))
    await target.restore(snapshotAt(2, await source.snapshot()))
    expect(target.appliedIndex()).toBe(2)
    expect((await target.read('a', 0))?.value).toBe('new')
    expect(await target.read('z', 0)).toBeUndefined()
  })

  test('the read cache never serves a value that an apply replaced', async () => {
    const machine = await machineAt(join(await tempDir(), 's.sqlite'))
    const c = new CommandMaker()
    let index = 0
    await machine.apply(entry(++index, c.put('k', 'v0')))
    for (let i = 1; i <= 50; i++) {
      // A read in flight while an apply lands must not put the older row into the cache.
      const reading = machine.read('k', 0)
      await machine.apply(entry(++index, c.put('k', `v${i}`)))
      await reading
      expect((await machine.read('k', 0))?.value).toBe(`v${i}`)
    }
    const stats = machine.cacheStats().kv
    expect(stats.hits + stats.misses).toBeGreaterThan(0)
  })

  test('caches latest per platform and invalidates it on a version change', async () => {
    const machine = await machineAt(join(await tempDir(), 's.sqlite'))
    const c = new CommandMaker()
    await machine.apply(entry(1, c.add('1', 'ios', '1.0.0')))
    expect((await machine.latestVersion('ios'))?.versionNo).toBe('1.0.0')
    expect((await machine.latestVersion('ios'))?.versionNo).toBe('1.0.0')
    expect(machine.cacheStats().latest.hits).toBe(1)
    await machine.apply(entry(2, c.add('2', 'ios', '1.1.0-beta')))
    expect((await machine.latestVersion('ios'))?.versionNo).toBe('1.1.0-beta')
    expect((await machine.latestVersion('ios', false))?.versionNo).toBe('1.0.0')
    await machine.apply(
      entry(3, c.version({ op: 'update', id: '2', platform: 'android', at: c.at })),
    )
    expect((await machine.latestVersion('ios'))?.versionNo).toBe('1.0.0')
    expect((await machine.latestVersion('android'))?.versionNo).toBe('1.1.0-beta')
  })

  test('keys with a TTL are sampled for expiry, and the expiry entry removes them', async () => {
    const machine = await machineAt(join(await tempDir(), 's.sqlite'))
    const c = new CommandMaker()
    await machine.apply(entry(1, c.put('short', 'x', { expiresAt: 1000, at: 0 })))
    await machine.apply(entry(2, c.put('long', 'x', { expiresAt: 9000, at: 0 })))
    expect(machine.keysWithTtl).toBe(2)
    expect(machine.sampleExpired(500)).toEqual([])
    expect(await machine.read('short', 999)).toBeDefined()
    expect(await machine.read('short', 1000)).toBeUndefined()
    const due = machine.sampleExpired(1000)
    expect(due).toEqual([{ key: 'short', expiresAt: 1000, revision: 1 }])
    await machine.apply(entry(3, { t: 'expire', key: 'short', revision: 1 }))
    expect(machine.keysWithTtl).toBe(1)
    // A write without a TTL clears the key's TTL.
    await machine.apply(entry(4, c.put('long', 'y')))
    expect(machine.keysWithTtl).toBe(0)
  })

  test('member records are mirrored in memory and survive a restart', async () => {
    const path = join(await tempDir(), 's.sqlite')
    const machine = await machineAt(path)
    await machine.apply(
      entry(1, {
        t: 'member',
        member: { id: 'n4', peerAddr: 'h:4', clientUrl: 'http://h:4', promote: true },
      }),
    )
    expect(machine.member('n4')?.promote).toBe(true)
    await machine.close()
    const again = await machineAt(path)
    expect(again.members().map((m) => m.id)).toEqual(['n4'])
  })

  test('a bad entry is answered as invalid the same way and advances the index', async () => {
    const machine = await machineAt(join(await tempDir(), 's.sqlite'))
    expect(await machine.apply(entry(1, new TextEncoder().encode('not json')))).toMatchObject({
      t: 'invalid',
    })
    expect(
      await machine.apply(
        entry(2, new TextEncoder().encode('{"t":"version","command":{"op":"add"}}')),
      ),
    ).toMatchObject({ t: 'invalid' })
    expect(machine.appliedIndex()).toBe(2)
  })

  test('watchers get history then live changes, in order, each once', async () => {
    const machine = await machineAt(join(await tempDir(), 's.sqlite'))
    const c = new CommandMaker()
    let index = 0
    for (let i = 0; i < 20; i++)
      await machine.apply(entry(++index, c.add(`v${i}`, i % 2 === 0 ? 'ios' : 'mac', `1.${i}.0`)))
    const events: WatchEvent[] = []
    const closed: string[] = []
    machine.watches.watch({ kind: 'version', platform: 'ios' }, 4, {
      send: (event) => events.push(event),
      close: (reason) => closed.push(reason),
    })
    // Writes racing with the catch-up.
    for (let i = 20; i < 30; i++)
      await machine.apply(entry(++index, c.add(`v${i}`, i % 2 === 0 ? 'ios' : 'mac', `1.${i}.0`)))
    await until(() => events.filter((e) => e.type === 'change').length === 13, 'changes')
    const revisions = events.flatMap((e) => (e.type === 'change' ? [e.change.revision] : []))
    expect(revisions).toEqual([5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29])
    expect(events.some((e) => e.type === 'progress')).toBe(true)
    expect(closed).toEqual([])
  })

  test('a watcher behind the kept history is told to re-read', async () => {
    const path = join(await tempDir(), 's.sqlite')
    const machine = await RegistryStateMachine.open({
      store: await openSqliteStore(path, { changeRetentionEntries: 10 }),
    })
    cleanups.push(() => machine.close())
    const c = new CommandMaker()
    await machine.apply(entry(1, c.put('p/a', '1')))
    await machine.apply(entry(1024, c.put('p/b', '1')))
    const events: WatchEvent[] = []
    const closed: string[] = []
    machine.watches.watch({ kind: 'kv', prefix: 'p/' }, 0, {
      send: (e) => events.push(e),
      close: (r) => closed.push(r),
    })
    await until(() => closed.length === 1, 'the watcher to be closed')
    expect(events).toEqual([{ type: 'compacted', floor: 1014, revision: 1024 }])
  })
})
