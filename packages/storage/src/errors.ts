/**
 * Storage errors. None of them is an "expected failure" in STYLE §7's sense: each one means the
 * node cannot safely go on, and the caller stops (fail-stop) and tells an operator.
 */

/**
 * Stored bytes that recovery refuses to interpret: damage that cannot be a torn final write, so
 * cutting it off could drop acknowledged (possibly committed) records. Names the file and the
 * byte offset where the damage starts.
 */
export class StorageCorruptionError extends Error {
  override readonly name: string = 'StorageCorruptionError'
  /** The damaged file, as a full path. */
  readonly file: string
  /** Byte offset in `file` where the damage starts. */
  readonly offset: number
  /** What is wrong, in words. */
  readonly reason: string

  constructor(file: string, offset: number, reason: string) {
    super(`${reason} (file ${file}, byte offset ${offset})`)
    this.file = file
    this.offset = offset
    this.reason = reason
  }
}

/** Damage in a write-ahead-log segment that is not a torn tail of the last segment. */
export class WalCorruptionError extends StorageCorruptionError {
  override readonly name: string = 'WalCorruptionError'
}

/** A snapshot file whose header, metadata or data fails its checksum or does not match its name. */
export class SnapshotCorruptionError extends StorageCorruptionError {
  override readonly name: string = 'SnapshotCorruptionError'
}

/**
 * A write, fsync, rename or unlink failed. The store refuses all further work: after a failed
 * fsync the kernel may have dropped the dirty pages, so retrying could report durability for
 * data that is gone ("fsyncgate", PostgreSQL 2018). `cause` holds the original error.
 */
export class StorageFailedError extends Error {
  override readonly name: string = 'StorageFailedError'
  constructor(message: string, options: { cause: unknown }) {
    super(message, options)
  }
}

/** An operation on a store after `close()` was called. */
export class StoreClosedError extends Error {
  override readonly name: string = 'StoreClosedError'
  constructor() {
    super('the log store is closed')
  }
}
