import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { CommandMaker } from '../testing/commands.js'
import { freshMysqlDatabaseUrl, mysqlUnavailableReason } from '../testing/services.js'
import { dropMysqlDatabase, openMysqlStore, openSqliteStore } from './open-store.js'

const unavailable = await mysqlUnavailableReason()
if (unavailable !== undefined)
  console.warn(`skipping the SQLite ↔ MariaDB snapshot test: ${unavailable}`)

test.skipIf(unavailable !== undefined)(
  'a snapshot taken from SQLite restores into MariaDB and back, byte for byte',
  async () => {
    const directory = await mkdtemp(join(tmpdir(), 'raftkit-cross-'))
    const url = freshMysqlDatabaseUrl('cross')
    const sqlite = await openSqliteStore(join(directory, 's.sqlite'))
    const mysql = await openMysqlStore(url)
    try {
      const c = new CommandMaker()
      let index = 0
      for (let i = 0; i < 300; i++) {
        await sqlite.apply(
          ++index,
          c.put(
            `key/${i}/ü`,
            `value ${i}`,
            i % 7 === 0 ? { expiresAt: 10_000_000 + i, at: 1 } : {},
          ),
        )
        if (i % 3 === 0)
          await sqlite.apply(++index, c.add(`id-${i}`, `p${i % 4}`, `${i % 5}.${i}.0-rc.${i % 3}`))
      }
      await sqlite.apply(++index, {
        t: 'member',
        member: { id: 'n1', peerAddr: 'a:1', clientUrl: 'http://a', promote: false },
      })
      const fromSqlite = await sqlite.snapshot()
      await mysql.restore(fromSqlite)
      expect(Buffer.from(await mysql.snapshot()).equals(Buffer.from(fromSqlite))).toBe(true)
      expect((await mysql.latestVersion('p1'))?.id).toBe((await sqlite.latestVersion('p1'))?.id)
      // And further commands give the same results on both.
      const more = [
        c.put('key/1/ü', 'changed'),
        c.add('late', 'p0', '99.0.0'),
        c.cas('key/2/ü', 'value 2', 'swapped'),
      ]
      for (const command of more) {
        ++index
        expect((await mysql.apply(index, command)).result).toEqual(
          (await sqlite.apply(index, command)).result,
        )
      }
      expect(await mysql.digest()).toBe(await sqlite.digest())
      const back = await openSqliteStore(join(directory, 'back.sqlite'))
      await back.restore(await mysql.snapshot())
      expect(await back.digest()).toBe(await sqlite.digest())
      await back.close()
    } finally {
      await sqlite.close()
      await mysql.close()
      await dropMysqlDatabase(url)
      await rm(directory, { recursive: true, force: true })
    }
  },
)
