import { describe, expect, test } from 'vitest'
import { encodeFrame, FrameDecoder, frameHeaderBytes, type FrameResult } from './framing.js'
import { randomInt, seededRandom } from './testing/random.js'

const payloads = [
  new Uint8Array(0),
  Uint8Array.of(1),
  new Uint8Array(1000).map((_, i) => i),
  Uint8Array.of(9, 8, 7),
]

function stream(...frames: Uint8Array[]): Uint8Array {
  return Buffer.concat(frames.map((payload) => encodeFrame(payload)))
}

/** Pushes `bytes` in pieces cut by `cut`, collecting every result. */
function decodeInPieces(
  decoder: FrameDecoder,
  bytes: Uint8Array,
  cut: () => number,
): FrameResult[] {
  const results: FrameResult[] = []
  for (let at = 0; at < bytes.length;) {
    const end = Math.min(bytes.length, at + Math.max(1, cut()))
    decoder.push(bytes.subarray(at, end))
    at = end
    for (let r = decoder.next(); r !== undefined; r = decoder.next()) {
      results.push(r)
      if (!r.ok) return results
    }
  }
  return results
}

const asArrays = (results: FrameResult[]): number[][] =>
  results.map((r) => (r.ok ? Array.from(r.payload) : [-1]))

describe('frames', () => {
  test('header is big-endian length then CRC-32 of the payload', () => {
    const frame = encodeFrame(Buffer.from('123456789'))
    expect(frame.readUInt32BE(0)).toBe(9)
    expect(frame.readUInt32BE(4)).toBe(0xcbf43926) // the CRC-32 check value
    expect(frame.length).toBe(frameHeaderBytes + 9)
  })

  test('decodes several frames from one chunk', () => {
    const decoder = new FrameDecoder(1 << 20)
    const results = decodeInPieces(decoder, stream(...payloads), () => 1 << 30)
    expect(asArrays(results)).toEqual(payloads.map((p) => Array.from(p)))
    expect(decoder.bufferedBytes).toBe(0)
  })

  test('decodes frames pushed one byte at a time', () => {
    const decoder = new FrameDecoder(1 << 20)
    const results = decodeInPieces(decoder, stream(...payloads), () => 1)
    expect(asArrays(results)).toEqual(payloads.map((p) => Array.from(p)))
  })

  test('decodes frames cut at random points', () => {
    const random = seededRandom(7)
    for (let round = 0; round < 200; round++) {
      const decoder = new FrameDecoder(1 << 20)
      const results = decodeInPieces(decoder, stream(...payloads, ...payloads), () =>
        randomInt(random, 40),
      )
      expect(asArrays(results)).toEqual([...payloads, ...payloads].map((p) => Array.from(p)))
    }
  })

  test('a too-large length is refused from the header alone, before the payload arrives', () => {
    const decoder = new FrameDecoder(100)
    const header = encodeFrame(new Uint8Array(101)).subarray(0, frameHeaderBytes)
    decoder.push(header)
    expect(decoder.next()).toEqual({
      ok: false,
      error: { kind: 'FrameTooLarge', lengthBytes: 101, lengthBytesMax: 100 },
    })
    // The stream is out of step from here on: the error sticks, and nothing is buffered.
    decoder.push(encodeFrame(Uint8Array.of(1)))
    expect(decoder.next()?.ok).toBe(false)
    expect(decoder.bufferedBytes).toBe(0)
  })

  test('a 4 GiB length is refused without allocating', () => {
    const decoder = new FrameDecoder(16 << 20)
    decoder.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0))
    expect(decoder.next()).toMatchObject({ ok: false, error: { kind: 'FrameTooLarge' } })
  })

  test('a corrupt payload is reported as a checksum mismatch', () => {
    const frame = encodeFrame(Uint8Array.of(1, 2, 3, 4))
    frame[frameHeaderBytes + 2] = frame[frameHeaderBytes + 2]! ^ 0x10
    const decoder = new FrameDecoder(100)
    decoder.push(frame)
    expect(decoder.next()).toEqual({
      ok: false,
      error: { kind: 'ChecksumMismatch', lengthBytes: 4 },
    })
  })

  test('the limit can be raised between frames (as after a handshake)', () => {
    const decoder = new FrameDecoder(4)
    decoder.push(stream(Uint8Array.of(1), new Uint8Array(50)))
    expect(decoder.next()?.ok).toBe(true)
    decoder.frameBytesMax = 64
    expect(decoder.next()).toMatchObject({ ok: true })
  })

  test('property: random corruption of a frame stream never throws', () => {
    const random = seededRandom(11)
    const valid = stream(...payloads)
    for (let round = 0; round < 2_000; round++) {
      const bytes = Uint8Array.from(valid)
      for (let e = 0; e < 1 + randomInt(random, 3); e++)
        bytes[randomInt(random, bytes.length)] = randomInt(random, 256)
      const decoder = new FrameDecoder(2_000)
      const results = decodeInPieces(decoder, bytes, () => randomInt(random, 64))
      // Every frame before the first error carries a payload whose checksum matched.
      expect(results.slice(0, -1).every((r) => r.ok)).toBe(true)
    }
  })
})
