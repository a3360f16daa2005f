import { randomBytes } from 'node:crypto'
import type { NodeId } from '@raftkit/raft'
import type { CodecName } from './codec.js'
import {
  computeProof,
  decodeNonce,
  nonceBytes,
  protocolName,
  protocolVersion,
  verifyProof,
  type HandshakeFailure,
  type HandshakeFrame,
  type Hello,
  type Transcript,
} from './handshake-frames.js'

/**
 * The two halves of the handshake (see handshake-frames.ts) as small state machines with no I/O:
 * the connection feeds them frames and sends what they return. Pure, so each rule is a unit test.
 */
export type HandshakeStep =
  /** Send `frame` and wait for the next one. */
  | { readonly kind: 'continue'; readonly frame: HandshakeFrame }
  /** The peer is authenticated; send `frame` if there is one. */
  | { readonly kind: 'done'; readonly frame: HandshakeFrame | undefined }
  /** Send `frame` if there is one (a reject), then close. */
  | {
      readonly kind: 'failed'
      readonly failure: HandshakeFailure
      readonly detail: string
      readonly frame: HandshakeFrame | undefined
    }

export interface HandshakeIdentity {
  readonly nodeId: NodeId
  readonly clusterId: string | undefined
  readonly clusterSecret: string | undefined
}

function fail(failure: HandshakeFailure, detail: string, reject = true): HandshakeStep {
  return {
    kind: 'failed',
    failure,
    detail,
    frame: reject ? { kind: 'reject', reason: failure } : undefined,
  }
}

function peerRejected(frame: HandshakeFrame): HandshakeStep | undefined {
  return frame.kind === 'reject'
    ? fail('rejected-by-peer', `peer refused: ${frame.reason}`, false)
    : undefined
}

/** The connecting side: it knows whom it wants to reach and authenticates that node. */
export class ClientHandshake {
  readonly #self: HandshakeIdentity
  readonly #target: NodeId
  readonly #codec: CodecName
  readonly #nonce: Buffer
  #state: 'awaiting-welcome' | 'awaiting-accept' | 'finished' = 'awaiting-welcome'

  constructor(
    self: HandshakeIdentity,
    target: NodeId,
    codec: CodecName,
    nonce = randomBytes(nonceBytes),
  ) {
    this.#self = self
    this.#target = target
    this.#codec = codec
    this.#nonce = nonce
  }

  hello(): Hello {
    return {
      kind: 'hello',
      protocol: protocolName,
      version: protocolVersion,
      clusterId: this.#self.clusterId ?? null,
      from: this.#self.nodeId,
      to: this.#target,
      codec: this.#codec,
      nonce: this.#nonce.toString('base64'),
    }
  }

  onFrame(frame: HandshakeFrame): HandshakeStep {
    const rejected = peerRejected(frame)
    if (rejected !== undefined) return this.#finish(rejected)
    if (this.#state === 'awaiting-welcome' && frame.kind === 'welcome')
      return this.#finish(this.#onWelcome(frame))
    if (this.#state === 'awaiting-accept' && frame.kind === 'accept')
      return this.#finish({ kind: 'done', frame: undefined })
    return this.#finish(fail('unexpected-frame', `unexpected ${frame.kind} frame`))
  }

  #onWelcome(frame: Extract<HandshakeFrame, { kind: 'welcome' }>): HandshakeStep {
    if (frame.version !== protocolVersion)
      return fail('protocol-mismatch', `peer speaks version ${frame.version}`)
    if (frame.from !== this.#target)
      return fail('wrong-peer', `reached ${frame.from}, wanted ${this.#target}`)
    if (frame.to !== this.#self.nodeId)
      return fail('unexpected-frame', `welcome addressed to ${frame.to}`)
    const serverNonce = decodeNonce(frame.nonce)
    if (serverNonce === undefined) return fail('malformed', 'bad server nonce')
    const secret = this.#self.clusterSecret
    if (secret === undefined) {
      if (frame.proof !== null)
        return fail('auth-required', 'peer requires a cluster secret; none is configured')
      return { kind: 'continue', frame: { kind: 'proof', proof: null } }
    }
    if (frame.proof === null) return fail('auth-required', 'peer has no cluster secret')
    const transcript = this.#transcript(serverNonce)
    if (!verifyProof(secret, 'server', transcript, frame.proof)) {
      return fail('auth-failed', 'peer does not know the cluster secret')
    }
    const proof = computeProof(secret, 'client', transcript).toString('base64')
    return { kind: 'continue', frame: { kind: 'proof', proof } }
  }

  #transcript(serverNonce: Uint8Array): Transcript {
    return {
      clusterId: this.#self.clusterId ?? null,
      clientId: this.#self.nodeId,
      serverId: this.#target,
      codec: this.#codec,
      clientNonce: this.#nonce,
      serverNonce,
    }
  }

  #finish(step: HandshakeStep): HandshakeStep {
    this.#state = step.kind === 'continue' ? 'awaiting-accept' : 'finished'
    return step
  }
}

/** The accepting side: it learns who is calling and, with a secret, makes it prove it. */
export class ServerHandshake {
  readonly #self: HandshakeIdentity
  readonly #nonce: Buffer
  #state: 'awaiting-hello' | 'awaiting-proof' | 'finished' = 'awaiting-hello'
  #transcript: Transcript | undefined
  #claimed: NodeId | undefined

