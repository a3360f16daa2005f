import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStoreContract } from '../testing/store-contract.js'
import { openSqliteStore } from './open-store.js'
import type { RegistryStore } from './registry-store.js'

runStoreContract('SQLite', async (options) => {
  const directory = await mkdtemp(join(tmpdir(), 'raftkit-sqlite-store-'))
  const path = join(directory, 'state.sqlite')
  const open = (): Promise<RegistryStore> =>
    openSqliteStore(path, { ...options, plugins: options.faults ? [options.faults] : [] })
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
      await rm(directory, { recursive: true, force: true })
    },
  }
})
