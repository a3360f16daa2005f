import type { CommandEntry } from '@raftkit/raft'
import { describe, expect, test } from 'vitest'
import { ExpiryIndex } from './expiry-index.js'
import {
  encodeServerCommand,
  ServerStateMachine,
  type ServerCommand,
} from './server-state-machine.js'

let index = 0
function entry(command: ServerCommand): CommandEntry {
  return { kind: 'command', term: 1, index: ++index, data: encodeServerCommand(command) }
}

describe('the server state machine', () => {
  test('a retried TTL write answered from the session table leaves the key as it is now', () => {
    const state = new ServerStateMachine()
    state.apply(
      entry({
        t: 'kv',
        command: { op: 'put', key: 'k', value: 'a', clientId: 'c1', seq: 1 },
        expiresAt: 5_000,
      }),
    )
    // Another client overwrites the key without a TTL.
    state.apply(
      entry({ t: 'kv', command: { op: 'put', key: 'k', value: 'b', clientId: 'c2', seq: 1 } }),
    )
    expect(state.read('k', 10_000)).toMatchObject({ value: 'b' })
    // The first client's retry reaches the log again: same answer, no effect, no TTL revived.
    state.apply(
      entry({
        t: 'kv',
        command: { op: 'put', key: 'k', value: 'a', clientId: 'c1', seq: 1 },
        expiresAt: 5_000,
      }),
    )
    expect(state.read('k', 10_000)).toMatchObject({ value: 'b' })
    expect(state.keysWithTtl).toBe(0)
    expect(state.dueForExpiry(10_000, 10)).toEqual([])
  })

  test('expiry is through the log, at the revision that was due; snapshots keep TTLs', () => {
    const state = new ServerStateMachine()
    state.apply(
      entry({
        t: 'kv',
        command: { op: 'put', key: 'x', value: '1', clientId: 'c', seq: 1 },
        expiresAt: 100,
      }),
    )
    const due = state.dueForExpiry(150, 10)
    expect(due).toHaveLength(1)
    // A write in between makes that expiry stale.
    state.apply(
      entry({
        t: 'kv',
        command: { op: 'put', key: 'x', value: '2', clientId: 'c', seq: 2 },
        expiresAt: 200,
      }),
    )
    expect(state.apply(entry({ t: 'expire', ...due[0]! }))).toEqual({
      t: 'expired',
      expired: false,
    })
    const copy = new ServerStateMachine()
    copy.restore({
      meta: { index, term: 1, config: { voters: ['n1'], learners: [] } },
      data: state.snapshot(),
    })
    expect(copy.read('x', 150)).toMatchObject({ value: '2', expiresAt: 200 })
    const later = copy.dueForExpiry(250, 10)
    expect(later.map((d) => d.key)).toEqual(['x'])
    expect(copy.apply(entry({ t: 'expire', ...later[0]! }))).toEqual({
      t: 'expired',
      expired: true,
    })
    expect(copy.read('x', 0)).toBeUndefined()
  })
})

describe('the expiry index', () => {
  test('finds due keys earliest first, however many keys are not due', () => {
    const expiry = new ExpiryIndex()
    for (let i = 0; i < 1_000; i++) expiry.set(`later-${i}`, 1_000_000 + i)
    expiry.set('soon', 50)
    expiry.set('sooner', 10)
    expect(expiry.due(100, 10)).toEqual(['sooner', 'soon'])
    // Due keys stay until deleted; changed ones follow their new time.
    expiry.set('soon', 2_000_000)
    expiry.delete('sooner')
    expect(expiry.due(100, 10)).toEqual([])
    expect(expiry.due(1_000_004, 3)).toEqual(['later-0', 'later-1', 'later-2'])
    for (let round = 0; round < 50; round++)
      for (let i = 0; i < 100; i++) expiry.set(`later-${i}`, 5_000_000 + round)
    expect(expiry.size).toBe(1_001)
  })
})
