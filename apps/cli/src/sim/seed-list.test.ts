import { describe, expect, test } from 'vitest'
import { UsageError } from '../usage-error.js'
import { simLimits } from './limits.js'
import { parseSeed, parseSeedList } from './seed-list.js'

describe('parseSeed', () => {
  test('accepts decimal and 0x hexadecimal seeds', () => {
    expect(parseSeed('0')).toBe(0)
    expect(parseSeed('17')).toBe(17)
    expect(parseSeed(' 42 ')).toBe(42)
    expect(parseSeed('0x5eed')).toBe(0x5eed)
    expect(parseSeed('9007199254740991')).toBe(simLimits.seedMax)
  })

  test.each(['', '-1', '1.5', '1e3', 'abc', '0x', '12abc'])('rejects %j', (text) => {
    expect(() => parseSeed(text)).toThrow(UsageError)
    expect(() => parseSeed(text)).toThrow(/--seed expects a non-negative integer/)
  })

  test('rejects seeds beyond 2^53 - 1, which a number cannot hold exactly', () => {
    expect(() => parseSeed('9007199254740992')).toThrow(
      /too large: seeds go from 0 to 9007199254740991/,
    )
  })
})

describe('parseSeedList', () => {
  test('an inclusive range A..B', () => {
    expect(parseSeedList('1..4')).toEqual([1, 2, 3, 4])
    expect(parseSeedList('7..7')).toEqual([7])
  })

  test('a single seed and comma lists keep the order given', () => {
    expect(parseSeedList('9')).toEqual([9])
    expect(parseSeedList('10..12,3,20..21')).toEqual([10, 11, 12, 3, 20, 21])
  })

  test('an empty range is an error that shows both ends', () => {
    expect(() => parseSeedList('5..2')).toThrow(
      "--seeds range '5..2' is empty: 5 is greater than 2",
    )
  })

  test.each(['', '1..', '..5', '1...5', '1..2..3', 'a..b', '1,,2', '1-5'])('rejects %j', (text) => {
    expect(() => parseSeedList(text)).toThrow(UsageError)
  })

  test('a seed listed twice is an error', () => {
    expect(() => parseSeedList('1..5,3')).toThrow('--seeds lists seed 3 more than once')
  })

  test('a sweep is bounded', () => {
    expect(parseSeedList(`1..${simLimits.seedCountMax}`)).toHaveLength(simLimits.seedCountMax)
    expect(() => parseSeedList(`0..${simLimits.seedCountMax}`)).toThrow(/more than 1,000,000 seeds/)
  })
})
