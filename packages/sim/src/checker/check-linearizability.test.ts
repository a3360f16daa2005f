import { describe, expect, test } from 'vitest'
import { checkLinearizability } from './check-linearizability.js'
import type { Model, Operation, Partition } from './types.js'

// A counter: a generic model with a numeric hash and none of the optional hooks, so these tests
// exercise the checker's defaults rather than the key-value model's.
type CounterInput = { readonly kind: 'add'; readonly amount: number } | { readonly kind: 'read' }
type CounterOutput = { readonly value: number } | null
type CounterOp = Operation<CounterInput, CounterOutput>

const counter: Model<number, CounterInput, CounterOutput> = {
  init: () => 0,
  step: (state, input, output) =>
    input.kind === 'add'
      ? { ok: true, state: state + input.amount }
      : { ok: output === undefined || output?.value === state, state },
  hash: (state) => state,
}

function add(clientId: number, call: number, returned: number | undefined, amount = 1): CounterOp {
  const output = returned === undefined ? undefined : null
  return { clientId, input: { kind: 'add', amount }, call, return: returned, output }
}
function read(clientId: number, call: number, returned: number, value: number): CounterOp {
  return { clientId, input: { kind: 'read' }, call, return: returned, output: { value } }
}

describe('checkLinearizability with a model of its own', () => {
  test('without a partition function the whole history is one partition', () => {
    const result = checkLinearizability([add(0, 0, 1), read(1, 2, 3, 0)], counter)
    expect(result).toEqual({
      status: 'violation',
      partition: 'the history',
      message: expect.stringMatching(/^the history is not linearizable \(2 operations\)\./),
      ops: [
        'linearized: #0 client 0 [0, 1] {"kind":"add","amount":1} -> null',
        'not placed: #1 client 1 [2, 3] {"kind":"read"} -> {"value":0}',
      ],
    })
  })

  test('concurrent increments may be read in any interleaving', () => {
    const history = [add(0, 0, 10), add(1, 0, 10, 2), read(2, 1, 2, 2), read(2, 3, 4, 3)]
    expect(checkLinearizability(history, counter)).toEqual({ status: 'ok' })
  })

  test('an indeterminate increment may count once or not at all, never twice', () => {
    const history = [add(0, 0, undefined, 5), read(1, 1, 2, 0)]
    expect(checkLinearizability([...history, read(1, 3, 4, 5)], counter).status).toBe('ok')
    expect(checkLinearizability([...history, read(1, 3, 4, 10)], counter).status).toBe(
      'violation',
    )
  })

  test('without isReadOnly an indeterminate read is kept, and still constrains nothing', () => {
    const unknownRead: CounterOp = {
      clientId: 3, input: { kind: 'read' }, call: 0, return: undefined, output: undefined,
    }
    expect(checkLinearizability([unknownRead, add(0, 1, 2), read(1, 3, 4, 1)], counter)).toEqual({
      status: 'ok',
    })
  })

  test('a long prefix is shortened to its last ten operations', () => {
    const history = Array.from({ length: 15 }, (_, index) => add(0, 2 * index, 2 * index + 1))
    history.push(read(1, 100, 101, 99))
    const result = checkLinearizability(history, counter)
    expect(result.status).toBe('violation')
    if (result.status !== 'violation') return
    expect(result.message).toContain('The longest linearizable prefix found has 15 operations ' +
      '(the first 5 not shown) and leaves the state at 15.')
    expect(result.ops).toHaveLength(11)
  })

  test('many operations that could not be placed are cut at twenty', () => {
    // 25 concurrent reads of 7 when the counter is 0: none can go first.
    const history = Array.from({ length: 25 }, (_, index) => read(index, 0, 10, 7))
    const result = checkLinearizability(history, counter)
    expect(result.status).toBe('violation')
    if (result.status !== 'violation') return
    expect(result.ops).toHaveLength(20)
    expect(result.message).toContain('  ... and 5 more not placed')
  })
})

describe('the search budget', () => {
  // Twelve concurrent increments of distinct powers of two, then a read of a sum that no subset
  // makes: the search has to try every subset before it can say so.
  const hard = [
    ...Array.from({ length: 12 }, (_, index) => add(index, 0, 100, 2 ** index)),
    read(12, 1, 2, 2 ** 12),
  ]

  test('runs out on a hard history and says unknown, not ok', () => {
    const result = checkLinearizability(hard, counter, { maxSearchSteps: 1000 })
    expect(result).toEqual({
      status: 'unknown',
      message: expect.stringContaining('gave up after 1000 search steps (maxSearchSteps)'),
    })
  })

  test('given enough steps, the same history is a violation', () => {
    expect(checkLinearizability(hard, counter).status).toBe('violation')
  })

  test('a zero budget still settles a partition with nothing to place', () => {
    expect(checkLinearizability([], counter, { maxSearchSteps: 0 })).toEqual({ status: 'ok' })
    expect(checkLinearizability([add(0, 0, undefined)], counter, { maxSearchSteps: 0 })).toEqual({
      status: 'ok',
    })
    expect(checkLinearizability([add(0, 0, 1)], counter, { maxSearchSteps: 0 }).status).toBe(
      'unknown',
    )
  })

  test('a violation in one partition outranks another partition running out', () => {
    const split: Model<number, CounterInput, CounterOutput> = {
      ...counter,
      partition: (history): Partition<CounterInput, CounterOutput>[] => [
        { name: 'hard part', history: history.filter((op) => op.clientId <= 12) },
        { name: 'broken part', history: history.filter((op) => op.clientId > 12) },
      ],
    }
    const history = [...hard, read(13, 0, 1, 1)]
    const result = checkLinearizability(history, split, { maxSearchSteps: 1000 })
    expect(result).toMatchObject({ status: 'violation', partition: 'broken part' })
  })
})

describe('malformed histories throw', () => {
  test('a return before its call', () => {
    expect(() => checkLinearizability([add(0, 5, 4)], counter)).toThrow(RangeError)
  })

  test('a time that is not a finite number', () => {
    expect(() => checkLinearizability([add(0, Number.NaN, 4)], counter)).toThrow(RangeError)
    expect(() => checkLinearizability([add(0, 0, Infinity)], counter)).toThrow(RangeError)
  })

  test('an indeterminate operation with an output', () => {
    const op: CounterOp = { ...read(0, 0, 1, 0), return: undefined }
    expect(() => checkLinearizability([op], counter)).toThrow(RangeError)
  })

  test('a negative budget', () => {
    expect(() => checkLinearizability([], counter, { maxSearchSteps: -1 })).toThrow(RangeError)
  })
})
