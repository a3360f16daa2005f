import { assert } from './assert.js'
import { happensBefore } from './event-list.js'
import type { Model, Operation } from './types.js'

/** How many operations of the linearizable prefix a report shows, counting back from its end. */
const prefixShownMax = 10
/** How many operations that could not be placed a report shows. */
const blockedShownMax = 20

/** A violation report: the summary and the operations it is about. */
export interface ViolationReport {
  readonly message: string
  readonly ops: readonly string[]
}

/**
 * Explains why a partition has no linearization, from the longest linearizable prefix the search
 * found. After that prefix, some determinate operation (the earliest to return among those not
 * placed) must take effect before it returns; the operations that could go next are those called
 * before that return, and every one of them was rejected by the model or led to a dead end.
 */
export function describeViolation<S, I, O>(
  partition: string,
  ops: readonly Operation<I, O>[],
  model: Model<S, I, O>,
  longestPrefix: readonly number[],
): ViolationReport {
  const placed = new Set(longestPrefix)
  const unplaced = ops.map((_, index) => index).filter((index) => !placed.has(index))
  const deadline = earliestReturn(ops, unplaced)
  const blocked = unplaced.filter((index) => !happensBefore(ops[deadline]!, ops[index]!))
  const line = (label: string, index: number): string =>
    `${label} ${describeOperation(index, ops[index]!, model)}`
  const shownPrefix = longestPrefix.slice(-prefixShownMax)
  const lines = [
    ...shownPrefix.map((index) => line('linearized:', index)),
    ...blocked.slice(0, blockedShownMax).map((index) => line('not placed:', index)),
  ]
  const stateHash = String(model.hash(stateAfter(ops, model, longestPrefix)))
  const hidden = longestPrefix.length - shownPrefix.length
  const hiddenNote = hidden > 0 ? `(the first ${hidden} not shown) ` : ''
  const more = blocked.length - blockedShownMax
  const summary = [
    `${partition} is not linearizable (${ops.length} operations).`,
    `The longest linearizable prefix found has ${longestPrefix.length} operations ` +
      `${hiddenNote}and leaves the state at ${stateHash}.`,
    `Operation #${deadline} must take effect before it returns at ` +
      `t=${String(ops[deadline]!.return)}, but none of the ${blocked.length} operations that ` +
      'could go next extends the prefix: the model rejects each, or every continuation fails.',
    ...lines.map((text) => `  ${text}`),
    ...(more > 0 ? [`  ... and ${more} more not placed`] : []),
  ]
  return { message: summary.join('\n'), ops: lines }
}

/** One operation for a report: `#4 client 2 [17, 23] get "x" -> "1"`. */
export function describeOperation<S, I, O>(
  index: number,
  op: Operation<I, O>,
  model: Model<S, I, O>,
): string {
  const what =
    model.describeOperation?.(op.input, op.output) ??
    `${JSON.stringify(op.input)} -> ${op.output === undefined ? '?' : JSON.stringify(op.output)}`
  return `#${index} client ${op.clientId} [${op.call}, ${op.return ?? '?'}] ${what}`
}

// The unplaced determinate operation whose return event comes first. One exists: the search only
// gets stuck on the return of an unplaced operation.
function earliestReturn(ops: readonly Operation<unknown, unknown>[], unplaced: number[]): number {
  let earliest: number | undefined
  for (const index of unplaced) {
    const op = ops[index]!
    if (op.return === undefined) continue
    if (earliest === undefined || returnsBefore(op, ops[earliest]!)) earliest = index
  }
  assert(earliest !== undefined, 'a stuck search left no determinate operation unplaced')
  return earliest
}

function returnsBefore(a: Operation<unknown, unknown>, b: Operation<unknown, unknown>): boolean {
  // Same tie rule as the event list: a zero-length operation's return sorts after other returns.
  const rank = (op: Operation<unknown, unknown>): number => (op.return === op.call ? 1 : 0)
  return a.return! < b.return! || (a.return === b.return && rank(a) < rank(b))
}

function stateAfter<S, I, O>(
  ops: readonly Operation<I, O>[],
  model: Model<S, I, O>,
  prefix: readonly number[],
): S {
  let state = model.init()
  for (const index of prefix) {
    const op = ops[index]!
    state = model.step(state, op.input, op.output).state
  }
  return state
}
