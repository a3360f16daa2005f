import { describe, expect, test } from 'vitest'
import { PRNG } from './prng.js'

const draw = (random: PRNG, count: number): number[] =>
  Array.from({ length: count }, () => random.nextUint32())

describe('PRNG (sfc32 seeded through splitmix32)', () => {
  test('the same seed gives the same stream; the stream is pinned', () => {
    expect(draw(new PRNG(1), 5)).toEqual(draw(new PRNG(1), 5))
    // Pinned so that an accidental change to the generator (which would change every
    // simulation seed's meaning) fails loudly.
    expect(draw(new PRNG(1), 3)).toMatchInlineSnapshot(`
      [
        3718865550,
        1270405976,
        33612117,
      ]
    `)
  })

  test('neighbouring seeds, and seeds differing only in high bits, give unrelated streams', () => {
    const streams = [0, 1, 2, 2 ** 32, 2 ** 40 + 1, Number.MAX_SAFE_INTEGER].map((seed) =>
      draw(new PRNG(seed), 4).join(','),
    )
    expect(new Set(streams).size).toBe(streams.length)
  })

  test('a fork does not depend on how much the parent drew, and labels separate streams', () => {
    const a = new PRNG(7)
    const b = new PRNG(7)
    draw(b, 100)
    expect(draw(a.fork('network'), 5)).toEqual(draw(b.fork('network'), 5))
    expect(draw(a.fork('network'), 5)).not.toEqual(draw(a.fork('faults'), 5))
    expect(draw(a.fork('x'), 5)).not.toEqual(draw(new PRNG(8).fork('x'), 5))
    // Forks of forks are streams of their own too.
    expect(draw(a.fork('n').fork('1'), 3)).not.toEqual(draw(a.fork('n1'), 3))
  })

  test('drawing from a fork does not shift the parent', () => {
    const a = new PRNG(3)
    const b = new PRNG(3)
    draw(a.fork('other'), 50)
    expect(draw(a, 5)).toEqual(draw(b, 5))
  })

  test('nextInt stays in range and is close to uniform (chi-square)', () => {
    const random = new PRNG(42)
    const bound = 10
    const samples = 100_000
    const counts = new Array<number>(bound).fill(0)
    for (let i = 0; i < samples; i++) {
      const value = random.nextInt(bound)
      expect(Number.isInteger(value) && value >= 0 && value < bound).toBe(true)
      counts[value]!++
    }
    const expected = samples / bound
    const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0)
    // 9 degrees of freedom: the 99.9th percentile is 27.9.
    expect(chiSquare).toBeLessThan(27.9)
  })

  test('nextInt handles bounds up to 2^32 and refuses bad ones', () => {
    const random = new PRNG(5)
    expect(random.nextInt(1)).toBe(0)
    const big = random.nextInt(2 ** 32)
    expect(big >= 0 && big < 2 ** 32).toBe(true)
    expect(() => random.nextInt(0)).toThrow(/bound/)
    expect(() => random.nextInt(1.5)).toThrow(/bound/)
    expect(() => random.nextInt(2 ** 32 + 1)).toThrow(/bound/)
  })

  test('nextFloat is in [0, 1) with the right mean; chance(p) hits at rate p', () => {
    const random = new PRNG(9)
    let sum = 0
    let hits = 0
    const samples = 50_000
    for (let i = 0; i < samples; i++) {
      const value = random.nextFloat()
      expect(value >= 0 && value < 1).toBe(true)
      sum += value
      if (random.chance(0.3)) hits++
    }
    expect(Math.abs(sum / samples - 0.5)).toBeLessThan(0.01)
    expect(Math.abs(hits / samples - 0.3)).toBeLessThan(0.01)
    expect(random.chance(0)).toBe(false)
    expect(random.chance(1)).toBe(true)
  })

  test('pick, intBetween and shuffled', () => {
    const random = new PRNG(11)
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) seen.add(random.pick(['a', 'b', 'c']))
    expect([...seen].sort()).toEqual(['a', 'b', 'c'])
    expect(() => random.pick([])).toThrow(/empty/)
    for (let i = 0; i < 100; i++) {
      const value = random.intBetween(3, 5)
      expect(value >= 3 && value <= 5).toBe(true)
    }
    const items = [1, 2, 3, 4, 5, 6]
    const shuffled = random.shuffled(items)
    expect([...shuffled].sort()).toEqual(items)
    expect(items).toEqual([1, 2, 3, 4, 5, 6])
  })

  test('refuses a seed that is not a safe integer', () => {
    expect(() => new PRNG(1.5)).toThrow(/safe integer/)
    expect(() => new PRNG(2 ** 53)).toThrow(/safe integer/)
  })
})
