import { describe, expect, test } from 'vitest'
import { LruCache } from './lru-cache.js'

describe('LruCache', () => {
  test('evicts the least recently used, a batch of capacity x ratio at a time', () => {
    const cache = new LruCache<string, number>({ capacity: 10, evictionRatio: 0.3 })
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i)
    expect(cache.get('k0')).toBe(0) // k0 is now the most recently used
    cache.set('k10', 10)
    // Three evicted (k1, k2, k3), then k10 inserted.
    expect(cache.size).toBe(8)
    expect(['k1', 'k2', 'k3'].map((k) => cache.has(k))).toEqual([false, false, false])
    expect(cache.has('k0')).toBe(true)
    expect(cache.has('k4')).toBe(true)
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 0, evictions: 3, size: 8, capacity: 10 })
  })

  test('ratio 0 evicts one at a time; capacity 0 caches nothing', () => {
    const one = new LruCache<number, number>({ capacity: 3, evictionRatio: 0 })
    for (let i = 0; i < 5; i++) one.set(i, i)
    expect(one.size).toBe(3)
    expect(one.get(1)).toBeUndefined()
    expect(one.get(4)).toBe(4)
    const none = new LruCache<number, number>({ capacity: 0, evictionRatio: 0.5 })
    none.set(1, 1)
    expect(none.get(1)).toBeUndefined()
    expect(none.stats()).toMatchObject({ hits: 0, misses: 1 })
  })

  test('updating a key keeps one entry and refreshes it', () => {
    const cache = new LruCache<string, string>({ capacity: 2, evictionRatio: 0 })
    cache.set('a', '1')
    cache.set('b', '1')
    cache.set('a', '2')
    cache.set('c', '1')
    expect(cache.get('a')).toBe('2')
    expect(cache.has('b')).toBe(false)
  })

  test('rejects a ratio outside 0..1', () => {
    expect(() => new LruCache({ capacity: 1, evictionRatio: 1.5 })).toThrow(/ratio/)
  })
})
