import { crc32 } from 'node:zlib'

/**
 * The frame: a 4-byte big-endian payload length, the 4-byte big-endian CRC-32 of the payload,
 * then the payload.
 *
 *     0       4       8
 *     +-------+-------+----------------------+
 *     | length| crc32 | payload (length B)   |
 *     +-------+-------+----------------------+
 *
 * The length comes first so a reader can refuse an oversized frame from its first 4 bytes,
 * before buffering or allocating anything for it. TCP already checksums segments, but weakly
 * (16 bits, and not across middleboxes or buggy NICs); CRC-32 (zlib's, native in Node) catches
 * what slips through, as etcd's and hashicorp's WAL and stream formats do.
 */
export const frameHeaderBytes = 8

/** Returns header and payload in one buffer, ready for `socket.write`. Copies the payload. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payload.byteLength)
  frame.writeUInt32BE(payload.byteLength, 0)
  frame.writeUInt32BE(crc32(payload), 4)
  frame.set(payload, frameHeaderBytes)
  return frame
}

export type FrameError =
  | {
      readonly kind: 'FrameTooLarge'
      readonly lengthBytes: number
      readonly lengthBytesMax: number
    }
  | { readonly kind: 'ChecksumMismatch'; readonly lengthBytes: number }

export type FrameResult =
  | { readonly ok: true; readonly payload: Uint8Array }
  | { readonly ok: false; readonly error: FrameError }

/**
 * Reassembles frames from a byte stream cut at arbitrary points. Push each chunk, then call
 * `next()` until it returns undefined. After an error the stream cannot be trusted to be in step
 * any more, so the decoder keeps returning that error: close the connection.
 *
 * A payload that lies inside one received chunk is returned as a view, without copying; one that
 * spans chunks is copied once, when its last byte arrives (never re-copied per chunk).
 */
export class FrameDecoder {
  /** The largest payload accepted; may be raised once a handshake completes. */
  frameBytesMax: number
  /** Received chunks not yet consumed, from `#head` on (an index, so consuming is O(1)). */
  #chunks: Uint8Array[] = []
  #head = 0
  /** Read position inside the head chunk. */
  #offset = 0
  #bufferedBytes = 0
  /** Header of the frame being assembled, once its 8 bytes have arrived. */
  #pendingLength = -1
  #pendingChecksum = 0
  #error: FrameError | undefined
  readonly #header = new Uint8Array(frameHeaderBytes)

  constructor(frameBytesMax: number) {
    this.frameBytesMax = frameBytesMax
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#bufferedBytes
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0 || this.#error !== undefined) return
    this.#chunks.push(chunk)
    this.#bufferedBytes += chunk.byteLength
  }

  /** The next complete frame, an error, or undefined when more bytes are needed. */
  next(): FrameResult | undefined {
    if (this.#error !== undefined) return { ok: false, error: this.#error }
    if (this.#pendingLength < 0) {
      if (this.#bufferedBytes < frameHeaderBytes) return undefined
      const header = this.#take(frameHeaderBytes, this.#header)
      const lengthBytes = readUint32(header, 0)
      if (lengthBytes > this.frameBytesMax) {
        return this.#fail({
          kind: 'FrameTooLarge',
          lengthBytes,
          lengthBytesMax: this.frameBytesMax,
        })
      }
      this.#pendingLength = lengthBytes
      this.#pendingChecksum = readUint32(header, 4)
    }
    if (this.#bufferedBytes < this.#pendingLength) return undefined
    const lengthBytes = this.#pendingLength
    const payload = this.#take(lengthBytes, undefined)
    this.#pendingLength = -1
    if (crc32(payload) !== this.#pendingChecksum) {
      return this.#fail({ kind: 'ChecksumMismatch', lengthBytes })
    }
    return { ok: true, payload }
  }

  #fail(error: FrameError): FrameResult {
    this.#error = error
    this.#chunks = []
    this.#head = 0
    this.#bufferedBytes = 0
    return { ok: false, error }
  }

  /**
   * Removes `count` buffered bytes (the caller checked they are there). Returns a view when they
   * lie in the head chunk, else copies them into `target` (or a new array).
   */
  #take(count: number, target: Uint8Array | undefined): Uint8Array {
    this.#bufferedBytes -= count
    const first = this.#chunks[this.#head]
    if (first === undefined || first.byteLength - this.#offset >= count) {
      if (first === undefined) return new Uint8Array(0)
      const view = new Uint8Array(first.buffer, first.byteOffset + this.#offset, count)
      this.#advance(first, count)
      return view
    }
    const out = target ?? new Uint8Array(count)
    let written = 0
    while (written < count) {
      const chunk = this.#chunks[this.#head]!
      const n = Math.min(count - written, chunk.byteLength - this.#offset)
      out.set(chunk.subarray(this.#offset, this.#offset + n), written)
      written += n
      this.#advance(chunk, n)
    }
    return out
  }

  #advance(chunk: Uint8Array, count: number): void {
    this.#offset += count
    if (this.#offset < chunk.byteLength) return
    this.#offset = 0
    this.#head++
    if (this.#head === this.#chunks.length) {
      this.#chunks = []
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks.splice(0, this.#head)
      this.#head = 0
    }
  }
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
  )
}
