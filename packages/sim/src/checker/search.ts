import { DepthFirstSearch } from './depth-first-search.js'
import type { ResumableSearch } from './depth-first-search.js'
import { FewestIndeterminateFirstSearch } from './fewest-indeterminate-first-search.js'
import { SearchState } from './search-state.js'
import type { Model, Operation } from './types.js'

/** What the search found in one partition. Operations are numbered by their index in `ops`. */
export type SearchOutcome =
  | { readonly kind: 'linearizable'; readonly steps: number }
  | { readonly kind: 'stuck'; readonly steps: number; readonly longestPrefix: readonly number[] }
  | {
      readonly kind: 'budget-exhausted'
      readonly steps: number
      readonly longestPrefix: readonly number[]
    }

/** Steps each search takes in turn before the other continues. */
const sliceSteps = 10_000

/**
 * Searches for a linearization of one partition's operations: Wing & Gong's search ("Testing and
 * verifying concurrent objects", 1993) with Lowe's memoization of (linearized set, state) pairs
 * ("Testing for linearizability", 2017), extended for indeterminate operations.
 *
 * At each configuration the candidates are the unplaced operations called before the first return
 * of an unplaced determinate operation (the boundary), which must take effect before it returns.
 * The search succeeds when every determinate operation is placed: indeterminate operations left
 * over never took effect. It fails when no configuration is left to try.
 *
 * With indeterminate operations, two searches take turns in equal slices of the budget, and the
 * first to finish decides: depth-first, which is fastest on linearizable histories, and fewest-
 * indeterminate-first, which is fastest on the others. Taking turns costs at most twice the steps
 * of the faster one, which matters because the other can be slower by orders of magnitude.
 *
 * `ops` must be sorted by call time, so that the linearized sets stay dense prefixes of bits.
 */
export function searchLinearization<S, I, O>(
  ops: readonly Operation<I, O>[],
  model: Model<S, I, O>,
  maxSearchSteps: number,
): SearchOutcome {
  const searches: ResumableSearch[] = [new DepthFirstSearch(new SearchState(ops, model))]
  // Without indeterminate operations the two orders are the same order.
  if (ops.some((op) => op.return === undefined)) {
    searches.push(new FewestIndeterminateFirstSearch(new SearchState(ops, model)))
  }
  let steps = 0
  for (;;) {
    for (const search of searches) {
      const before = search.steps
      const progress = search.advance(before + Math.min(sliceSteps, maxSearchSteps - steps))
      steps += search.steps - before
      if (progress === 'linearizable') return { kind: 'linearizable', steps }
      if (progress === 'stuck') {
        return { kind: 'stuck', steps, longestPrefix: search.longestPrefix() }
      }
      if (steps >= maxSearchSteps) {
        return { kind: 'budget-exhausted', steps, longestPrefix: longest(searches) }
      }
    }
  }
}

function longest(searches: readonly ResumableSearch[]): readonly number[] {
  return searches
    .map((search) => search.longestPrefix())
    .reduce((a, b) => (b.length > a.length ? b : a))
}
