/**
 * @module @raftkit/storage — durable storage for raftkit nodes (Node only).
 *
 * `FileLogStore` is a segmented, checksummed write-ahead log with group commit, plus atomic
 * snapshot files; `MemoryLogStore` is the in-memory reference with the same behaviour. Both
 * implement the `LogStore` port and pass the contract suite in `@raftkit/storage/testing`.
 */
export type { LogStore, LogStoreStats } from './log-store.js'
export { FileLogStore, type FileLogStoreOptions, type FileLogStoreStats } from './file-log-store.js'
export { MemoryLogDisk, MemoryLogStore, type MemoryLogStoreOptions } from './memory-log-store.js'
export {
  SnapshotCorruptionError,
  StorageCorruptionError,
  StorageFailedError,
  StoreClosedError,
  WalCorruptionError,
} from './errors.js'
export { nodeFileSystem, type OpenMode, type StorageFile, type StorageFileSystem } from './file-system.js'
export { latencyBucketUpperBoundsMs, latencyQuantileMs, type LatencySummary } from './latency-histogram.js'
export { crc32c } from './crc32c.js'
export { limits as storageLimits } from './limits.js'
