import { assert } from './assert.js'
import type { Progress, ResumableSearch } from './depth-first-search.js'
import type { PathNode, SearchState } from './search-state.js'

/** An indeterminate operation to place after the configuration at the end of path `at`. */
interface Deferred {
  readonly at: PathNode | undefined
  readonly operation: number
}

/**
 * A search that enters every configuration with k indeterminate operations placed before any
 * with k + 1. It goes depth-first over determinate operations, and puts each indeterminate
 * candidate off to the next round.
 *
 * Why: the cache prunes a configuration when one with the same determinate set and state but a
 * subset of its indeterminate operations was entered before (see `SearchCache`). Depth-first
 * search often enters the bigger configuration first, for instance by using an indeterminate
 * delete to reach a state that a different order of determinate operations, tried later, reaches
 * without it. On a history with no linearization, which must be searched to the end, that costs
 * about a factor of two for every indeterminate operation pending. In this order the subsets come
 * first, so it costs far less, though on a linearizable history it is slower than depth-first.
 */
export class FewestIndeterminateFirstSearch<S, I, O> implements ResumableSearch {
  readonly #space: SearchState<S, I, O>
  #steps = 0
  #exploring = true
  #node: number // the cursor in the main list
  #base = 0 // the depth of the configuration this exploration started from
  #round: Deferred[] = []
  #roundIndex = 0
  #nextRound: Deferred[] = []

  constructor(space: SearchState<S, I, O>) {
    this.#space = space
    this.#node = space.events.first()
  }

  get steps(): number {
    return this.#steps
  }

  advance(stepsLimit: number): Progress {
    const space = this.#space
    const events = space.events
    for (;;) {
      if (space.unresolved === 0) return 'linearizable'
      if (this.#steps >= stepsLimit) return 'paused'
      this.#steps++
      if (!this.#exploring) {
        if (!this.#startNext()) return 'stuck'
      } else if (events.isCall(this.#node)) {
        const placed = space.tryLinearize(events.operationOf(this.#node))
        this.#node = placed ? events.first() : events.next(this.#node)
      } else {
        // The boundary: every determinate candidate here has been tried. (While a determinate
        // operation is unplaced, its return is linked, so the cursor stops there, not at the tail.)
        assert(!events.isTail(this.#node), 'reached the end of the history with operations left')
        this.#deferIndeterminate(this.#node)
        const undone = space.depth > this.#base ? space.backtrack() : undefined
        if (undone === undefined) this.#exploring = false
        else this.#node = events.next(events.callOf(undone.operation))
      }
    }
  }

  longestPrefix(): readonly number[] {
    return this.#space.longestPrefix()
  }

  #deferIndeterminate(boundary: number): void {
    const space = this.#space
    const events = space.events
    for (let pending = events.firstPending(); ; pending = events.next(pending)) {
      if (events.isTail(pending) || !events.isBefore(pending, boundary)) return
      this.#steps++
      const operation = events.operationOf(pending)
      if (space.isTwinAhead(operation) || !space.wouldEnter(operation)) continue
      this.#nextRound.push({ at: space.path, operation })
    }
  }

  // Moves to the next deferred placement and explores below it if it is still new. Returns false
  // when no deferred placement is left.
  #startNext(): boolean {
    if (this.#roundIndex === this.#round.length) {
      if (this.#nextRound.length === 0) return false
      this.#round = this.#nextRound
      this.#nextRound = []
      this.#roundIndex = 0
    }
    const deferred = this.#round[this.#roundIndex++]!
    this.#steps += this.#space.restore(deferred.at)
    if (this.#space.tryLinearize(deferred.operation)) {
      this.#base = this.#space.depth
      this.#node = this.#space.events.first()
      this.#exploring = true
    }
    return true
  }
}
