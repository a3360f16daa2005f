/**
 * Randomized tests of the checker against the key-value model.
 *
 * Histories generated from a real sequential execution, each operation taking effect at a chosen
 * instant inside its interval, are linearizable by construction and must pass. Mutations that
 * provably break linearizability must be caught. Small random histories, linearizable or not, must
 * get the same verdict as a brute-force search over all orders. Every seed is fixed, so a failure
 * reproduces exactly.
 */
import { describe, expect, test } from 'vitest'
import { DepthFirstSearch } from './depth-first-search.js'
import { FewestIndeterminateFirstSearch } from './fewest-indeterminate-first-search.js'
import { checkKvHistory, kvModel } from './kv-model.js'
import type { KvInput, KvOutput, KvState } from './kv-model.js'
import { relevantOperations } from './prepare-history.js'
import { SearchState } from './search-state.js'
import type { Operation } from './types.js'

type KvOp = Operation<KvInput, KvOutput>

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter), a tiny PRNG that passes PractRand. */
class Random {
  #a = 0x9e3779b9
  #b = 0x243f6a88
  #c = 0xb7e15162
  #d: number

  constructor(seed: number) {
    this.#d = seed >>> 0
    for (let i = 0; i < 12; i++) this.next()
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (((this.#c << 21) | (this.#c >>> 11)) + t) | 0
    return (t >>> 0) / 4294967296
  }

  int(boundExclusive: number): number {
    return Math.floor(this.next() * boundExclusive)
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
}

/** What the store does to one key, written independently of `kvModel` to cross-check it. */
function apply(state: KvState, input: KvInput): { state: KvState; output: KvOutput } {
  switch (input.op) {
    case 'put':
      return { state: input.value, output: { op: 'put' } }
    case 'get':
      return { state, output: { op: 'get', value: state } }
    case 'delete':
      return { state: null, output: { op: 'delete', existed: state !== null } }
    case 'cas': {
      const swapped = state === input.expected
      return { state: swapped ? input.value : state, output: { op: 'cas', swapped } }
    }
  }
}

interface WorkloadConfig {
  readonly clients: number
  readonly opsPerClient: number
  readonly keys: readonly string[]
  /** Values to write; `undefined` gives every write a fresh value. */
  readonly values: readonly string[] | undefined
  readonly indeterminateChance: number
}

interface Planned {
  readonly clientId: number
  readonly input: KvInput
  readonly call: number
  readonly return: number | undefined
  /** When it takes effect, or undefined if it never does. */
  readonly effectAt: number | undefined
}

/**
 * Runs clients against a real store. Times are doubled so that every effect, at an odd time,
 * lies strictly inside its operation's even-timed interval: two effects at the same instant then
 * belong to overlapping operations, and either order is a valid linearization.
 */
function generateHistory(random: Random, config: WorkloadConfig): KvOp[] {
  const planned: Planned[] = []
  let fresh = 0
  const written = new Map<string, string[]>()
  for (let clientId = 0; clientId < config.clients; clientId++) {
    let time = 2 * random.int(4)
    for (let n = 0; n < config.opsPerClient; n++) {
      const key = random.pick(config.keys)
      const value = config.values === undefined ? `v${fresh++}` : random.pick(config.values)
      const input = randomInput(random, key, value, written.get(key) ?? [])
      if (input.op === 'put' || input.op === 'cas') {
        written.set(key, [...(written.get(key) ?? []), value])
      }
      const duration = 1 + random.int(6)
      const call = time
      if (random.chance(config.indeterminateChance)) {
        // The client gives up; the request lands much later, or is lost.
        const effectAt = random.chance(0.5) ? call + 1 + 2 * random.int(40) : undefined
        planned.push({ clientId, input, call, return: undefined, effectAt })
        time = call + 2 * (duration + 3)
      } else {
        const effectAt = call + 1 + 2 * random.int(duration)
        planned.push({ clientId, input, call, return: call + 2 * duration, effectAt })
        time = call + 2 * duration
      }
      time += 2 * random.int(3)
    }
  }
  return execute(planned)
}

function randomInput(random: Random, key: string, value: string, written: string[]): KvInput {
  const roll = random.next()
  if (roll < 0.35) return { op: 'put', key, value }
  if (roll < 0.7) return { op: 'get', key }
  if (roll < 0.8) return { op: 'delete', key }
  const expected = written.length === 0 || random.chance(0.2) ? null : random.pick(written)
  return { op: 'cas', key, expected, value }
}

/** Applies the planned operations in effect order and records what each client saw. */
function execute(planned: readonly Planned[]): KvOp[] {
  const outputs = new Map<Planned, KvOutput>()
  const store = new Map<string, KvState>()
  const effects = planned.filter((op) => op.effectAt !== undefined)
  effects.sort((a, b) => a.effectAt! - b.effectAt!)
  for (const op of effects) {
    const result = apply(store.get(op.input.key) ?? null, op.input)
    store.set(op.input.key, result.state)
    outputs.set(op, result.output)
  }
  return planned.map((op) => ({
    clientId: op.clientId,
    input: op.input,
    call: op.call,
    return: op.return,
    output: op.return === undefined ? undefined : outputs.get(op),
  }))
}

/** A determinate get that returned a value, chosen at random, with its index. */
function someRead(random: Random, history: readonly KvOp[], nonNull: boolean): number | undefined {
  const reads = history.flatMap((op, index) =>
    op.output?.op === 'get' && (!nonNull || op.output.value !== null) ? [index] : [],
  )
  return reads.length === 0 ? undefined : random.pick(reads)
}

/** The status for a seed, so that a failing assertion names the seed that reproduces it. */
function verdict(seed: number, history: readonly KvOp[]): { seed: number; status: string } {
  return { seed, status: checkKvHistory(history).status }
}

const smallWorkload: WorkloadConfig = {
  clients: 4,
  opsPerClient: 12,
  keys: ['a', 'b', 'c'],
  values: undefined,
  indeterminateChance: 0.1,
}

describe('histories from a real execution are linearizable', () => {
  const workloads: Record<string, WorkloadConfig> = {
    'fresh values, three keys': smallWorkload,
    'few values, one key (many equivalent orders)': {
      ...smallWorkload,
      keys: ['k'],
      values: ['x', 'y'],
    },
    'five clients, many indeterminate': {
      ...smallWorkload,
      clients: 5,
      keys: ['k', 'l'],
      indeterminateChance: 0.3,
    },
  }
  for (const [name, config] of Object.entries(workloads)) {
    test(name, () => {
      for (let seed = 1; seed <= 150; seed++) {
        const history = generateHistory(new Random(seed), config)
        expect(verdict(seed, history)).toEqual({ seed, status: 'ok' })
      }
    })
  }
})

describe('mutated histories are rejected', () => {
  test('a read of a value never written', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const random = new Random(seed)
      const history = generateHistory(random, { ...smallWorkload, values: ['x', 'y'] })
      const index = someRead(random, history, false)
      if (index === undefined) continue
      const read = history[index]!
      history[index] = { ...read, output: { op: 'get', value: 'never written' } }
      const result = checkKvHistory(history)
      expect({ seed, status: result.status }).toEqual({ seed, status: 'violation' })
      if (result.status === 'violation') {
        expect(result.partition).toBe(`key ${JSON.stringify(read.input.key)}`)
      }
    }
  })

  test('a read moved to before the write of the value it saw', () => {
    let mutated = 0
    for (let seed = 1; seed <= 150; seed++) {
      const random = new Random(seed)
      const history = generateHistory(random, smallWorkload)
      const index = someRead(random, history, true)
      if (index === undefined) continue
      const read = history[index]!
      const seen = read.output?.op === 'get' ? read.output.value : null
      // Values are fresh, so exactly one operation ever writes the value the read saw.
      const writer = history.find((op) => 'value' in op.input && op.input.value === seen)!
      history[index] = { ...read, call: writer.call - 2, return: writer.call - 1 }
      expect(verdict(seed, history)).toEqual({ seed, status: 'violation' })
      mutated++
    }
    expect(mutated).toBeGreaterThan(100)
  })

  test('a cas that swaps on a value never written', () => {
    let mutated = 0
    for (let seed = 1; seed <= 150; seed++) {
      const random = new Random(seed)
      const history = generateHistory(random, smallWorkload)
      const swaps = history.flatMap((op, index) => (op.output?.op === 'cas' ? [index] : []))
      if (swaps.length === 0) continue
      const index = random.pick(swaps)
      const swap = history[index]!
      if (swap.input.op !== 'cas') throw new Error('expected a cas')
      history[index] = {
        ...swap,
        input: { ...swap.input, expected: 'never written' },
        output: { op: 'cas', swapped: true },
      }
      expect(verdict(seed, history)).toEqual({ seed, status: 'violation' })
      mutated++
    }
    expect(mutated).toBeGreaterThan(100)
  })
})

/** Whether a precedes b in real time: the rule documented on `Operation`, restated here. */
function precedes(a: KvOp, b: KvOp): boolean {
  if (a.return === undefined) return false
  return a.return < b.call || (a.return === b.call && a.call < a.return)
}

/**
 * Tries every order of every subset of the operations that includes all determinate ones, with
 * no memoization and no pruning beyond real time: slow, and obviously right.
 */
function bruteForceLinearizable(ops: readonly KvOp[]): boolean {
  const placed = ops.map(() => false)
  const search = (state: KvState, determinateLeft: number): boolean => {
    if (determinateLeft === 0) return true
    return ops.some((op, index) => {
      if (placed[index]) return false
      if (ops.some((other, j) => !placed[j] && j !== index && precedes(other, op))) return false
      const result = apply(state, op.input)
      if (op.output !== undefined && JSON.stringify(op.output) !== JSON.stringify(result.output)) {
        return false
      }
      placed[index] = true
      const found = search(result.state, determinateLeft - (op.return === undefined ? 0 : 1))
      placed[index] = false
      return found
    })
  }
  return search(null, ops.filter((op) => op.return !== undefined).length)
}

/** A small history with arbitrary intervals and arbitrary (often impossible) outputs. */
function arbitraryHistory(random: Random): KvOp[] {
  const count = 1 + random.int(7)
  return Array.from({ length: count }, (): KvOp => {
    const input = randomInput(random, 'k', random.pick(['a', 'b']), ['a', 'b'])
    const call = random.int(6)
    const returned = random.chance(0.2) ? undefined : call + random.int(4)
    const value = random.pick([null, 'a', 'b'])
    const output: KvOutput =
      input.op === 'put'
        ? { op: 'put' }
        : input.op === 'get'
          ? { op: 'get', value }
          : input.op === 'delete'
            ? { op: 'delete', existed: random.chance(0.5) }
            : { op: 'cas', swapped: random.chance(0.5) }
    const known = returned !== undefined
    const clientId = random.int(3)
    return { clientId, input, call, return: returned, output: known ? output : undefined }
  })
}

describe('agrees with a brute-force search on small arbitrary histories', () => {
  const seeds = Array.from({ length: 3000 }, (_, index) => index + 1)
  const expected = seeds.map((seed) => {
    const history = arbitraryHistory(new Random(seed))
    return { history, status: bruteForceLinearizable(history) ? 'ok' : 'violation' }
  })

  test('both verdicts are common, so the agreement is not vacuous', () => {
    const oks = expected.filter(({ status }) => status === 'ok').length
    expect(oks).toBeGreaterThan(500)
    expect(expected.length - oks).toBeGreaterThan(500)
  })

  test('checkKvHistory', () => {
    expected.forEach(({ history, status }, index) => {
      expect(verdict(seeds[index]!, history)).toEqual({ seed: seeds[index], status })
    })
  })

  // The checker runs the two orders side by side and takes the first answer, so on small
  // histories one order may never decide anything. Each must be right on its own.
  const orders = {
    'depth-first': DepthFirstSearch,
    'fewest-indeterminate-first': FewestIndeterminateFirstSearch,
  }
  for (const [name, Search] of Object.entries(orders)) {
    test(`the ${name} search alone`, () => {
      expected.forEach(({ history, status }, index) => {
        const ops = relevantOperations(history, kvModel)
        const progress = new Search(new SearchState(ops, kvModel)).advance(Infinity)
        const found = progress === 'linearizable' ? 'ok' : 'violation'
        expect({ seed: seeds[index], status: found }).toEqual({ seed: seeds[index], status })
      })
    })
  }
})

describe('the two search orders agree on medium histories', () => {
  test('real histories with one read changed to another value written to its key', () => {
    const verdicts = { linearizable: 0, stuck: 0 }
    for (let seed = 1; seed <= 300; seed++) {
      const random = new Random(seed)
      const config = { ...smallWorkload, values: ['x', 'y', 'z'], indeterminateChance: 0.3 }
      const history = generateHistory(random, config)
      const index = someRead(random, history, false)
      if (index !== undefined) {
        const value = random.pick([null, 'x', 'y', 'z'])
        history[index] = { ...history[index]!, output: { op: 'get', value } }
      }
      const ops = relevantOperations(history, kvModel)
      const partitions = kvModel.partition!(ops).map((part) => part.history)
      const run = (Search: typeof DepthFirstSearch | typeof FewestIndeterminateFirstSearch) =>
        partitions.every((part) => {
          const progress = new Search(new SearchState(part, kvModel)).advance(Infinity)
          return progress === 'linearizable'
        })
      const depthFirst = run(DepthFirstSearch) ? 'linearizable' : 'stuck'
      const fewestFirst = run(FewestIndeterminateFirstSearch) ? 'linearizable' : 'stuck'
      expect({ seed, fewestFirst }).toEqual({ seed, fewestFirst: depthFirst })
      verdicts[depthFirst]++
    }
    expect(verdicts.linearizable).toBeGreaterThan(50)
    expect(verdicts.stuck).toBeGreaterThan(50)
  })
})

describe('performance sanity', () => {
  const longWorkload: WorkloadConfig = {
    clients: 5,
    opsPerClient: 400,
    keys: ['k'],
    values: ['x', 'y', 'z'],
    indeterminateChance: 0.02,
  }

  test('2000 operations on one key from 5 clients get a definite verdict', () => {
    const history = generateHistory(new Random(2024), longWorkload)
    expect(history).toHaveLength(2000)
    expect(checkKvHistory(history)).toEqual({ status: 'ok' })
  })

  test('a violation at the end of 2000 operations, some indeterminate, is proved', () => {
    // Proving a violation means searching every order; at 1 indeterminate operation in 200 it
    // takes under a second.
    const history = generateHistory(new Random(7), { ...longWorkload, indeterminateChance: 0.005 })
    const lastRead = history.findLastIndex((op) => op.output?.op === 'get')
    history[lastRead] = { ...history[lastRead]!, output: { op: 'get', value: 'never written' } }
    expect(checkKvHistory(history).status).toBe('violation')
  })
})
