import { describe, expect, test } from 'vitest'
import { crc32c } from './crc32c.js'

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Bit-at-a-time reference, independent of the slicing tables. */
function crc32cSlow(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return ~crc >>> 0
}

describe('crc32c', () => {
  // Check values from RFC 3720 (iSCSI) appendix B.4 and the common "123456789" test vector.
  test('matches published check values', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })

  test('agrees with a bit-at-a-time reference at every length and alignment', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff)
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 7) {
        expect(crc32c(bytes, start, end)).toBe(crc32cSlow(bytes.subarray(start, end)))
      }
    }
  })

  test('continues over data that arrives in pieces', () => {
    const bytes = ascii('the quick brown fox jumps over the lazy dog')
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(crc32c(bytes, cut, bytes.length, crc32c(bytes, 0, cut))).toBe(crc32c(bytes))
    }
  })
})
