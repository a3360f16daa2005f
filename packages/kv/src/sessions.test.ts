import { describe, expect, test } from 'vitest'
import type { KvResult } from './commands.js'
import { SessionTable } from './sessions.js'

const put = (revision: number): KvResult => ({ op: 'put', revision })

describe('SessionTable (Raft thesis §6.3)', () => {
  test('a new client, or a higher seq, is applied', () => {
    const table = new SessionTable(4)
    expect(table.check('a', 5)).toEqual({ kind: 'apply' })
    table.record('a', 5, put(1))
    expect(table.check('a', 6)).toEqual({ kind: 'apply' })
  })

  test('a retry of the latest seq gets the cached result', () => {
    const table = new SessionTable(4)
    table.record('a', 1, put(3))
    expect(table.check('a', 1)).toEqual({ kind: 'duplicate', result: put(3) })
  })

  test('an older seq is stale', () => {
    const table = new SessionTable(4)
    table.record('a', 1, put(3))
    table.record('a', 2, put(4))
    expect(table.check('a', 1)).toEqual({ kind: 'stale', latestSeq: 2 })
  })

  test('evicts the least recently used session, where use includes answering a retry', () => {
    const table = new SessionTable(2)
    table.record('a', 1, put(1))
    table.record('b', 1, put(2))
    table.check('a', 1) // a retry from a makes b the least recently used
    const evicted = table.record('c', 1, put(3))
    expect(evicted?.[0]).toBe('b')
    expect([...table.entries()].map(([id]) => id)).toEqual(['a', 'c'])
    expect(table.size).toBe(2)
  })

  test('recording a seq that does not increase is a bug', () => {
    const table = new SessionTable(2)
    table.record('a', 2, put(1))
    expect(() => table.record('a', 2, put(2))).toThrow(/seq 2 after 2/)
  })
})
