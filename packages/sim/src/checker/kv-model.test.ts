import { describe, expect, test } from 'vitest'
import { checkKvHistory, kvModel } from './kv-model.js'
import type { KvInput, KvOutput, KvState } from './kv-model.js'
import type { Operation } from './types.js'

type KvOp = Operation<KvInput, KvOutput>
/** `[call, return]`, or `[call]` for an operation whose outcome the client never learned. */
type Interval = readonly [number, number?]
/** `[expected, value]` of a compare-and-swap. */
type Swap = readonly [string | null, string]

function op(client: number, [call, returned]: Interval, input: KvInput, output: KvOutput): KvOp {
  const known = returned !== undefined
  return { clientId: client, call, return: returned, input, output: known ? output : undefined }
}
const put = (client: number, at: Interval, key: string, value: string): KvOp =>
  op(client, at, { op: 'put', key, value }, { op: 'put' })
const get = (client: number, at: Interval, key: string, value: string | null): KvOp =>
  op(client, at, { op: 'get', key }, { op: 'get', value })
const del = (client: number, at: Interval, key: string, existed: boolean): KvOp =>
  op(client, at, { op: 'delete', key }, { op: 'delete', existed })
function cas(client: number, at: Interval, key: string, swap: Swap, swapped = true): KvOp {
  const [expected, value] = swap
  return op(client, at, { op: 'cas', key, expected, value }, { op: 'cas', swapped })
}

function step(state: KvState, input: KvInput, output?: KvOutput) {
  return kvModel.step(state, input, output)
}

describe('kvModel.step', () => {
  test('put always succeeds and sets the value', () => {
    expect(step(null, { op: 'put', key: 'k', value: 'a' }, { op: 'put' })).toEqual({
      ok: true,
      state: 'a',
    })
  })

  test('get must return the current value, null when absent', () => {
    const input: KvInput = { op: 'get', key: 'k' }
    expect(step('a', input, { op: 'get', value: 'a' }).ok).toBe(true)
    expect(step('a', input, { op: 'get', value: 'b' }).ok).toBe(false)
    expect(step(null, input, { op: 'get', value: null }).ok).toBe(true)
    expect(step(null, input, { op: 'get', value: 'null' }).ok).toBe(false)
  })

  test('delete reports whether the key existed and leaves it absent', () => {
    const input: KvInput = { op: 'delete', key: 'k' }
    expect(step('a', input, { op: 'delete', existed: true })).toEqual({ ok: true, state: null })
    expect(step('a', input, { op: 'delete', existed: false }).ok).toBe(false)
    expect(step(null, input, { op: 'delete', existed: false }).ok).toBe(true)
    expect(step(null, input, { op: 'delete', existed: true }).ok).toBe(false)
  })

  test('cas swaps exactly when the value equals expected; expected null means absent', () => {
    const swapA: KvInput = { op: 'cas', key: 'k', expected: 'a', value: 'b' }
    expect(step('a', swapA, { op: 'cas', swapped: true })).toEqual({ ok: true, state: 'b' })
    expect(step('a', swapA, { op: 'cas', swapped: false }).ok).toBe(false)
    expect(step('c', swapA, { op: 'cas', swapped: false })).toEqual({ ok: true, state: 'c' })
    expect(step('c', swapA, { op: 'cas', swapped: true }).ok).toBe(false)
    const create: KvInput = { op: 'cas', key: 'k', expected: null, value: 'b' }
    expect(step(null, create, { op: 'cas', swapped: true })).toEqual({ ok: true, state: 'b' })
    expect(step('a', create, { op: 'cas', swapped: false })).toEqual({ ok: true, state: 'a' })
  })

  test('an unknown output is accepted and the operation still has its effect', () => {
    const swap: KvInput = { op: 'cas', key: 'k', expected: 'a', value: 'b' }
    expect(step('a', swap)).toEqual({ ok: true, state: 'b' })
    expect(step('c', swap)).toEqual({ ok: true, state: 'c' })
    expect(step('a', { op: 'delete', key: 'k' })).toEqual({ ok: true, state: null })
    expect(step('a', { op: 'get', key: 'k' })).toEqual({ ok: true, state: 'a' })
  })

  test('an output of the wrong kind is a recording bug and throws', () => {
    expect(() => step(null, { op: 'get', key: 'k' }, { op: 'put' })).toThrow(TypeError)
  })

  test('the hash tells an absent key from the string "null"', () => {
    expect(kvModel.hash(null)).not.toBe(kvModel.hash('null'))
  })

  test('only get is read-only', () => {
    expect(kvModel.isReadOnly?.({ op: 'get', key: 'k' })).toBe(true)
    expect(kvModel.isReadOnly?.({ op: 'delete', key: 'k' })).toBe(false)
  })
})

