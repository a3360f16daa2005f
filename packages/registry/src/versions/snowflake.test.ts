import { describe, expect, test } from 'vitest'
import {
  SnowflakeGenerator,
  decodeSnowflake,
  snowflakeEpochMs,
  workerIdFromMemberId,
} from './snowflake.js'

const asBig = (id: string): bigint => BigInt(id)

describe('SnowflakeGenerator', () => {
  test('lays out time, worker and sequence', () => {
    const at = snowflakeEpochMs + 123_456
    const ids = new SnowflakeGenerator({ workerId: 7, now: () => at })
    const first = ids.next()
    expect(decodeSnowflake(first)).toEqual({ timestampMs: at, workerId: 7, sequence: 0 })
    expect(decodeSnowflake(ids.next())).toEqual({ timestampMs: at, workerId: 7, sequence: 1 })
  })

  test('stays strictly increasing when the clock steps back', () => {
    let now = snowflakeEpochMs + 10_000
    const ids = new SnowflakeGenerator({ workerId: 1, now: () => now })
    const seen: bigint[] = []
    for (let i = 0; i < 50; i++) {
      seen.push(asBig(ids.next()))
      now += i % 10 === 9 ? -5_000 : 1
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true)
  })

  test('borrows the next millisecond when 4096 ids are taken in one', () => {
    const now = snowflakeEpochMs + 1
    const ids = new SnowflakeGenerator({ workerId: 3, now: () => now })
    let last = 0n
    for (let i = 0; i < 5000; i++) {
      const id = asBig(ids.next())
      expect(id > last).toBe(true)
      last = id
    }
    expect(decodeSnowflake(last.toString())).toEqual({
      timestampMs: now + 1,
      workerId: 3,
      sequence: 5000 - 4097,
    })
  })

  test('continues after a previously issued id', () => {
    const now = snowflakeEpochMs + 5
    const before = new SnowflakeGenerator({ workerId: 2, now: () => now + 1000 }).next()
    const after = new SnowflakeGenerator({ workerId: 2, now: () => now, after: before }).next()
    expect(asBig(after) > asBig(before)).toBe(true)
  })

  test('different workers never collide in the same millisecond', () => {
    const now = snowflakeEpochMs + 77
    const a = new SnowflakeGenerator({ workerId: workerIdFromMemberId('n1'), now: () => now })
    const b = new SnowflakeGenerator({ workerId: workerIdFromMemberId('n2'), now: () => now })
    const ids = new Set<string>()
    for (let i = 0; i < 1000; i++) ids.add(a.next()).add(b.next())
    expect(ids.size).toBe(2000)
  })

  test('worker ids come from a trailing number, else a hash', () => {
    expect(workerIdFromMemberId('n1')).toBe(1)
    expect(workerIdFromMemberId('node-1025')).toBe(1)
    const hashed = workerIdFromMemberId('alpha')
    expect(hashed).toBeGreaterThanOrEqual(0)
    expect(hashed).toBeLessThan(1024)
    expect(workerIdFromMemberId('alpha')).toBe(hashed)
  })

  test('rejects a worker id out of range', () => {
    expect(() => new SnowflakeGenerator({ workerId: 1024, now: () => 0 })).toThrow(/outside/)
  })
})
