import { describe, expect, test } from 'vitest'
import { Bitset } from './bitset.js'

describe('Bitset', () => {
  test('sets, tests and clears bits across word boundaries', () => {
    const bits = new Bitset(70)
    for (const bit of [0, 31, 32, 63, 69]) bits.set(bit)
    expect([0, 1, 31, 32, 33, 63, 64, 69].map((bit) => bits.has(bit))).toEqual([
      true, false, true, true, false, true, false, true,
    ])
    bits.clear(31)
    bits.clear(69)
    expect(bits.has(31)).toBe(false)
    expect(bits.has(69)).toBe(false)
    expect(bits.has(32)).toBe(true)
  })

  test('equal sets have equal keys, different sets different keys', () => {
    const a = new Bitset(100)
    const b = new Bitset(100)
    for (const bit of [3, 40, 99]) a.set(bit)
    for (const bit of [99, 3, 40]) b.set(bit)
    expect(a.key()).toBe(b.key())
    b.clear(40)
    expect(a.key()).not.toBe(b.key())
  })

  test('keys of every subset of a small universe are distinct', () => {
    // 2^10 subsets of bits spread over three words, including full and empty words.
    const positions = [0, 1, 30, 31, 32, 33, 62, 63, 64, 65]
    const keys = new Set<string>()
    for (let mask = 0; mask < 1 << positions.length; mask++) {
      const bits = new Bitset(66)
      positions.forEach((bit, index) => {
        if ((mask >> index) & 1) bits.set(bit)
      })
      keys.add(bits.key())
    }
    expect(keys.size).toBe(1 << positions.length)
  })

  test('a run of full words is encoded by its length, not word by word', () => {
    const bits = new Bitset(32 * 1000)
    for (let bit = 0; bit < 32 * 999; bit++) bits.set(bit)
    bits.set(32 * 999 + 5)
    // Four characters of header plus two for the one mixed word.
    expect(bits.key()).toHaveLength(6)
  })

  test('keys are prefix-free, so text after them cannot make two keys collide', () => {
    const a = new Bitset(64)
    const b = new Bitset(64)
    a.set(40)
    b.set(40)
    b.set(41)
    expect(b.key().startsWith(a.key())).toBe(false)
  })
})
