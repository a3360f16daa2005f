import { describe, expect, test } from 'vitest'
import { EventList, happensBefore } from './event-list.js'
import type { Operation } from './types.js'

function op(call: number, returned: number | undefined): Operation<null, null> {
  return { clientId: 0, input: null, call, return: returned, output: null }
}

/** The main list as readable labels: `c0` is the call of operation 0, `r0` its return. */
function labels(list: EventList, first = list.first()): string[] {
  const seen: string[] = []
  for (let node = first; !list.isTail(node); node = list.next(node)) {
    seen.push(`${list.isCall(node) ? 'c' : 'r'}${list.operationOf(node)}`)
  }
  return seen
}

/** The pending list of indeterminate calls, as labels. */
const pendingLabels = (list: EventList): string[] => labels(list, list.firstPending())

describe('EventList', () => {
  test('orders events by time', () => {
    const list = new EventList([op(0, 10), op(2, 4), op(5, 6)])
    expect(labels(list)).toEqual(['c0', 'c1', 'r1', 'c2', 'r2', 'r0'])
  })

  test('a return at time t comes before a call at time t', () => {
    const list = new EventList([op(3, 5), op(0, 3)])
    expect(labels(list)).toEqual(['c1', 'r1', 'c0', 'r0'])
  })

  test('a zero-length operation at t comes after the other calls at t', () => {
    const list = new EventList([op(4, 4), op(4, 9), op(1, 4)])
    expect(labels(list)).toEqual(['c2', 'r2', 'c0', 'c1', 'r0', 'r1'])
  })

  test('indeterminate operations have only a call, kept in the pending list', () => {
    const list = new EventList([op(3, undefined), op(1, 2), op(0, undefined)])
    expect(labels(list)).toEqual(['c1', 'r1'])
    expect(pendingLabels(list)).toEqual(['c2', 'c0'])
  })

  test('isBefore compares events across both lists in time order', () => {
    const list = new EventList([op(0, 5), op(3, undefined), op(6, undefined)])
    const [returnOf0, callOf1, callOf2] = [list.callOf(0) + 1, list.callOf(1), list.callOf(2)]
    expect(list.isBefore(callOf1, returnOf0)).toBe(true)
    expect(list.isBefore(callOf2, returnOf0)).toBe(false)
  })

  test('lift unlinks both events and unlift restores them, last out first in', () => {
    const list = new EventList([op(0, 10), op(2, 4), op(5, undefined), op(6, 7)])
    const [main, pending] = [labels(list), pendingLabels(list)]
    list.lift(1)
    expect(labels(list)).toEqual(['c0', 'c3', 'r3', 'r0'])
    list.lift(2)
    expect(pendingLabels(list)).toEqual([])
    list.lift(0)
    expect(labels(list)).toEqual(['c3', 'r3'])
    list.unlift(0)
    list.unlift(2)
    list.unlift(1)
    expect(labels(list)).toEqual(main)
    expect(pendingLabels(list)).toEqual(pending)
  })
})

describe('happensBefore', () => {
  test('strictly earlier return precedes, overlap does not', () => {
    expect(happensBefore(op(0, 2), op(3, 4))).toBe(true)
    expect(happensBefore(op(0, 3), op(2, 4))).toBe(false)
    expect(happensBefore(op(3, 4), op(0, 2))).toBe(false)
  })

  test('a return at t precedes a call at t, unless the returning operation started at t', () => {
    expect(happensBefore(op(0, 3), op(3, 5))).toBe(true)
    expect(happensBefore(op(3, 3), op(3, 5))).toBe(false)
    expect(happensBefore(op(3, 3), op(3, 3))).toBe(false)
    expect(happensBefore(op(3, 3), op(4, 5))).toBe(true)
  })

  test('an indeterminate operation precedes nothing', () => {
    expect(happensBefore(op(0, undefined), op(100, 101))).toBe(false)
  })
})
