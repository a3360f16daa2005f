import { createHmac, timingSafeEqual } from 'node:crypto'
import type { NodeId } from '@raftkit/raft'
import { codecNames, type CodecName } from './codec.js'

/**
 * The frames of the connection handshake, and the HMAC proofs inside them. Handshake frames use
 * the same framing as messages, with a small JSON payload, whatever codec the connection then
 * uses: the handshake is where the codec is chosen, and it is rare enough that size is no issue.
 *
 *     client (connecting side)                 server (accepting side)
 *     hello {version, clusterId, from, to, codec, nonceC}  →
 *                                              ←  welcome {version, from, to, nonceS, proofS}
 *     proof {proofC}                           →
 *                                              ←  accept
 *     …then only messages, client → server.
 *
 * Either side may answer with `reject {reason}` and close instead.
 *
 * With a cluster secret, proofS = HMAC-SHA256(secret, transcript("server")) and proofC the same
 * over transcript("client"). The transcript binds both nonces (fresh per connection, so a proof
 * cannot be replayed), both node ids (so a proof for one pair cannot be used for another), the
 * cluster id, the codec and the role (so the server's proof cannot be reflected back as the
 * client's). Without a secret both proofs are null and the hello merely names the sender.
 */
export const protocolName = 'raftkit-peer'
export const protocolVersion = 1
export const nonceBytes = 32

/** Why a handshake failed; also the `reason` of a reject frame. */
export type HandshakeFailure =
  | 'protocol-mismatch'
  | 'cluster-mismatch'
  | 'wrong-target'
  | 'wrong-peer'
  | 'self-connection'
  | 'auth-required'
  | 'auth-failed'
  | 'unexpected-frame'
  | 'malformed'
  | 'rejected-by-peer'
  | 'timeout'

const failureNames: ReadonlySet<string> = new Set<HandshakeFailure>([
  'protocol-mismatch',
  'cluster-mismatch',
  'wrong-target',
  'wrong-peer',
  'self-connection',
  'auth-required',
  'auth-failed',
  'unexpected-frame',
  'malformed',
  'rejected-by-peer',
  'timeout',
])

export interface Hello {
  readonly kind: 'hello'
  readonly protocol: string
  readonly version: number
  readonly clusterId: string | null
  readonly from: NodeId
  readonly to: NodeId
  readonly codec: CodecName
  readonly nonce: string
}

export interface Welcome {
  readonly kind: 'welcome'
  readonly version: number
  readonly from: NodeId
  readonly to: NodeId
  readonly nonce: string
  readonly proof: string | null
}

export interface Proof {
  readonly kind: 'proof'
  readonly proof: string | null
}

export interface Accept {
  readonly kind: 'accept'
}

export interface Reject {
  readonly kind: 'reject'
  readonly reason: HandshakeFailure
}

export type HandshakeFrame = Hello | Welcome | Proof | Accept | Reject

export function encodeHandshakeFrame(frame: HandshakeFrame): Uint8Array {
  return Buffer.from(JSON.stringify(frame), 'utf8')
}

/** Parses a handshake payload strictly; undefined for anything that is not exactly one frame. */
export function decodeHandshakeFrame(
  payload: Uint8Array,
  idLengthMax: number,
): HandshakeFrame | undefined {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const f = value as Record<string, unknown>
  const keys = Object.keys(f).length
  const text = (key: string, max: number): boolean =>
    typeof f[key] === 'string' && (f[key] as string).length > 0 && (f[key] as string).length <= max
  const nullableText = (key: string, max: number): boolean => f[key] === null || text(key, max)
  const version = (): boolean => Number.isSafeInteger(f['version'])
  switch (f['kind']) {
    case 'hello': {
      const ok =
        keys === 8 &&
        text('protocol', 64) &&
        version() &&
        nullableText('clusterId', 256) &&
        text('from', idLengthMax) &&
        text('to', idLengthMax) &&
        codecNames.includes(f['codec'] as CodecName) &&
        text('nonce', 64)
      return ok ? (f as unknown as Hello) : undefined
    }
    case 'welcome': {
      const ok =
        keys === 6 &&
        version() &&
        text('from', idLengthMax) &&
        text('to', idLengthMax) &&
        text('nonce', 64) &&
        nullableText('proof', 64)
      return ok ? (f as unknown as Welcome) : undefined
    }
    case 'proof':
      return keys === 2 && nullableText('proof', 64) ? (f as unknown as Proof) : undefined
    case 'accept':
      return keys === 1 ? (f as unknown as Accept) : undefined
    case 'reject':
      return keys === 2 && failureNames.has(f['reason'] as string)
        ? (f as unknown as Reject)
        : undefined
    default:
      return undefined
  }
}

/** Decodes a base64 nonce; undefined unless it is exactly `nonceBytes` long. */
export function decodeNonce(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64')
  return bytes.byteLength === nonceBytes && bytes.toString('base64') === text ? bytes : undefined
}

/** Everything a proof binds, in the order it is hashed. */
export interface Transcript {
  readonly clusterId: string | null
  readonly clientId: NodeId
  readonly serverId: NodeId
  readonly codec: CodecName
  readonly clientNonce: Uint8Array
  readonly serverNonce: Uint8Array
}

export type Role = 'client' | 'server'

/** HMAC-SHA256 over the length-prefixed transcript fields (so no two transcripts hash alike). */
export function computeProof(secret: string, role: Role, transcript: Transcript): Buffer {
  const hmac = createHmac('sha256', secret)
  const field = (bytes: Uint8Array): void => {
    const length = Buffer.allocUnsafe(4)
    length.writeUInt32BE(bytes.byteLength, 0)
    hmac.update(length)
    hmac.update(bytes)
  }
  const text = (value: string): void => field(Buffer.from(value, 'utf8'))
  text(`${protocolName}/${protocolVersion}`)
  text(role)
  text(transcript.clusterId ?? '')
  text(transcript.clientId)
  text(transcript.serverId)
  text(transcript.codec)
  field(transcript.clientNonce)
  field(transcript.serverNonce)
  return hmac.digest()
}

/** Checks a base64 proof in constant time (a byte-by-byte compare would leak how much matched). */
export function verifyProof(
  secret: string,
  role: Role,
  transcript: Transcript,
  proof: string,
): boolean {
  const expected = computeProof(secret, role, transcript)
  const actual = Buffer.from(proof, 'base64')
  return actual.byteLength === expected.byteLength && timingSafeEqual(actual, expected)
}
