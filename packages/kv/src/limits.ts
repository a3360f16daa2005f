/**
 * The limits of the key-value state machine, named in one place (TIGER_STYLE: put a limit on
 * everything). A command beyond them is rejected when it is decoded, deterministically on every
 * replica, so it changes nothing.
 */
export const kvLimits = {
  /** Keys are a URL path segment in the HTTP API, up to 1 KiB (SPEC.md). */
  keyBytesMax: 1024,
  /** Values are strings; a megabyte keeps one entry well inside the core's message batches. */
  valueBytesMax: 1 << 20,
  /** Client ids name a session; they come from clients, so they are bounded too. */
  clientIdBytesMax: 128,
  /**
   * Exactly-once sessions kept at a time (Raft thesis §6.3). Past it, the least recently used
   * session is evicted; a retry from an evicted client can then be applied a second time, so the
   * bound must exceed the number of clients that are active within a retry window.
   */
  sessionsMax: 10_000,
} as const
