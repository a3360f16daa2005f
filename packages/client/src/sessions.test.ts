import { describe, expect, test } from 'vitest'
import { SessionLanes } from './sessions.js'

describe('SessionLanes', () => {
  test('a lane keeps its id and counts up; concurrent writes get different lanes', () => {
    const lanes = new SessionLanes('app')
    const a = lanes.acquire()
    const b = lanes.acquire()
    expect(a.id).not.toBe(b.id)
    expect([a.seq, b.seq]).toEqual([1, 1])
    lanes.release(a)
    const again = lanes.acquire()
    expect(again.id).toBe(a.id)
    expect(again.seq).toBe(2)
  })

  test('rejects a client id the server would refuse', () => {
    expect(() => new SessionLanes('has space')).toThrow(/client id/)
  })
})
