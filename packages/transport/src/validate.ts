import type { ClusterConfig, Entry, Message, NodeId } from '@raftkit/raft'

/**
 * The strict shape check of every decoded message: the boundary between untrusted bytes and the
 * Raft core. It builds a fresh message from the fields it checked, so nothing it did not check
 * (an extra field, an inherited property) can reach the core, and it refuses what the core would
 * otherwise assert on (non-contiguous entries, terms that go backwards), because a peer's bad
 * frame must close that connection, never stop this node.
 *
 * Hand-written rather than schema-driven: this runs for every message on the hot path, and it
 * allocates nothing beyond the message it returns.
 */

/** Limits the validator applies to a message's contents. */
export interface ValidationLimits {
  readonly nodeIdLengthMax: number
  readonly snapshotBytesMax: number
}

/** How a codec represents bytes (a msgpack bin is a Uint8Array, JSON uses base64 text). */
export type BytesReader = (value: unknown) => Uint8Array | undefined

export type ValidationResult =
  { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly reason: string }

/** Validates a decoded value as a `Message`. Never throws on any input. */
export function validateMessage(
  value: unknown,
  readBytes: BytesReader,
  limits: ValidationLimits,
): ValidationResult {
  try {
    return { ok: true, message: readMessage(value, new Reader(readBytes, limits)) }
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.reason }
    // The validator reads plain data only, so anything else is unexpected; still a rejection.
    return { ok: false, reason: `unexpected ${String(error)}` }
  }
}

/** Thrown inside the validator and turned into a result at its edge; not an Error, so no stack. */
class Invalid {
  readonly reason: string
  constructor(reason: string) {
    this.reason = reason
  }
  within(prefix: string): Invalid {
    return new Invalid(`${prefix}.${this.reason}`)
  }
}

type Fields = Record<string, unknown>

class Reader {
  readonly readBytes: BytesReader
  readonly limits: ValidationLimits
  constructor(readBytes: BytesReader, limits: ValidationLimits) {
    this.readBytes = readBytes
    this.limits = limits
  }

  /** A plain object: no array, no bytes, no class instance, no foreign prototype. */
  record(value: unknown, what: string): Fields {
    if (
      typeof value !== 'object' ||
      value === null ||
      Object.getPrototypeOf(value) !== Object.prototype
    ) {
      throw new Invalid(`${what}: expected an object`)
    }
    return value as Fields
  }

  /**
   * Checks that a record has exactly `count` own keys. Each field read proves one expected key is
   * there, so with the count right there is nothing else (no extra field, no `__proto__`).
   */
  keys(fields: Fields, count: number, what: string): void {
    let keys = 0
    for (const key in fields) if (Object.hasOwn(fields, key)) keys++
    if (keys !== count) throw new Invalid(`${what}: expected ${count} fields, got ${keys}`)
  }

  nodeId(value: unknown, what: string): NodeId {
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > this.limits.nodeIdLengthMax
    ) {
      throw new Invalid(`${what}: expected a node id`)
    }
    return value
  }

  /** A term, an index, a byte count or an id: a non-negative safe integer. */
  count(fields: Fields, key: string): number {
    const value = fields[key]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new Invalid(`${key}: expected a non-negative integer`)
    }
    return value + 0 // normalizes -0
  }

  flag(fields: Fields, key: string): boolean {
    const value = fields[key]
    if (typeof value !== 'boolean') throw new Invalid(`${key}: expected a boolean`)
    return value
  }

  bytes(value: unknown, key: string): Uint8Array {
    const bytes = this.readBytes(value)
    if (bytes === undefined) throw new Invalid(`${key}: expected bytes`)
    return bytes
  }

  list(fields: Fields, key: string, what: string = key): readonly unknown[] {
    const value = fields[key]
    if (!Array.isArray(value)) throw new Invalid(`${what}: expected an array`)
    return value
  }
}

function readMessage(value: unknown, r: Reader): Message {
  // The envelope is read once, up front; each variant then checks its exact field count. Object
  // literals are built whole (no spreads): this function is the hottest in the receive path.
  const f = r.record(value, 'message')
  const type = f['type']
  const from = r.nodeId(f['from'], 'from')
  const to = r.nodeId(f['to'], 'to')
  const term = r.count(f, 'term')
  switch (type) {
    case 'RequestVote':
      r.keys(f, 8, type)
      return {
        type,
        from,
        to,
        term,
        preVote: r.flag(f, 'preVote'),
        lastLogIndex: r.count(f, 'lastLogIndex'),
        lastLogTerm: r.count(f, 'lastLogTerm'),
        transfer: r.flag(f, 'transfer'),
      }
    case 'RequestVoteReply':
      r.keys(f, 6, type)
      return { type, from, to, term, preVote: r.flag(f, 'preVote'), granted: r.flag(f, 'granted') }
    case 'AppendEntries':
      r.keys(f, 8, type)
      return readAppendEntries(f, r, from, to, term)
    case 'AppendEntriesReply':
      r.keys(f, 9, type)
      return {
        type,
        from,
        to,
        term,
        success: r.flag(f, 'success'),
        matchIndex: r.count(f, 'matchIndex'),
        rejectedIndex: r.count(f, 'rejectedIndex'),
        hintIndex: r.count(f, 'hintIndex'),
        hintTerm: r.count(f, 'hintTerm'),
      }
    case 'Heartbeat':
      r.keys(f, 6, type)
      return {
        type,
        from,
        to,
        term,
        commit: r.count(f, 'commit'),
        readContext: r.count(f, 'readContext'),
      }
    case 'HeartbeatReply':
      r.keys(f, 5, type)
      return { type, from, to, term, readContext: r.count(f, 'readContext') }
    case 'Propose': {
      r.keys(f, 5, type)
      const commands = r.list(f, 'commands').map((command) => r.bytes(command, 'commands[]'))
      return { type, from, to, term, commands }
    }
    case 'InstallSnapshot':
      r.keys(f, 10, type)
      return readInstallSnapshot(f, r, from, to, term)
    case 'InstallSnapshotReply':
      r.keys(f, 7, type)
      return {
        type,
        from,
        to,
        term,
        snapshotIndex: r.count(f, 'snapshotIndex'),
        receivedBytes: r.count(f, 'receivedBytes'),
        done: r.flag(f, 'done'),
      }
    case 'TimeoutNow':
      r.keys(f, 4, type)
      return { type, from, to, term }
    case 'ReadIndexRequest':
      r.keys(f, 5, type)
      return { type, from, to, term, requestId: r.count(f, 'requestId') }
    case 'ReadIndexReply': {
      // `index` is undefined when the leader refuses: JSON leaves the key out, msgpack sends nil.
      const raw = f['index']
      r.keys(f, Object.hasOwn(f, 'index') ? 6 : 5, type)
      const index = raw === undefined || raw === null ? undefined : r.count(f, 'index')
      return { type, from, to, term, requestId: r.count(f, 'requestId'), index }
    }
    default:
      throw new Invalid(`type: unknown message type ${JSON.stringify(String(type)).slice(0, 64)}`)
  }
}