  constructor(self: HandshakeIdentity, nonce = randomBytes(nonceBytes)) {
    this.#self = self
    this.#nonce = nonce
  }

  /** The id the peer gave in its hello: for logs only, as it is not proven until `done`. */
  get claimedPeer(): NodeId | undefined {
    return this.#claimed
  }

  /** The authenticated peer and its codec, once `onFrame` has returned `done`. */
  get peer(): { readonly nodeId: NodeId; readonly codec: CodecName } | undefined {
    return this.#state === 'finished' && this.#transcript !== undefined
      ? { nodeId: this.#transcript.clientId, codec: this.#transcript.codec }
      : undefined
  }

  onFrame(frame: HandshakeFrame): HandshakeStep {
    const rejected = peerRejected(frame)
    let step: HandshakeStep
    if (rejected !== undefined) step = rejected
    else if (this.#state === 'awaiting-hello' && frame.kind === 'hello') step = this.#onHello(frame)
    else if (this.#state === 'awaiting-proof' && frame.kind === 'proof')
      step = this.#onProof(frame.proof)
    else step = fail('unexpected-frame', `unexpected ${frame.kind} frame`)
    if (step.kind === 'failed') this.#transcript = undefined
    this.#state = step.kind === 'continue' ? 'awaiting-proof' : 'finished'
    return step
  }

  #onHello(hello: Hello): HandshakeStep {
    this.#claimed = hello.from
    if (hello.protocol !== protocolName || hello.version !== protocolVersion) {
      return fail('protocol-mismatch', `peer speaks ${hello.protocol}/${hello.version}`)
    }
    if (hello.to !== this.#self.nodeId) return fail('wrong-target', `hello for ${hello.to}`)
    if (hello.from === this.#self.nodeId) return fail('self-connection', 'hello from our own id')
    if (hello.clusterId !== (this.#self.clusterId ?? null)) {
      return fail('cluster-mismatch', `peer is in cluster ${hello.clusterId ?? '(none)'}`)
    }
    const clientNonce = decodeNonce(hello.nonce)
    if (clientNonce === undefined) return fail('malformed', 'bad client nonce')
    const transcript: Transcript = {
      clusterId: hello.clusterId,
      clientId: hello.from,
      serverId: this.#self.nodeId,
      codec: hello.codec,
      clientNonce,
      serverNonce: this.#nonce,
    }
    this.#transcript = transcript
    const secret = this.#self.clusterSecret
    const proof =
      secret === undefined ? null : computeProof(secret, 'server', transcript).toString('base64')
    return {
      kind: 'continue',
      frame: {
        kind: 'welcome',
        version: protocolVersion,
        from: this.#self.nodeId,
        to: hello.from,
        nonce: this.#nonce.toString('base64'),
        proof,
      },
    }
  }

  #onProof(proof: string | null): HandshakeStep {
    const secret = this.#self.clusterSecret
    const transcript = this.#transcript!
    if (secret !== undefined) {
      if (proof === null) return fail('auth-required', `${transcript.clientId} sent no proof`)
      if (!verifyProof(secret, 'client', transcript, proof)) {
        return fail('auth-failed', `${transcript.clientId} does not know the cluster secret`)
      }
    }
    return { kind: 'done', frame: { kind: 'accept' } }
  }
}
