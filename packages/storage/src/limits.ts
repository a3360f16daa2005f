/**
 * Every bound of the storage package, named in one place (units last). A value here is either a
 * default the caller may override through `FileLogStoreOptions`, or a hard limit whose breach is
 * a caller bug.
 */
export const limits = {
  /** Default size at which the WAL starts a new segment file. */
  segmentBytesMaxDefault: 64 * 1024 * 1024,
  /** Smallest segment size accepted (tests use tiny segments to force rollover). */
  segmentBytesMin: 4 * 1024,
  /** Largest segment size accepted; record headers store offsets within a segment as u32. */
  segmentBytesMaxLimit: 1024 * 1024 * 1024,
  /** Coalesced appends stop growing one write (and its single fdatasync) past this size. */
  groupWriteBytesMax: 16 * 1024 * 1024,
  /** An append's entries are split into records of about this payload size. */
  entryRecordPayloadBytesTarget: 1024 * 1024,
  /** Largest record payload (a single huge entry may take one record alone). */
  recordPayloadBytesMax: 512 * 1024 * 1024,
  /** Appends and snapshot saves waiting for the writer; more means the caller is not awaiting. */
  pendingOperationsMax: 100_000,
  /** Snapshot files kept: the newest and one previous, for an operator's second chance. */
  snapshotFilesRetainedDefault: 2,
  /** Node ids are short names; this bounds a corrupt length field before it allocates. */
  nodeIdBytesMax: 1024,
  /** Voters plus learners in one configuration. */
  configMembersMax: 10_000,
} as const
