import type { Model, Operation } from './types.js'

/**
 * Rejects a malformed history. A malformed history is a bug in whoever recorded it, not a verdict
 * about the system under test, so this throws rather than returning a result.
 */
export function validateHistory(history: readonly Operation<unknown, unknown>[]): void {
  history.forEach((op, index) => {
    const where = `operation ${index} (client ${op.clientId})`
    if (!Number.isFinite(op.call)) throw new RangeError(`${where}: call time ${op.call}`)
    if (op.return === undefined) {
      if (op.output !== undefined) {
        throw new RangeError(`${where}: an indeterminate operation has no output`)
      }
    } else if (!Number.isFinite(op.return) || op.return < op.call) {
      throw new RangeError(`${where}: return time ${op.return} with call time ${op.call}`)
    }
  })
}

/**
 * The operations the search must consider, sorted by call time (ties keep history order).
 *
 * An indeterminate read-only operation is dropped. It has no output to check and leaves the state
 * as it found it, so a linearization of the others extends to one with it (place it anywhere after
 * its call), and one with it stays valid without it. Keeping it would only multiply the search:
 * every prefix could then include it or not.
 */
export function relevantOperations<S, I, O>(
  history: readonly Operation<I, O>[],
  model: Model<S, I, O>,
): Operation<I, O>[] {
  const isReadOnly = model.isReadOnly?.bind(model)
  const kept =
    isReadOnly === undefined
      ? [...history]
      : history.filter((op) => op.return !== undefined || !isReadOnly(op.input))
  // Array.prototype.sort is stable (ES2019), so equal call times keep their history order.
  return kept.sort((a, b) => a.call - b.call)
}