/**
 * Entries must continue the log right after (prevLogIndex, prevLogTerm), one index at a time,
 * with terms that never go backwards and never pass the leader's term: the shape every leader
 * sends (§5.3), and the one the core's log asserts when it appends.
 */
function readAppendEntries(f: Fields, r: Reader, from: NodeId, to: NodeId, term: number): Message {
  const prevLogIndex = r.count(f, 'prevLogIndex')
  const prevLogTerm = r.count(f, 'prevLogTerm')
  if (prevLogTerm > term) throw new Invalid('prevLogTerm: beyond the message term')
  const raw = r.list(f, 'entries')
  const entries: Entry[] = new Array<Entry>(raw.length)
  let previousTerm = prevLogTerm
  for (let i = 0; i < raw.length; i++) {
    let entry: Entry
    try {
      entry = readEntry(raw[i], r)
    } catch (error) {
      throw error instanceof Invalid ? error.within(`entries[${i}]`) : error
    }
    if (entry.index !== prevLogIndex + 1 + i) {
      throw new Invalid(`entries[${i}].index: expected ${prevLogIndex + 1 + i}, got ${entry.index}`)
    }
    if (entry.term < previousTerm || entry.term > term) {
      throw new Invalid(`entries[${i}].term: ${entry.term} out of order`)
    }
    previousTerm = entry.term
    entries[i] = entry
  }
  const leaderCommit = r.count(f, 'leaderCommit')
  return { type: 'AppendEntries', from, to, term, prevLogIndex, prevLogTerm, entries, leaderCommit }
}

function readEntry(value: unknown, r: Reader): Entry {
  const f = r.record(value, 'entry')
  const kind = f['kind']
  switch (kind) {
    case 'command':
      r.keys(f, 4, 'entry')
      return {
        kind,
        term: r.count(f, 'term'),
        index: r.count(f, 'index'),
        data: r.bytes(f['data'], 'data'),
      }
    case 'noop':
      r.keys(f, 3, 'entry')
      return { kind, term: r.count(f, 'term'), index: r.count(f, 'index') }
    case 'config':
      r.keys(f, 4, 'entry')
      return {
        kind,
        term: r.count(f, 'term'),
        index: r.count(f, 'index'),
        config: readConfig(f['config'], r),
      }
    default:
      throw new Invalid('kind: expected command, noop or config')
  }
}

/** A configuration names each member once: as a voter or as a learner, never both. */
function readConfig(value: unknown, r: Reader): ClusterConfig {
  const f = r.record(value, 'config')
  r.keys(f, 2, 'config')
  const seen = new Set<NodeId>()
  const members = (key: 'voters' | 'learners'): NodeId[] =>
    r.list(f, key, `config.${key}`).map((id, i) => {
      const member = r.nodeId(id, `config.${key}[${i}]`)
      if (seen.has(member)) throw new Invalid(`config.${key}[${i}]: duplicate member`)
      seen.add(member)
      return member
    })
  return { voters: members('voters'), learners: members('learners') }
}

/** A chunk lies inside the snapshot it belongs to, and the snapshot is of a size we accept. */
function readInstallSnapshot(
  f: Fields,
  r: Reader,
  from: NodeId,
  to: NodeId,
  term: number,
): Message {
  const snapshotIndex = r.count(f, 'snapshotIndex')
  const snapshotTerm = r.count(f, 'snapshotTerm')
  if (snapshotTerm > term) throw new Invalid('snapshotTerm: beyond the message term')
  const offset = r.count(f, 'offset')
  const totalBytes = r.count(f, 'totalBytes')
  const chunk = r.bytes(f['chunk'], 'chunk')
  if (totalBytes > r.limits.snapshotBytesMax) {
    throw new Invalid(`totalBytes: ${totalBytes} over the limit of ${r.limits.snapshotBytesMax}`)
  }
  if (offset + chunk.byteLength > totalBytes) throw new Invalid('chunk: extends past totalBytes')
  const config = readConfig(f['config'], r)
  const type = 'InstallSnapshot'
  return { type, from, to, term, snapshotIndex, snapshotTerm, config, offset, totalBytes, chunk }
}
