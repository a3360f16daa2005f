/**
 * @module @raftkit/storage/testing — the LogStore contract suite and store fixtures, for tests
 * only (they import vitest).
 */
export {
  command,
  commands,
  configEntry,
  hardState,
  noop,
  runLogStoreContract,
  snapshot,
  type LogStoreFixture,
} from './log-store-contract.js'
export {
  fileLogStoreFixture,
  memoryLogStoreFixture,
  type FileLogStoreFixture,
  type MemoryLogStoreFixture,
} from './fixtures.js'
