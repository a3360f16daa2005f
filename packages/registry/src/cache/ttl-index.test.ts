import { describe, expect, test } from 'vitest'
import { TtlIndex } from './ttl-index.js'

function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return Math.floor((state / 2 ** 32) * n)
  }
}

describe('TtlIndex', () => {
  test('set, replace and delete keep the index consistent', () => {
    const index = new TtlIndex()
    for (let i = 0; i < 10; i++) index.set({ key: `k${i}`, expiresAt: i, revision: i })
    index.set({ key: 'k3', expiresAt: 100, revision: 11 })
    index.delete('k0')
    index.delete('k9')
    index.delete('missing')
    expect(index.size).toBe(8)
    expect(index.get('k3')).toEqual({ key: 'k3', expiresAt: 100, revision: 11 })
    expect(index.get('k0')).toBeUndefined()
    for (let i = 1; i < 9; i++) expect(index.get(`k${i}`)?.key).toBe(`k${i}`)
  })

  test('with few keys every due key is found', () => {
    const index = new TtlIndex()
    index.set({ key: 'a', expiresAt: 5, revision: 1 })
    index.set({ key: 'b', expiresAt: 50, revision: 2 })
    expect(index.sampleDue(10, { sampleSize: 20, rounds: 4, random: seeded(1) })).toEqual([
      { key: 'a', expiresAt: 5, revision: 1 },
    ])
  })

  test('sampling finds due keys among many and keeps sampling while a quarter are due', () => {
    const index = new TtlIndex()
    for (let i = 0; i < 1000; i++)
      index.set({ key: `k${i}`, expiresAt: i < 500 ? 0 : 1e12, revision: i })
    const due = index.sampleDue(1, { sampleSize: 20, rounds: 4, random: seeded(7) })
    // About half of each sample is due, so all four rounds run: up to 80 samples, ~40 due.
    expect(due.length).toBeGreaterThan(20)
    expect(due.every((entry) => entry.expiresAt === 0)).toBe(true)
    const fewDue = new TtlIndex()
    for (let i = 0; i < 1000; i++)
      fewDue.set({ key: `k${i}`, expiresAt: i === 0 ? 0 : 1e12, revision: i })
    // Far under a quarter due: one round and stop.
    expect(
      fewDue.sampleDue(1, { sampleSize: 20, rounds: 4, random: seeded(3) }).length,
    ).toBeLessThanOrEqual(1)
  })
})
