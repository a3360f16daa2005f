import { Decoder, Encoder } from '@msgpack/msgpack'
import { unreachable, type Entry, type Message } from '@raftkit/raft'
import { defaultTransportLimits } from './limits.js'
import { validateMessage, type BytesReader, type ValidationLimits } from './validate.js'

/**
 * Message ⇄ bytes. Two codecs: `msgpack` (the default: compact, and bytes stay bytes) and `json`
 * (readable in a packet capture; bytes travel as base64). The connecting side names its codec in
 * the handshake, so the two ends of a cluster need not agree.
 */
export type CodecName = 'msgpack' | 'json'

export const codecNames: readonly CodecName[] = ['msgpack', 'json']

/**
 * `undecodable`: the bytes are not MessagePack / UTF-8 JSON at all. `invalid`: they decode, but
 * not to a well-formed `Message`. Either way the connection that carried them is closed.
 */
export type DecodeErrorKind = 'undecodable' | 'invalid'

export type DecodeResult =
  | { readonly ok: true; readonly message: Message }
  | { readonly ok: false; readonly error: DecodeErrorKind; readonly reason: string }

export interface Codec {
  readonly name: CodecName
  /** Returns the encoded message in a fresh buffer. */
  encode(message: Message): Uint8Array
  /**
   * Like `encode`, but the result may be a view into the codec's own buffer that the next call
   * overwrites: copy it (as framing does) before encoding again. Saves one copy per message.
   */
  encodeShared(message: Message): Uint8Array
  /** Decodes and strictly validates one payload. Never throws, whatever the bytes. */
  decode(payload: Uint8Array): DecodeResult
}

/** Creates a codec. Each instance owns its buffers, so use one per transport. */
export function createCodec(name: CodecName, limits: Partial<ValidationLimits> = {}): Codec {
  const validation: ValidationLimits = {
    nodeIdLengthMax: limits.nodeIdLengthMax ?? defaultTransportLimits.nodeIdLengthMax,
    snapshotBytesMax: limits.snapshotBytesMax ?? defaultTransportLimits.snapshotBytesMax,
  }
  return name === 'msgpack' ? msgpackCodec(validation) : jsonCodec(validation)
}

function msgpackCodec(limits: ValidationLimits): Codec {
  // `undefined` becomes nil, so ReadIndexReply keeps its `index` key.
  const encoder = new Encoder({ ignoreUndefined: false, initialBufferSize: 64 << 10 })
  // The frame limit already bounds the input; these bounds stop a tiny header that claims a huge
  // array or map from costing anything before the decoder finds the bytes are not there.
  const decoder = new Decoder({
    maxStrLength: 64 << 10,
    maxMapLength: 64,
    maxExtLength: 0,
    maxBinLength: 0xffff_ffff,
    maxArrayLength: 0xffff_ffff,
  })
  // A decoded bin is a view into the frame, which is a view into a 64 KiB socket read. Copy it:
  // an entry the log keeps for hours must not pin the whole read it arrived in.
  const readBytes: BytesReader = (value) =>
    value instanceof Uint8Array ? copyBytes(value) : undefined
  return {
    name: 'msgpack',
    encode: (message) => encoder.encode(canonicalMessage(message)),
    encodeShared: (message) => encoder.encodeSharedRef(canonicalMessage(message)),
    decode(payload) {
      let value: unknown
      try {
        value = decoder.decode(payload)
      } catch (error) {
        return { ok: false, error: 'undecodable', reason: `msgpack: ${errorText(error)}` }
      }
      return validated(value, readBytes, limits)
    },
  }
}

function jsonCodec(limits: ValidationLimits): Codec {
  const textEncoder = new TextEncoder()
  const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const encode = (message: Message): Uint8Array =>
    textEncoder.encode(JSON.stringify(canonicalMessage(message), bytesAsBase64))
  return {
    name: 'json',
    encode,
    encodeShared: encode,
    decode(payload) {
      let value: unknown
      try {
        value = JSON.parse(textDecoder.decode(payload))
      } catch (error) {
        return { ok: false, error: 'undecodable', reason: `json: ${errorText(error)}` }
      }
      return validated(value, readBase64, limits)
    },
  }
}

