/**
 * The limits of the registry's state machine, named in one place. A command beyond them is
 * rejected when it is decoded, the same way on every replica, so it changes nothing.
 */
export const registryLimits = {
  /** Keys are a URL path segment in the HTTP API, up to 1 KiB of UTF-8 (SPEC.md). */
  keyBytesMax: 1024,
  /** A megabyte keeps one entry well inside the core's message batches. */
  valueBytesMax: 1 << 20,
  /** Client ids name an exactly-once session. */
  clientIdBytesMax: 128,
  /** Exactly-once sessions kept (least recently used evicted), as in @raftkit/kv. */
  sessionsMax: 10_000,
  /** Version ids: a snowflake (19-20 digits) or a caller's own id. */
  versionIdLengthMax: 64,
  /** Platform names: a URL path segment in `/v1/platforms/{platform}/latest`. */
  platformLengthMax: 64,
  /** Version numbers, e.g. `1.2.3-rc.1+build.5`. */
  versionNoLengthMax: 128,
  /**
   * Log indexes of change history kept for watchers that resume after a reconnect. Older
   * changes are trimmed; a watcher asking for them is told to re-read instead.
   */
  changeRetentionEntries: 100_000,
} as const
