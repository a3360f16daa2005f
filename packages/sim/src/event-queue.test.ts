import { describe, expect, test } from 'vitest'
import { EventQueue } from './event-queue.js'
import { PRNG } from './prng.js'

describe('EventQueue', () => {
  test('pops in time order, and in insertion order at equal times', () => {
    const queue = new EventQueue<string>()
    queue.push(5, 'e')
    queue.push(1, 'a')
    queue.push(3, 'c1')
    queue.push(3, 'c2')
    queue.push(0, 'start')
    queue.push(3, 'c3')
    const popped: string[] = []
    while (queue.size > 0) popped.push(queue.pop()!)
    expect(popped).toEqual(['start', 'a', 'c1', 'c2', 'c3', 'e'])
    expect(queue.pop()).toBeUndefined()
    expect(queue.peekTime()).toBeUndefined()
  })

  test('matches a stable sort under random interleaved pushes and pops', () => {
    const random = new PRNG(2024)
    const queue = new EventQueue<number>()
    const reference: { time: number; id: number }[] = []
    let id = 0
    for (let round = 0; round < 5_000; round++) {
      if (reference.length === 0 || random.chance(0.6)) {
        const time = random.nextInt(50)
        queue.push(time, id)
        reference.push({ time, id })
        id++
      } else {
        // The reference is kept sorted by (time, id): ids grow with insertion.
        reference.sort((a, b) => a.time - b.time || a.id - b.id)
        const expected = reference.shift()!
        expect(queue.peekTime()).toBe(expected.time)
        expect(queue.pop()).toBe(expected.id)
      }
      expect(queue.size).toBe(reference.length)
    }
  })

  test('refuses a time that is not finite', () => {
    expect(() => new EventQueue<number>().push(Number.NaN, 1)).toThrow(/event time/)
  })
})
