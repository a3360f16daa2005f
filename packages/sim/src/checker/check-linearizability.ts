import { unreachable } from './assert.js'
import { describeViolation } from './describe-violation.js'
import { relevantOperations, validateHistory } from './prepare-history.js'
import { searchLinearization } from './search.js'
import type { CheckOptions, LinearizabilityResult, Model, Operation, Partition } from './types.js'

/**
 * The default search budget per partition: some seconds and under a hundred megabytes at most.
 *
 * Measured on one key with five clients: a linearizable history takes 5 to 50 steps per
 * operation. Proving that a history is not linearizable means searching it to the end: about 40
 * steps per operation with no indeterminate operations, a few hundred when 1 operation in 200 is
 * indeterminate, and a few thousand when 1 in 50 is. So a violation late in a partition of 2000
 * operations with many timeouts can come back `unknown`; keys with shorter histories help most.
 */
export const defaultMaxSearchSteps = 5_000_000

/**
 * Checks that a history is linearizable with respect to a model.
 *
 * The history is split by `model.partition` and each part is searched on its own. A violation in
 * any part is a violation of the whole, and is reported as soon as it is found; `unknown` is
 * reported only if no part is a violation and some part ran out of budget.
 *
 * Throws a `RangeError` for a malformed history (a non-finite time, a return before its call).
 */
export function checkLinearizability<S, I, O>(
  history: readonly Operation<I, O>[],
  model: Model<S, I, O>,
  options: CheckOptions = {},
): LinearizabilityResult {
  const maxSearchSteps = options.maxSearchSteps ?? defaultMaxSearchSteps
  if (!(maxSearchSteps >= 0)) throw new RangeError(`maxSearchSteps ${maxSearchSteps}`)
  validateHistory(history)
  const partitions: readonly Partition<I, O>[] = model.partition?.(history) ?? [
    { name: 'the history', history },
  ]
  let unknown: string | undefined
  let unknownCount = 0
  for (const partition of partitions) {
    const ops = relevantOperations(partition.history, model)
    const outcome = searchLinearization(ops, model, maxSearchSteps)
    switch (outcome.kind) {
      case 'linearizable':
        break
      case 'stuck': {
        const report = describeViolation(partition.name, ops, model, outcome.longestPrefix)
        return { status: 'violation', partition: partition.name, ...report }
      }
      case 'budget-exhausted':
        unknownCount++
        unknown ??=
          `${partition.name}: gave up after ${maxSearchSteps} search steps (maxSearchSteps) ` +
          `with a longest linearizable prefix of ${outcome.longestPrefix.length} of its ` +
          `${ops.length} operations; it may or may not be linearizable.`
        break
      default:
        return unreachable(outcome)
    }
  }
  if (unknown === undefined) return { status: 'ok' }
  const others = unknownCount > 1 ? ` ${unknownCount - 1} other partitions also gave up.` : ''
  return { status: 'unknown', message: unknown + others }
}
