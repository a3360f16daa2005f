import { describe, expect, test } from 'vitest'
import { encodeCommand } from './codec.js'
import type { KvCommand } from './commands.js'
import { KvStateMachine } from './kv-state-machine.js'

let seq = 0
const put = (key: string, value: string, clientId = 'c1'): KvCommand => ({
  op: 'put',
  clientId,
  seq: ++seq,
  key,
  value,
})
const get = (key: string, clientId = 'c1'): KvCommand => ({ op: 'get', clientId, seq: ++seq, key })
const del = (key: string, clientId = 'c1'): KvCommand => ({
  op: 'delete',
  clientId,
  seq: ++seq,
  key,
})
const cas = (key: string, expected: string | null, value: string): KvCommand => ({
  op: 'cas',
  clientId: 'c1',
  seq: ++seq,
  key,
  expected,
  value,
})

describe('KvStateMachine', () => {
  test('put, get, delete; revisions are log indexes of the last write', () => {
    const kv = new KvStateMachine()
    expect(kv.apply(3, put('a', '1'))).toEqual({ op: 'put', revision: 3 })
    expect(kv.apply(5, get('a'))).toEqual({ op: 'get', value: '1', revision: 3 })
    expect(kv.apply(6, put('a', '2'))).toEqual({ op: 'put', revision: 6 })
    expect(kv.get('a')).toEqual({ value: '2', revision: 6 })
    expect(kv.apply(7, del('a'))).toEqual({ op: 'delete', existed: true, revision: 7 })
    expect(kv.apply(8, del('a'))).toEqual({ op: 'delete', existed: false, revision: 0 })
    expect(kv.apply(9, get('a'))).toEqual({ op: 'get', value: null, revision: 0 })
    expect(kv.appliedIndex).toBe(9)
  })

  test('cas swaps only on the expected value; null expects absence', () => {
    const kv = new KvStateMachine()
    expect(kv.apply(1, cas('k', null, 'x'))).toEqual({
      op: 'cas',
      swapped: true,
      current: 'x',
      revision: 1,
    })
    expect(kv.apply(2, cas('k', null, 'y'))).toEqual({
      op: 'cas',
      swapped: false,
      current: 'x',
      revision: 1,
    })
    expect(kv.apply(3, cas('k', 'x', 'y'))).toMatchObject({ swapped: true, current: 'y' })
    expect(kv.apply(4, cas('gone', 'x', 'y'))).toMatchObject({ swapped: false, current: null })
  })

  test('§6.3: a retried request is applied once and answered from the session', () => {
    const kv = new KvStateMachine()
    const swap = cas('k', null, 'first')
    expect(kv.apply(1, swap)).toMatchObject({ swapped: true })
    // The same (clientId, seq) reaches the log again: same answer, no second effect.
    expect(kv.apply(2, swap)).toMatchObject({ swapped: true, revision: 1 })
    expect(kv.get('k')).toEqual({ value: 'first', revision: 1 })
  })

  test('unsafeIgnoreSessions applies a retried request twice (for the simulator to catch)', () => {
    const kv = new KvStateMachine({ unsafeIgnoreSessions: true })
    const swap = cas('k', null, 'first')
    expect(kv.apply(1, swap)).toMatchObject({ swapped: true })
    expect(kv.apply(2, swap)).toMatchObject({ swapped: false })
    expect(kv.sessionCount).toBe(0)
  })

  test('§6.3: a late copy of an older request is rejected and changes nothing', () => {
    const kv = new KvStateMachine()
    const old = put('k', 'old')
    kv.apply(1, old)
    kv.apply(2, put('k', 'new'))
    expect(kv.apply(3, old)).toMatchObject({ op: 'rejected', reason: 'stale-request' })
    expect(kv.get('k')?.value).toBe('new')
  })

  test('sessions are bounded, evicting the least recently used client', () => {
    const kv = new KvStateMachine({ sessionsMax: 2 })
    kv.apply(1, put('k', 'a', 'A'))
    kv.apply(2, put('k', 'b', 'B'))
    kv.apply(3, put('k', 'c', 'C'))
    expect(kv.sessionCount).toBe(2)
  })

  test('a malformed entry is rejected the same way everywhere and changes nothing', () => {
    const kv = new KvStateMachine()
    const before = kv.digest()
    const result = kv.applyEncoded(4, new Uint8Array([1, 2, 3]))
    expect(result).toMatchObject({ op: 'rejected', reason: 'invalid-command' })
    expect(kv.digest()).toBe(before)
    expect(kv.appliedIndex).toBe(4)
    expect(kv.applyEncoded(5, encodeCommand(put('z', '1')))).toEqual({ op: 'put', revision: 5 })
  })

  test('indexes must increase', () => {
    const kv = new KvStateMachine()
    kv.apply(5, put('a', '1'))
    expect(() => kv.apply(5, put('a', '2'))).toThrow(/out of order/)
  })

  test('digest: equal histories agree, a different value or revision disagrees', () => {
    const a = new KvStateMachine()
    const b = new KvStateMachine()
    const c = new KvStateMachine()
    const commands = [put('x', '1'), put('y', '2'), del('x')]
    commands.forEach((command, i) => {
      a.apply(i + 1, command)
      b.apply(i + 1, command)
      c.apply(i + 2, command)
    })
    expect(a.digest()).toBe(b.digest())
    expect(a.digest()).not.toBe(c.digest())
    b.apply(10, put('y', '3'))
    expect(a.digest()).not.toBe(b.digest())
  })

  test('snapshot and restore reproduce the state, sessions and digest', () => {
    const kv = new KvStateMachine()
    const retried = put('a', '1', 'c9')
    kv.apply(1, retried)
    kv.apply(2, put('b', '2'))
    kv.apply(4, del('b'))
    const copy = new KvStateMachine()
    copy.restore(kv.snapshot())
    expect(copy.digest()).toBe(kv.digest())
    expect(copy.appliedIndex).toBe(4)
    expect(copy.get('a')).toEqual({ value: '1', revision: 1 })
    expect(copy.snapshot()).toEqual(kv.snapshot())
    // The session came along: a retry after the restore is still answered, not re-applied.
    expect(copy.apply(5, retried)).toEqual({ op: 'put', revision: 1 })
  })

  test('equal states give byte-equal snapshots whatever the key insertion order', () => {
    const a = new KvStateMachine()
    const b = new KvStateMachine()
    const snapshot = (data: [string, string, number][]) =>
      new TextEncoder().encode(
        JSON.stringify({ format: 'raftkit-kv/1', appliedIndex: 2, data, sessions: [] }),
      )
    a.restore(
      snapshot([
        ['y', '1', 1],
        ['x', '2', 2],
      ]),
    )
    b.restore(
      snapshot([
        ['x', '2', 2],
        ['y', '1', 1],
      ]),
    )
    expect(a.snapshot()).toEqual(b.snapshot())
    expect(a.digest()).toBe(b.digest())
  })

  test('a corrupt snapshot stops the replica', () => {
    const kv = new KvStateMachine()
    expect(() => kv.restore(new TextEncoder().encode('{"format":"raftkit-kv/9"}'))).toThrow(
      /format/,
    )
  })

  test('list returns keys with a prefix in order, up to a limit', () => {
    const kv = new KvStateMachine()
    ;['b/2', 'a/1', 'b/1', 'b/3'].forEach((key, i) => kv.apply(i + 1, put(key, key)))
    expect(kv.list('b/', 2).map((item) => item.key)).toEqual(['b/1', 'b/2'])
  })
})
