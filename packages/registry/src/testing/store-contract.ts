import { describe, expect, test } from 'vitest'
import type { RegistryResult, VersionResult } from '../commands.js'
import type { RegistryStore } from '../store/registry-store.js'
import { CommandMaker } from './commands.js'
import { FailNextQueryPlugin } from './fault-plugin.js'

/** What a store factory gives the contract suite. */
export interface StoreFixture {
  readonly store: RegistryStore
  /** Closes the store and opens the same data again (a restart). */
  reopen(): Promise<RegistryStore>
  /** Closes whatever is open and removes the data. */
  teardown(): Promise<void>
}

export interface StoreFactoryOptions {
  readonly sessionsMax?: number
  readonly changeRetentionEntries?: number
  readonly faults?: FailNextQueryPlugin
}

export type StoreFactory = (options: StoreFactoryOptions) => Promise<StoreFixture>

/**
 * The behaviour every state-machine store must have, run against each of them (SQLite and
 * MySQL/MariaDB): the same commands give the same results, state and snapshots.
 */
export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    const withStore = async (
      body: (fixture: StoreFixture) => Promise<void>,
      options: StoreFactoryOptions = {},
    ): Promise<void> => {
      const fixture = await factory(options)
      try {
        await body(fixture)
      } finally {
        await fixture.teardown()
      }
    }

    test('applies key-value writes with the log index as revision', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        expect(store.appliedIndex).toBe(0)
        expect((await store.apply(3, c.put('a', 'one'))).result).toEqual({
          t: 'kv',
          result: { op: 'put', revision: 3 },
        })
        expect(await store.getKv('a')).toEqual({ key: 'a', value: 'one', revision: 3 })
        const deleted = await store.apply(5, c.del('a'))
        expect(deleted.result).toEqual({
          t: 'kv',
          result: { op: 'delete', existed: true, revision: 5 },
        })
        expect(deleted.changes).toEqual([{ kind: 'kv', type: 'delete', revision: 5, key: 'a' }])
        expect(await store.getKv('a')).toBeUndefined()
        expect((await store.apply(6, c.del('a'))).result).toEqual({
          t: 'kv',
          result: { op: 'delete', existed: false, revision: 0 },
        })
        expect(store.appliedIndex).toBe(6)
      }))

    test('compare-and-set swaps only on the expected value; null means absent', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        expect((await store.apply(1, c.cas('k', null, 'v1'))).result).toEqual({
          t: 'kv',
          result: { op: 'cas', swapped: true, current: 'v1', revision: 1 },
        })
        expect((await store.apply(2, c.cas('k', null, 'v2'))).result).toEqual({
          t: 'kv',
          result: { op: 'cas', swapped: false, current: 'v1', revision: 1 },
        })
        expect((await store.apply(3, c.cas('k', 'v1', 'v3'))).result).toMatchObject({
          result: { swapped: true, current: 'v3', revision: 3 },
        })
        expect((await store.getKv('k'))?.value).toBe('v3')
      }))

    test('a key past its expiry at the proposer clock is absent for cas; expire needs the same revision', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        await store.apply(1, c.put('ttl', 'x', { expiresAt: 1000, at: 500 }))
        expect(await store.getKv('ttl')).toEqual({
          key: 'ttl',
          value: 'x',
          revision: 1,
          expiresAt: 1000,
        })
        expect(await store.keysWithTtl()).toEqual([{ key: 'ttl', expiresAt: 1000, revision: 1 }])
        // At 999 the key is live, so "only if absent" fails; at 1000 it has expired.
        expect((await store.apply(2, c.cas('ttl', null, 'y', { at: 999 }))).result).toMatchObject({
          result: { swapped: false },
        })
        expect((await store.apply(3, { t: 'expire', key: 'ttl', revision: 99 })).result).toEqual({
          t: 'expired',
          expired: false,
        })
        const expired = await store.apply(4, { t: 'expire', key: 'ttl', revision: 1 })
        expect(expired.result).toEqual({ t: 'expired', expired: true })
        expect(expired.changes).toEqual([
          { kind: 'kv', type: 'delete', revision: 4, key: 'ttl', expired: true },
        ])
        await store.apply(5, c.put('ttl2', 'x', { expiresAt: 1000, at: 500 }))
        expect((await store.apply(6, c.cas('ttl2', null, 'y', { at: 1000 }))).result).toMatchObject(
          { result: { swapped: true } },
        )
        expect(await store.getKv('ttl2')).toEqual({ key: 'ttl2', value: 'y', revision: 6 })
        expect(await store.keysWithTtl()).toEqual([])
      }))

    test('a retried request is applied once and answered again; an older copy is rejected', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        const first = c.put('a', '1')
        await store.apply(1, first)
        await store.apply(2, c.put('a', '2'))
        const second = c.put('b', 'x')
        const original = await store.apply(3, second)
        const retried = await store.apply(4, second)
        expect(retried.result).toEqual(original.result)
        expect(retried.changes).toEqual([])
        expect(await store.getKv('b')).toEqual({ key: 'b', value: 'x', revision: 3 })
        const stale = await store.apply(5, first)
        expect(stale.result).toMatchObject({
          t: 'kv',
          result: { op: 'rejected', reason: 'stale-request' },
        })
        expect((await store.getKv('a'))?.value).toBe('2')
      }))

    test('sessions are bounded, evicting the least recently used', () =>
      withStore(
        async ({ store }) => {
          const clients = ['a', 'b', 'c', 'd'].map((id) => new CommandMaker(id))
          let index = 0
          for (const client of clients.slice(0, 3))
            await store.apply(++index, client.put(client.clientId, 'v'))
          // Touch "a" with a retry so that "b" is now the least recently used.
          const aRetry = {
            t: 'kv',
            command: { op: 'put', key: 'a', value: 'v', clientId: 'a', seq: 1 },
          } as const
          await store.apply(++index, aRetry)
          await store.apply(++index, clients[3]!.put('d', 'v'))
          expect(store.sessionCount).toBe(3)
          // "b" was evicted: its retry is applied again (a new write); "a"'s is still a duplicate.
          const bRetry = await store.apply(++index, {
            t: 'kv',
            command: { op: 'put', key: 'b', value: 'v2', clientId: 'b', seq: 1 },
          })
          expect(bRetry.result).toEqual({ t: 'kv', result: { op: 'put', revision: index } })
          const aAgain = await store.apply(index + 1, aRetry)
          expect(aAgain.changes).toEqual([])
        },
        { sessionsMax: 3 },
      ))

    test('lists keys by prefix in byte order, a page at a time, without expired keys', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        const keys = ['app/b', 'app/a', 'app/é', 'app/z', 'apq', 'ap', 'app/x-ttl']
        let index = 0
        for (const key of keys) {
          await store.apply(
            ++index,
            c.put(key, key, key.endsWith('ttl') ? { expiresAt: 100, at: 1 } : {}),
          )
        }
        const first = await store.listKv('app/', { limit: 2, now: 200 })
        expect(first.items.map((i) => i.key)).toEqual(['app/a', 'app/b'])
        expect(first.more).toBe(true)
        const rest = await store.listKv('app/', { after: 'app/b', limit: 10, now: 200 })
        expect(rest.items.map((i) => i.key)).toEqual(['app/z', 'app/é'])
        expect(rest.more).toBe(false)
        expect((await store.listKv('app/', { limit: 10, now: 50 })).items).toHaveLength(5)
        expect((await store.listKv('', { limit: 100, now: 200 })).items.map((i) => i.key)).toEqual([
          'ap',
          'app/a',
          'app/b',
          'app/z',
          'app/é',
          'apq',
        ])
      }))

    test('adds versions; rejects a duplicate id and a duplicate version per platform', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        const added = await store.apply(1, c.add('100', 'ios', 'v1.2.3'))
        const version = {
          id: '100',
          platform: 'ios',
          versionNo: '1.2.3',
          createdAt: c.at,
          updatedAt: c.at,
          revision: 1,
        }
        expect(added.result).toEqual({ t: 'version', result: { op: 'add', ok: true, version } })
        expect(added.changes).toEqual([{ kind: 'version', type: 'add', revision: 1, version }])
        expect(await store.getVersion('100')).toEqual(version)
        expect(
          versionResult((await store.apply(2, c.add('100', 'android', '1.0.0'))).result),
        ).toMatchObject({
          ok: false,
          error: 'duplicate_id',
          current: version,
        })
        expect(
          versionResult((await store.apply(3, c.add('101', 'ios', '1.2.3'))).result),
        ).toMatchObject({
          ok: false,
          error: 'duplicate_version',
          current: version,
        })
        // The same number on another platform is fine; build metadata makes a different version.
        expect(
          versionResult((await store.apply(4, c.add('102', 'android', '1.2.3'))).result).ok,
        ).toBe(true)
        expect(
          versionResult((await store.apply(5, c.add('103', 'ios', '1.2.3+build.7'))).result).ok,
        ).toBe(true)
        expect(await store.getVersion('101')).toBeUndefined()
      }))

    test('a generated id that is taken moves to the next free one; a chosen id does not', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        await store.apply(1, c.add('1000', 'ios', '1.0.0'))
        await store.apply(2, c.add('1001', 'ios', '1.0.1'))
        const generated = c.version({
          op: 'add',
          id: '1000',
          platform: 'ios',
          versionNo: '2.0.0',
          at: c.at,
          generated: true,
        })
        expect(versionResult((await store.apply(3, generated)).result)).toMatchObject({
          ok: true,
          version: { id: '1002' },
        })
      }))

    test('updates and deletes versions with optimistic concurrency', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        await store.apply(1, c.add('1', 'ios', '1.0.0'))
        await store.apply(2, c.add('2', 'ios', '2.0.0'))
        const mismatch = versionResult(
          (
            await store.apply(
              3,
              c.version({ op: 'update', id: '1', versionNo: '1.0.1', ifRevision: 2, at: c.at + 1 }),
            )
          ).result,
        )
        expect(mismatch).toMatchObject({
          ok: false,
          error: 'revision_mismatch',
          current: { revision: 1 },
        })
        const taken = versionResult(
          (
            await store.apply(
              4,
              c.version({ op: 'update', id: '1', versionNo: '2.0.0', at: c.at + 1 }),
            )
          ).result,
        )
        expect(taken).toMatchObject({ ok: false, error: 'duplicate_version', current: { id: '2' } })
        const updated = await store.apply(
          5,
          c.version({
            op: 'update',
            id: '1',
            versionNo: '1.0.1',
            platform: 'android',
            ifRevision: 1,
            at: c.at + 5,
          }),
        )
        expect(versionResult(updated.result)).toEqual({
          op: 'update',
          ok: true,
          version: {
            id: '1',
            platform: 'android',
            versionNo: '1.0.1',
            createdAt: c.at,
            updatedAt: c.at + 5,
            revision: 5,
          },
        })
        expect(updated.changes[0]).toMatchObject({
          type: 'update',
          previous: { platform: 'ios', revision: 1 },
        })
        expect(
          versionResult(
            (await store.apply(6, c.version({ op: 'update', id: 'nope', at: c.at }))).result,
          ),
        ).toMatchObject({ error: 'not_found' })
        expect(
          versionResult(
            (await store.apply(7, c.version({ op: 'delete', id: '1', ifRevision: 4 }))).result,
          ),
        ).toMatchObject({ error: 'revision_mismatch' })
        expect(
          versionResult(
            (await store.apply(8, c.version({ op: 'delete', id: '1', ifRevision: 5 }))).result,
          ),
        ).toMatchObject({ ok: true, version: { id: '1' } })
        expect(
          versionResult((await store.apply(9, c.version({ op: 'delete', id: '1' }))).result),
        ).toMatchObject({ error: 'not_found' })
        expect(await store.getVersion('1')).toBeUndefined()
      }))

    test('latest is the highest semantic version, not the highest string', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        const versions = [
          '1.9.0',
          '1.10.0',
          '1.10.0-rc.1',
          '1.2.0',
          '0.99.99',
          '1.10.0-rc.10',
          '1.10.0-rc.2',
        ]
        let index = 0
        for (const [i, v] of versions.entries())
          await store.apply(++index, c.add(`id${i}`, 'win', v))
        expect((await store.latestVersion('win'))?.versionNo).toBe('1.10.0')
        await store.apply(index + 1, c.add('pre', 'win', '2.0.0-beta.1'))
        expect((await store.latestVersion('win'))?.versionNo).toBe('2.0.0-beta.1')
        expect((await store.latestVersion('win', { includePrerelease: false }))?.versionNo).toBe(
          '1.10.0',
        )
        expect(await store.latestVersion('mac')).toBeUndefined()
        const all = await store.listVersions({ platform: 'win', limit: 100 })
        expect(all.items.map((v) => v.versionNo)).toEqual([
          '2.0.0-beta.1',
          '1.10.0',
          '1.10.0-rc.10',
          '1.10.0-rc.2',
          '1.10.0-rc.1',
          '1.9.0',
          '1.2.0',
          '0.99.99',
        ])
        expect(await store.platforms()).toEqual([{ platform: 'win', versions: 8 }])
      }))

    test('pages through versions with a cursor, across platforms, both orders', () =>
      withStore(async ({ store }) => {
        const c = new CommandMaker()
        let index = 0
        for (const platform of ['android', 'ios']) {
          for (let minor = 0; minor < 7; minor++)
            await store.apply(++index, c.add(`${platform}-${minor}`, platform, `1.${minor}.0`))
        }
        const seen: string[] = []
        let after
        do {
          const page = await store.listVersions({ limit: 3, after })
          seen.push(...page.items.map((v) => `${v.platform}@${v.versionNo}`))
          after = page.next
        } while (after !== undefined)
        expect(seen).toEqual([
          ...[6, 5, 4, 3, 2, 1, 0].map((m) => `android@1.${m}.0`),
          ...[6, 5, 4, 3, 2, 1, 0].map((m) => `ios@1.${m}.0`),
        ])
        const asc = await store.listVersions({ platform: 'ios', limit: 4, order: 'asc' })
        expect(asc.items.map((v) => v.versionNo)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0'])
        const next = await store.listVersions({
          platform: 'ios',
          limit: 4,
          order: 'asc',
          after: asc.next,
        })
        expect(next.items.map((v) => v.versionNo)).toEqual(['1.4.0', '1.5.0', '1.6.0'])
        expect(next.next).toBeUndefined()
      }))

    test('keeps change history for watchers, filtered by prefix or platform, and trims it', () =>
      withStore(
        async ({ store }) => {
          const c = new CommandMaker()
          await store.apply(1, c.put('app/a', '1'))
          await store.apply(2, c.put('other', '1'))
          await store.apply(3, c.add('v1', 'ios', '1.0.0'))
          await store.apply(4, c.version({ op: 'update', id: 'v1', platform: 'android', at: c.at }))
          await store.apply(5, c.del('app/a'))
          const kv = await store.changesSince(0, { kind: 'kv', prefix: 'app/' }, 100)
          expect(kv.changes.map((ch) => [ch.revision, ch.type])).toEqual([
            [1, 'put'],
            [5, 'delete'],
          ])
          const ios = await store.changesSince(0, { kind: 'version', platform: 'ios' }, 100)
          expect(ios.changes.map((ch) => [ch.revision, ch.type])).toEqual([
            [3, 'add'],
            [4, 'update'],
          ])
          const everything = await store.changesSince(
            2,
            { kind: 'version', platform: undefined },
            100,
          )
          expect(everything.changes.map((ch) => ch.revision)).toEqual([3, 4])
          expect(
            (await store.changesSince(3, { kind: 'version', platform: 'android' }, 1)).changes,
          ).toHaveLength(1)
          // Retention of 1000 entries: at index 2048 the first 1048 are trimmed.
          await store.apply(2048, c.put('app/late', 'x'))
          expect(store.changesFloor).toBe(1048)
          expect(await store.changesSince(0, { kind: 'kv', prefix: 'app/' }, 100)).toEqual({
            changes: [],
            compacted: true,
          })
          expect(
            (await store.changesSince(1048, { kind: 'kv', prefix: 'app/' }, 100)).changes.map(
              (ch) => ch.revision,
            ),
          ).toEqual([2048])
        },
        { changeRetentionEntries: 1000 },
      ))

    test('an entry that did not decode changes nothing but the applied index', () =>
      withStore(async ({ store }) => {
        const outcome = await store.apply(7, undefined)
        expect(outcome.result).toEqual({ t: 'invalid', message: 'entry is not a valid command' })
        expect(store.appliedIndex).toBe(7)
        await expect(store.apply(7, undefined)).rejects.toThrow(/out of order/)
      }))

    test('member records are stored and removed', () =>
      withStore(async ({ store }) => {
        await store.apply(1, {
          t: 'member',
          member: { id: 'n2', peerAddr: '127.0.0.1:1', clientUrl: 'http://a', promote: true },
        })
        await store.apply(2, {
          t: 'member',
          member: { id: 'n2', peerAddr: '127.0.0.1:2', clientUrl: 'http://b', promote: false },
        })
        await store.apply(3, {
          t: 'member',
          member: { id: 'n1', peerAddr: '127.0.0.1:3', clientUrl: 'http://c', promote: false },
        })
        expect(await store.members()).toEqual([
          { id: 'n1', peerAddr: '127.0.0.1:3', clientUrl: 'http://c', promote: false },
          { id: 'n2', peerAddr: '127.0.0.1:2', clientUrl: 'http://b', promote: false },
        ])
        await store.apply(4, { t: 'member-remove', id: 'n2' })
        expect((await store.members()).map((m) => m.id)).toEqual(['n1'])
      }))

    test('a restart keeps what was applied and where it stopped', async () => {
      const fixture = await factory({})
      try {
        const c = new CommandMaker()
        await fixture.store.apply(1, c.put('a', '1'))
        await fixture.store.apply(2, c.add('v', 'ios', '1.0.0'))
        const before = await fixture.store.digest()
        const reopened = await fixture.reopen()
        expect(reopened.appliedIndex).toBe(2)
        expect(await reopened.digest()).toBe(before)
        // The session table survived too: a retry after the restart is still a duplicate.
        const retried = await reopened.apply(3, {
          t: 'kv',
          command: { op: 'put', key: 'a', value: '1', clientId: c.clientId, seq: 1 },
        })
        expect(retried.changes).toEqual([])
      } finally {
        await fixture.teardown()
      }
    })

    test('a failure inside the transaction leaves neither the data nor the applied index behind', async () => {
      const faults = new FailNextQueryPlugin()
      const fixture = await factory({ faults })
      try {
        const c = new CommandMaker()
        await fixture.store.apply(1, c.put('a', '1'))
        faults.arm('registry_state')
        await expect(fixture.store.apply(2, c.put('b', '2'))).rejects.toThrow(/injected failure/)
        expect(fixture.store.appliedIndex).toBe(1)
        expect(await fixture.store.getKv('b')).toBeUndefined()
        const reopened = await fixture.reopen()
        expect(reopened.appliedIndex).toBe(1)
        expect(await reopened.getKv('b')).toBeUndefined()
        expect(
          (await reopened.changesSince(0, { kind: 'kv', prefix: '' }, 10)).changes,
        ).toHaveLength(1)
      } finally {
        await fixture.teardown()
      }
    })

    test('a batch of entries commits together, or not at all', async () => {
      const faults = new FailNextQueryPlugin()
      const fixture = await factory({ faults })
      try {
        const c = new CommandMaker()
        const outcomes = await fixture.store.applyBatch([
          { index: 1, command: c.put('a', '1') },
          { index: 2, command: c.add('v', 'ios', '1.0.0') },
          { index: 4, command: c.cas('a', '1', '2') },
        ])
        expect(outcomes.map((o) => o.result.t)).toEqual(['kv', 'version', 'kv'])
        expect(fixture.store.appliedIndex).toBe(4)
        expect((await fixture.store.getKv('a'))?.value).toBe('2')
        faults.arm('registry_state')
        await expect(
          fixture.store.applyBatch([
            { index: 5, command: c.put('b', '1') },
            { index: 6, command: c.put('c', '1') },
          ]),
        ).rejects.toThrow(/injected/)
        expect(fixture.store.appliedIndex).toBe(4)
        expect(await fixture.store.getKv('b')).toBeUndefined()
        await expect(
          fixture.store.applyBatch([
            { index: 7, command: undefined },
            { index: 7, command: undefined },
          ]),
        ).rejects.toThrow(/out of order/)
        const reopened = await fixture.reopen()
        expect(reopened.appliedIndex).toBe(4)
      } finally {
        await fixture.teardown()
      }
    })

    test('a snapshot restores into a fresh store and replaces existing state', async () => {
      const source = await factory({})
      const target = await factory({})
      try {
        const c = new CommandMaker()
        await source.store.apply(1, c.put('k1', 'v1', { expiresAt: 99_999, at: 1 }))
        await source.store.apply(2, c.put('ключ', 'значение'))
        await source.store.apply(3, c.add('v1', 'ios', '1.0.0-rc.1+b.2'))
        await source.store.apply(4, {
          t: 'member',
          member: { id: 'n1', peerAddr: 'h:1', clientUrl: 'http://h', promote: false },
        })
        const other = new CommandMaker('other')
        await target.store.apply(1, other.put('gone', 'x'))
        await target.store.apply(2, other.add('gone', 'mac', '9.9.9'))
        await target.store.restore(await source.store.snapshot())
        expect(target.store.appliedIndex).toBe(4)
        expect(await target.store.digest()).toBe(await source.store.digest())
        expect(await target.store.getKv('gone')).toBeUndefined()
        expect(await target.store.getKv('ключ')).toEqual({
          key: 'ключ',
          value: 'значение',
          revision: 2,
        })
        expect((await target.store.latestVersion('ios'))?.versionNo).toBe('1.0.0-rc.1+b.2')
        expect(target.store.changesFloor).toBe(4)
        // The restored sessions still recognise the source client's retry.
        const retried = await target.store.apply(5, {
          t: 'kv',
          command: { op: 'put', key: 'ключ', value: 'значение', clientId: c.clientId, seq: 2 },
        })
        expect(retried.changes).toEqual([])
        const reopened = await target.reopen()
        expect(reopened.appliedIndex).toBe(5)
      } finally {
        await source.teardown()
        await target.teardown()
      }
    })

    test('rejects a corrupt snapshot without touching the state', () =>
      withStore(async ({ store }) => {
        await store.apply(1, new CommandMaker().put('a', '1'))
        await expect(store.restore(new TextEncoder().encode('{"format":"nope"}'))).rejects.toThrow(
          /format/,
        )
        expect(await store.getKv('a')).toMatchObject({ value: '1' })
        expect(store.appliedIndex).toBe(1)
      }))
  })
}

function versionResult(result: RegistryResult): VersionResult {
  if (result.t !== 'version')
    throw new Error(`expected a version result, got ${JSON.stringify(result)}`)
  return result.result
}