describe('checkKvHistory: linearizable histories', () => {
  test('the empty history', () => {
    expect(checkKvHistory([])).toEqual({ status: 'ok' })
  })

  test('a sequential history', () => {
    const history = [
      put(0, [0, 1], 'x', 'a'),
      get(0, [2, 3], 'x', 'a'),
      cas(0, [4, 5], 'x', ['a', 'b']),
      del(0, [6, 7], 'x', true),
      get(0, [8, 9], 'x', null),
    ]
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })

  test('a read concurrent with a write may see the old or the new value', () => {
    for (const seen of [null, 'a']) {
      expect(checkKvHistory([put(0, [0, 10], 'x', 'a'), get(1, [2, 5], 'x', seen)])).toEqual({
        status: 'ok',
      })
    }
  })

  test('concurrent writes may take effect in either order', () => {
    for (const last of ['a', 'b']) {
      const writes = [put(0, [0, 5], 'x', 'a'), put(1, [1, 6], 'x', 'b')]
      expect(checkKvHistory([...writes, get(2, [7, 8], 'x', last)])).toEqual({ status: 'ok' })
    }
  })

  test('reads in either order during two concurrent writes', () => {
    // Reads by two clients see b then a: writes linearized b, then a; each read in between.
    const history = [
      put(0, [0, 20], 'x', 'a'),
      put(1, [0, 20], 'x', 'b'),
      get(2, [1, 5], 'x', 'b'),
      get(3, [6, 9], 'x', 'a'),
    ]
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })

  test('a read called at the tick a write returned sees the write', () => {
    expect(checkKvHistory([put(0, [0, 3], 'x', 'a'), get(1, [3, 4], 'x', 'a')])).toEqual({
      status: 'ok',
    })
  })

  test('a zero-length operation is concurrent with other calls in its tick', () => {
    // The get at [3, 3] and the put called at 3 overlap, so the get may go first.
    const history = [put(0, [3, 5], 'x', 'a'), get(1, [3, 3], 'x', null), get(1, [6, 7], 'x', 'a')]
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })
})

describe('checkKvHistory: violations', () => {
  test('a stale read after a completed write', () => {
    const result = checkKvHistory([put(0, [0, 1], 'x', 'a'), get(1, [2, 3], 'x', null)])
    expect(result).toEqual({
      status: 'violation',
      partition: 'key "x"',
      message: expect.stringContaining('key "x" is not linearizable (2 operations).'),
      ops: [
        'linearized: #0 client 0 [0, 1] put "x" "a" -> ok',
        'not placed: #1 client 1 [2, 3] get "x" -> null',
      ],
    })
  })

  test('a read at the tick a write returned cannot miss it', () => {
    const result = checkKvHistory([put(0, [0, 3], 'x', 'a'), get(1, [3, 4], 'x', null)])
    expect(result.status).toBe('violation')
  })

  test('a read that sees a value, then a later read that sees the older value', () => {
    const history = [
      put(0, [0, 1], 'x', 'a'),
      put(0, [2, 20], 'x', 'b'),
      get(1, [3, 4], 'x', 'b'),
      get(2, [5, 6], 'x', 'a'),
    ]
    const result = checkKvHistory(history)
    expect(result.status).toBe('violation')
    if (result.status !== 'violation') return
    expect(result.ops).toContain('not placed: #3 client 2 [5, 6] get "x" -> "a"')
  })

  test('a cas that swaps on a value never written', () => {
    const history = [put(0, [0, 1], 'x', 'a'), cas(1, [2, 3], 'x', ['z', 'b'])]
    expect(checkKvHistory(history).status).toBe('violation')
  })

  test('a cas that fails although the expected value was there all along', () => {
    const history = [put(0, [0, 1], 'x', 'a'), cas(1, [2, 3], 'x', ['a', 'b'], false)]
    expect(checkKvHistory(history).status).toBe('violation')
  })

  test('a delete that claims the key existed when it never did', () => {
    expect(checkKvHistory([del(0, [0, 1], 'x', true)]).status).toBe('violation')
  })

  test('two completed creates of the same key both succeeding', () => {
    const history = [cas(0, [0, 5], 'x', [null, 'a']), cas(1, [1, 6], 'x', [null, 'b'])]
    expect(checkKvHistory(history).status).toBe('violation')
  })

  test('the report names the key and shows the prefix and the stuck operations', () => {
    const history = [
      put(0, [0, 1], 'x', 'a'),
      put(1, [2, 3], 'x', 'b'),
      get(2, [4, 10], 'x', 'c'),
      get(0, [5, 6], 'x', 'b'),
    ]
    const result = checkKvHistory(history)
    expect(result).toEqual({
      status: 'violation',
      partition: 'key "x"',
      message: [
        'key "x" is not linearizable (4 operations).',
        'The longest linearizable prefix found has 3 operations and leaves the state at "b".',
        'Operation #2 must take effect before it returns at t=10, but none of the 1 operations ' +
          'that could go next extends the prefix: the model rejects each, or every ' +
          'continuation fails.',
        '  linearized: #0 client 0 [0, 1] put "x" "a" -> ok',
        '  linearized: #1 client 1 [2, 3] put "x" "b" -> ok',
        '  linearized: #3 client 0 [5, 6] get "x" -> "b"',
        '  not placed: #2 client 2 [4, 10] get "x" -> "c"',
      ].join('\n'),
      ops: [
        'linearized: #0 client 0 [0, 1] put "x" "a" -> ok',
        'linearized: #1 client 1 [2, 3] put "x" "b" -> ok',
        'linearized: #3 client 0 [5, 6] get "x" -> "b"',
        'not placed: #2 client 2 [4, 10] get "x" -> "c"',
      ],
    })
  })
})

