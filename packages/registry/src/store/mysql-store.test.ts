import { describe, test } from 'vitest'
import { freshMysqlDatabaseUrl, mysqlUnavailableReason } from '../testing/services.js'
import { runStoreContract } from '../testing/store-contract.js'
import { dropMysqlDatabase, openMysqlStore } from './open-store.js'
import type { RegistryStore } from './registry-store.js'

const unavailable = await mysqlUnavailableReason()

if (unavailable !== undefined) {
  console.warn(`skipping the MariaDB store contract: ${unavailable}`)
  describe('store contract: MariaDB', () => {
    test.skip(`skipped: ${unavailable}`, () => {})
  })
} else {
  runStoreContract('MariaDB', async (options) => {
    const url = freshMysqlDatabaseUrl('store')
    const open = (): Promise<RegistryStore> =>
      openMysqlStore(url, { ...options, plugins: options.faults ? [options.faults] : [] })
    let current = await open()
    return {
      get store() {
        return current
      },
      async reopen() {
        await current.close()
        current = await open()
        return current
      },
      async teardown() {
        await current.close().catch(() => {})
        await dropMysqlDatabase(url)
      },
    }
  })
}
