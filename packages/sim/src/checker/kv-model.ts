import { checkLinearizability } from './check-linearizability.js'
import type {
  CheckOptions,
  LinearizabilityResult,
  Model,
  Operation,
  Partition,
  StepResult,
} from './types.js'

/** A client request to the replicated key-value store. */
export type KvInput =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'delete'; readonly key: string }
  | {
      readonly op: 'cas'
      readonly key: string
      /** The value the key must hold for the swap to happen; `null` means "absent". */
      readonly expected: string | null
      readonly value: string
    }

/** The store's reply to a `KvInput` with the same `op`. */
export type KvOutput =
  | { readonly op: 'put' }
  | { readonly op: 'get'; readonly value: string | null }
  | { readonly op: 'delete'; readonly existed: boolean }
  | { readonly op: 'cas'; readonly swapped: boolean }

/**
 * The value of one key, `null` when absent. The model's state is a single key's value because
 * `partition` splits histories by key: operations on different keys never constrain each other,
 * so a map is linearizable exactly when each key is (P-compositionality).
 */
export type KvState = string | null

/** The sequential specification of the key-value store, one key at a time. */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => null,
  step: stepKv,
  partition: partitionByKey,
  // JSON keeps null and the string "null" apart, so equal hashes mean equal states.
  hash: (state) => JSON.stringify(state),
  inputKey: kvInputKey,
  isReadOnly: (input) => input.op === 'get',
  describeOperation: describeKv,
}

/**
 * Checks a history of key-value operations for linearizability, key by key. See
 * `checkLinearizability` for the verdicts.
 */
export function checkKvHistory(
  history: readonly Operation<KvInput, KvOutput>[],
  options?: CheckOptions,
): LinearizabilityResult {
  return checkLinearizability(history, kvModel, options)
}

function stepKv(
  state: KvState,
  input: KvInput,
  output: KvOutput | undefined,
): StepResult<KvState> {
  // An output of another kind is a bug in the recorder, not behaviour of the store.
  if (output !== undefined && output.op !== input.op) {
    const key = JSON.stringify(input.key)
    throw new TypeError(`a ${input.op} on key ${key} has a ${output.op} output`)
  }
  switch (input.op) {
    case 'put':
      return { ok: true, state: input.value }
    case 'get':
      return { ok: output === undefined || read(output) === state, state }
    case 'delete':
      return { ok: output === undefined || existed(output) === (state !== null), state: null }
    case 'cas': {
      const swapped = state === input.expected
      const ok = output === undefined || wasSwapped(output) === swapped
      return { ok, state: swapped ? input.value : state }
    }
  }
}

// These narrow an output already checked to match its input's `op`.
const read = (output: KvOutput) => (output.op === 'get' ? output.value : undefined)
const existed = (output: KvOutput) => (output.op === 'delete' ? output.existed : undefined)
const wasSwapped = (output: KvOutput) => (output.op === 'cas' ? output.swapped : undefined)

// Fields in a fixed order, whatever order the caller built the object in.
function kvInputKey(input: KvInput): string {
  switch (input.op) {
    case 'put':
      return JSON.stringify([input.op, input.key, input.value])
    case 'get':
    case 'delete':
      return JSON.stringify([input.op, input.key])
    case 'cas':
      return JSON.stringify([input.op, input.key, input.expected, input.value])
  }
}

function partitionByKey(
  history: readonly Operation<KvInput, KvOutput>[],
): Partition<KvInput, KvOutput>[] {
  const byKey = new Map<string, Operation<KvInput, KvOutput>[]>()
  for (const op of history) {
    const ops = byKey.get(op.input.key)
    if (ops === undefined) byKey.set(op.input.key, [op])
    else ops.push(op)
  }
  return [...byKey].map(([key, ops]) => ({ name: `key ${JSON.stringify(key)}`, history: ops }))
}

function describeKv(input: KvInput, output: KvOutput | undefined): string {
  const key = JSON.stringify(input.key)
  const value = (text: string | null) => JSON.stringify(text)
  switch (input.op) {
    case 'put':
      return `put ${key} ${value(input.value)} -> ${output === undefined ? '?' : 'ok'}`
    case 'get':
      return `get ${key} -> ${output === undefined ? '?' : value(read(output) ?? null)}`
    case 'delete': {
      const outcome = output === undefined ? '?' : existed(output) ? 'existed' : 'absent'
      return `delete ${key} -> ${outcome}`
    }
    case 'cas': {
      const outcome = output === undefined ? '?' : wasSwapped(output) ? 'swapped' : 'not swapped'
      return `cas ${key} ${value(input.expected)} -> ${value(input.value)}: ${outcome}`
    }
  }
}