describe('checkKvHistory: indeterminate operations', () => {
  test('an indeterminate write that took effect', () => {
    const history = [put(0, [0], 'x', 'a'), get(1, [5, 6], 'x', 'a'), get(1, [7, 8], 'x', 'a')]
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })

  test('an indeterminate write that never took effect', () => {
    const history = [put(0, [0], 'x', 'a'), get(1, [5, 6], 'x', null), get(1, [70, 80], 'x', null)]
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })

  test('an indeterminate write may take effect long after its client moved on', () => {
    const history = [
      put(0, [0], 'x', 'a'),
      put(0, [5, 6], 'x', 'b'),
      get(1, [7, 8], 'x', 'b'),
      get(1, [9, 10], 'x', 'a'),
    ]
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })

  test('an indeterminate write cannot take effect before its call', () => {
    const history = [get(1, [0, 1], 'x', 'a'), put(0, [2], 'x', 'a')]
    expect(checkKvHistory(history).status).toBe('violation')
  })

  test('an indeterminate write takes effect at most once', () => {
    const history = [
      put(0, [0], 'x', 'a'),
      get(1, [1, 2], 'x', 'a'),
      put(2, [3, 4], 'x', 'b'),
      get(1, [5, 6], 'x', 'a'),
      put(2, [7, 8], 'x', 'c'),
      get(1, [9, 10], 'x', 'a'),
    ]
    expect(checkKvHistory(history).status).toBe('violation')
    // "a" seen before and after "b" was written: the write would have to land twice.
    expect(checkKvHistory(history.slice(0, 4)).status).toBe('violation')
    // Seen only after "b", the write may simply have landed late.
    expect(checkKvHistory([history[0]!, history[2]!, history[3]!])).toEqual({ status: 'ok' })
  })

  test('an indeterminate cas that did or did not swap', () => {
    const prefix = [put(0, [0, 1], 'x', 'a'), cas(1, [2], 'x', ['a', 'b'])]
    expect(checkKvHistory([...prefix, get(2, [5, 6], 'x', 'b')])).toEqual({ status: 'ok' })
    expect(checkKvHistory([...prefix, get(2, [5, 6], 'x', 'a')])).toEqual({ status: 'ok' })
  })

  test('an indeterminate cas cannot swap when the expected value is never there', () => {
    const history = [
      put(0, [0, 1], 'x', 'a'),
      cas(1, [2], 'x', ['z', 'b']),
      get(2, [5, 6], 'x', 'b'),
    ]
    expect(checkKvHistory(history).status).toBe('violation')
  })

  test('an indeterminate delete that did or did not happen', () => {
    const prefix = [put(0, [0, 1], 'x', 'a'), del(1, [2], 'x', true)]
    expect(checkKvHistory([...prefix, get(2, [5, 6], 'x', null)])).toEqual({ status: 'ok' })
    expect(checkKvHistory([...prefix, get(2, [5, 6], 'x', 'a')])).toEqual({ status: 'ok' })
  })

  test('indeterminate reads are dropped and constrain nothing', () => {
    const history = [get(0, [0], 'x', null), put(1, [1, 2], 'x', 'a'), get(0, [3], 'x', null)]
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })

  test('a completed operation with an unknown result still takes effect before its return', () => {
    // The cas returned at 2, so it swapped (the key was absent) before the get was called.
    const unknownResult: KvOp = { ...cas(0, [0, 2], 'x', [null, 'a']), output: undefined }
    expect(checkKvHistory([unknownResult, get(1, [3, 4], 'x', 'a')])).toEqual({ status: 'ok' })
    expect(checkKvHistory([unknownResult, get(1, [3, 4], 'x', null)]).status).toBe('violation')
  })
})

describe('checkKvHistory: many keys', () => {
  test('keys are checked independently and a violation names its key', () => {
    const history: KvOp[] = []
    for (let k = 0; k < 50; k++) {
      const key = `k${k}`
      history.push(put(k % 3, [k, k + 2], key, `v${k}`))
      history.push(get((k + 1) % 3, [k + 3, k + 4], key, `v${k}`))
    }
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
    history.push(get(4, [100, 101], 'k17', 'v16'))
    const result = checkKvHistory(history)
    expect(result.status).toBe('violation')
    if (result.status === 'violation') expect(result.partition).toBe('key "k17"')
  })

  test('operations on different keys do not constrain each other', () => {
    const history = [
      put(0, [0, 1], 'x', 'a'),
      get(1, [2, 3], 'y', null),
      put(1, [4, 5], 'y', 'b'),
      get(0, [6, 7], 'x', 'a'),
    ]
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })
})
