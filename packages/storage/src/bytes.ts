/**
 * A growable byte writer and a bounds-checked reader for the WAL's binary encoding.
 *
 * Integers are unsigned LEB128 varints (1 byte for values below 128, so small terms and counts
 * stay small) and may be as large as `Number.MAX_SAFE_INTEGER`; raft indexes and terms are plain
 * numbers (see `@raftkit/raft` types). Fixed-width fields are little-endian.
 */

import { assert } from './raft-types.js'

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })
const twoPower32 = 2 ** 32

/** A malformed encoding: a length past the end, a varint too long, invalid UTF-8. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError'
}

export class ByteWriter {
  #bytes: Uint8Array
  #length = 0

  constructor(initialCapacity = 256) {
    this.#bytes = new Uint8Array(initialCapacity)
  }

  get length(): number {
    return this.#length
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length)
  }

  u8(value: number): void {
    this.#reserve(1)
    this.#bytes[this.#length++] = value
  }

  u32(value: number): void {
    this.#reserve(4)
    writeU32(this.#bytes, this.#length, value)
    this.#length += 4
  }

  /** A 64-bit little-endian integer (exact up to 2^53). */
  u64(value: number): void {
    this.#reserve(8)
    writeU64(this.#bytes, this.#length, value)
    this.#length += 8
  }

  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a varint: ${value}`)
    this.#reserve(8)
    let rest = value
    while (rest >= 0x80) {
      this.#bytes[this.#length++] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    this.#bytes[this.#length++] = rest
  }

  bytes(value: Uint8Array): void {
    this.#reserve(value.length)
    this.#bytes.set(value, this.#length)
    this.#length += value.length
  }

  /** A varint length followed by the bytes. */
  lengthPrefixed(value: Uint8Array): void {
    this.varint(value.length)
    this.bytes(value)
  }

  /** A UTF-8 string of at most `maxBytes` bytes (more is a caller bug: we could not read it back). */
  string(value: string, maxBytes: number): void {
    const encoded = utf8Encoder.encode(value)
    assert(encoded.length <= maxBytes, () => `string of ${encoded.length} bytes exceeds ${maxBytes}`)
    this.lengthPrefixed(encoded)
  }

  #reserve(count: number): void {
    const needed = this.#length + count
    if (needed <= this.#bytes.length) return
    let capacity = this.#bytes.length * 2
    while (capacity < needed) capacity *= 2
    const grown = new Uint8Array(capacity)
    grown.set(this.#bytes.subarray(0, this.#length))
    this.#bytes = grown
  }
}

export class ByteReader {
  readonly #bytes: Uint8Array
  #offset: number
  readonly #end: number

  constructor(bytes: Uint8Array, start = 0, end: number = bytes.length) {
    this.#bytes = bytes
    this.#offset = start
    this.#end = end
  }

  get remaining(): number {
    return this.#end - this.#offset
  }

  u8(): number {
    this.#need(1)
    return this.#bytes[this.#offset++]!
  }

  u32(): number {
    this.#need(4)
    const value = readU32(this.#bytes, this.#offset)
    this.#offset += 4
    return value
  }

  u64(): number {
    this.#need(8)
    const value = readU64(this.#bytes, this.#offset)
    this.#offset += 8
    return value
  }

  varint(): number {
    let value = 0
    let scale = 1
    for (let count = 0; count < 8; count++) {
      const byte = this.u8()
      value += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) throw new DecodeError(`varint ${value} is not a safe integer`)
        return value
      }
      scale *= 0x80
    }
    throw new DecodeError('varint longer than 8 bytes')
  }

  /** A varint length (at most `maxBytes`) and a copy of that many bytes. */
  lengthPrefixed(maxBytes: number): Uint8Array {
    const length = this.varint()
    if (length > maxBytes) throw new DecodeError(`length ${length} exceeds ${maxBytes}`)
    this.#need(length)
    // A copy, not a view: a view would keep a whole segment's buffer alive for one command.
    const value = new Uint8Array(length)
    value.set(this.#bytes.subarray(this.#offset, this.#offset + length))
    this.#offset += length
    return value
  }

  string(maxBytes: number): string {
    const length = this.varint()
    if (length > maxBytes) throw new DecodeError(`string of ${length} bytes exceeds ${maxBytes}`)
    this.#need(length)
    let value: string
    try {
      value = utf8Decoder.decode(this.#bytes.subarray(this.#offset, this.#offset + length))
    } catch {
      throw new DecodeError('invalid UTF-8')
    }
    this.#offset += length
    return value
  }

  /** Throws unless every byte was consumed: trailing bytes mean the encoding is not ours. */
  end(): void {
    if (this.#offset !== this.#end) throw new DecodeError(`${this.#end - this.#offset} trailing bytes`)
  }

  #need(count: number): void {
    if (this.#offset + count > this.#end) {
      throw new DecodeError(`needs ${count} bytes at offset ${this.#offset}, has ${this.#end - this.#offset}`)
    }
  }
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff
  bytes[offset + 1] = (value >>> 8) & 0xff
  bytes[offset + 2] = (value >>> 16) & 0xff
  bytes[offset + 3] = (value >>> 24) & 0xff
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16)) +
    bytes[offset + 3]! * 0x1000000
  )
}

export function writeU64(bytes: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a u64: ${value}`)
  writeU32(bytes, offset, value % twoPower32)
  writeU32(bytes, offset + 4, Math.floor(value / twoPower32))
}

export function readU64(bytes: Uint8Array, offset: number): number {
  const value = readU32(bytes, offset) + readU32(bytes, offset + 4) * twoPower32
  if (!Number.isSafeInteger(value)) throw new DecodeError(`u64 ${value} is not a safe integer`)
  return value
}

/** Converts a Node `Buffer` (or any view) into a plain `Uint8Array` over the same memory. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