function validated(value: unknown, readBytes: BytesReader, limits: ValidationLimits): DecodeResult {
  const result = validateMessage(value, readBytes, limits)
  return result.ok ? result : { ok: false, error: 'invalid', reason: result.reason }
}

/** JSON.stringify replacer: the holder's raw value is checked, since a Buffer has its own toJSON. */
function bytesAsBase64(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key]
  if (!(raw instanceof Uint8Array)) return value
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Strict base64 (Buffer.from alone skips characters it does not know). */
function readBase64(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || !base64Pattern.test(value)) return undefined
  const buffer = Buffer.from(value, 'base64')
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

/**
 * Copies bytes out of a frame. Small copies come from Node's shared allocation pool (cheap; a
 * fresh ArrayBuffer per entry costs more than decoding it), returned as a plain Uint8Array.
 */
function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(bytes.byteLength)
  copy.set(bytes)
  return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength)
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200)
}

/**
 * A copy of the message with exactly the fields of its variant, so nothing else the caller's
 * object carries goes on the wire (and the strict decoder at the other end accepts it). The
 * object literals are typed: add a field to a message and this function stops compiling.
 */
export function canonicalMessage(m: Message): Message {
  const { from, to, term } = m
  switch (m.type) {
    case 'RequestVote': {
      const { preVote, lastLogIndex, lastLogTerm, transfer } = m
      return { type: m.type, from, to, term, preVote, lastLogIndex, lastLogTerm, transfer }
    }
    case 'RequestVoteReply':
      return { type: m.type, from, to, term, preVote: m.preVote, granted: m.granted }
    case 'AppendEntries': {
      const { prevLogIndex, prevLogTerm, leaderCommit } = m
      const entries = m.entries.map(canonicalEntry)
      return { type: m.type, from, to, term, prevLogIndex, prevLogTerm, entries, leaderCommit }
    }
    case 'AppendEntriesReply': {
      const { success, matchIndex, rejectedIndex, hintIndex, hintTerm } = m
      return {
        type: m.type,
        from,
        to,
        term,
        success,
        matchIndex,
        rejectedIndex,
        hintIndex,
        hintTerm,
      }
    }
    case 'Heartbeat':
      return { type: m.type, from, to, term, commit: m.commit, readContext: m.readContext }
    case 'HeartbeatReply':
      return { type: m.type, from, to, term, readContext: m.readContext }
    case 'Propose':
      return { type: m.type, from, to, term, commands: m.commands }
    case 'InstallSnapshot': {
      const { snapshotIndex, snapshotTerm, offset, totalBytes, chunk } = m
      const config = { voters: m.config.voters, learners: m.config.learners }
      return {
        type: m.type,
        from,
        to,
        term,
        snapshotIndex,
        snapshotTerm,
        config,
        offset,
        totalBytes,
        chunk,
      }
    }
    case 'InstallSnapshotReply': {
      const { snapshotIndex, receivedBytes, done } = m
      return { type: m.type, from, to, term, snapshotIndex, receivedBytes, done }
    }
    case 'TimeoutNow':
      return { type: m.type, from, to, term }
    case 'ReadIndexRequest':
      return { type: m.type, from, to, term, requestId: m.requestId }
    case 'ReadIndexReply':
      return { type: m.type, from, to, term, requestId: m.requestId, index: m.index }
    default:
      return unreachable(m)
  }
}

function canonicalEntry(entry: Entry): Entry {
  const { term, index } = entry
  switch (entry.kind) {
    case 'command':
      return { kind: entry.kind, term, index, data: entry.data }
    case 'noop':
      return { kind: entry.kind, term, index }
    case 'config':
      return {
        kind: entry.kind,
        term,
        index,
        config: { voters: entry.config.voters, learners: entry.config.learners },
      }
    default:
      return unreachable(entry)
  }
}
