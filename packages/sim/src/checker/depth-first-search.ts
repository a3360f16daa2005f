import { assert } from './assert.js'
import type { SearchState } from './search-state.js'

/** How a slice of a search ended. */
export type Progress = 'linearizable' | 'stuck' | 'paused'

/** A search that runs in slices of steps, keeping its place between them. */
export interface ResumableSearch {
  /** Steps taken so far: candidates tried, placements undone and redone. */
  readonly steps: number
  /** Searches on until it succeeds, runs out of configurations, or has taken `stepsLimit`. */
  advance(stepsLimit: number): Progress
  longestPrefix(): readonly number[]
}

/**
 * Wing & Gong's depth-first search, as in Porcupine: at each configuration it tries every
 * determinate candidate, then every indeterminate one, and goes down into each at once. It finds
 * a linearization of a linearizable history in a few steps per operation.
 *
 * The cursor walks the main event list from its head. On reaching the boundary, the first return
 * of an unplaced operation, it walks the pending list of indeterminate calls up to the boundary.
 * When that is exhausted too, no candidate can be placed in time here, so it undoes the last
 * placement and carries on after it in whichever list that operation came from.
 */
export class DepthFirstSearch<S, I, O> implements ResumableSearch {
  readonly #space: SearchState<S, I, O>
  #steps = 0
  #node: number // the cursor in the main list
  #pending = -1 // the cursor in the pending list, or -1 while in the main list
  #boundary = -1

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
      if (this.#pending === -1) {
        // A determinate operation is still unplaced, so its return is still linked after `node`.
        assert(!events.isTail(this.#node), 'reached the end of the history with operations left')
        if (!events.isCall(this.#node)) {
          this.#boundary = this.#node
          this.#pending = events.firstPending()
        } else if (space.tryLinearize(events.operationOf(this.#node))) {
          this.#node = events.first()
        } else {
          this.#node = events.next(this.#node)
        }
      } else if (!events.isTail(this.#pending) && events.isBefore(this.#pending, this.#boundary)) {
        const operation = events.operationOf(this.#pending)
        if (!space.isTwinAhead(operation) && space.tryLinearize(operation, this.#boundary)) {
          this.#node = events.first()
          this.#pending = -1
        } else {
          this.#pending = events.next(this.#pending)
        }
      } else {
        const undone = space.backtrack()
        if (undone === undefined) return 'stuck'
        const after = events.next(events.callOf(undone.operation))
        if (undone.boundary === -1) {
          this.#node = after
          this.#pending = -1
        } else {
          this.#pending = after
          this.#boundary = undone.boundary
        }
      }
    }
  }

  longestPrefix(): readonly number[] {
    return this.#space.longestPrefix()
  }
}
