import { assert } from './assert.js'
import { Bitset } from './bitset.js'
import { EventList } from './event-list.js'
import { SearchCache } from './search-cache.js'
import type { Model, Operation } from './types.js'

/** A linearized operation in the search tree. Configurations share the prefixes they have. */
export interface PathNode {
  readonly operation: number
  readonly parent: PathNode | undefined
  /** How many operations the path places, this one included. */
  readonly depth: number
}

interface Frame<S> {
  readonly node: PathNode
  readonly stateBefore: S
  // For an indeterminate operation placed by the depth-first search, the boundary it was placed
  // against, so that its scan of the pending list can go on after it is undone; otherwise -1.
  readonly boundary: number
}

/**
 * The configuration a search is at, and the moves between configurations: the operations
 * linearized so far (a stack), the model state they lead to, the event lists with those
 * operations unlinked, and the cache of configurations entered.
 *
 * `ops` must be sorted by call time, so that the linearized sets stay dense prefixes of bits.
 */
export class SearchState<S, I, O> {
  readonly events: EventList
  readonly #ops: readonly Operation<I, O>[]
  readonly #model: Model<S, I, O>
  // Each operation's number among the determinate or among the indeterminate operations: the
  // cache keeps the two kinds in separate sets for its dominance test.
  readonly #slot: Int32Array
  // For an indeterminate operation, the latest earlier one with an equal input, or -1. Two such
  // twins are interchangeable once both are called (neither ever returns), so the search only
  // places a twin after the one before it: orders that differ by swapping twins are one order.
  readonly #twinBefore: Int32Array
  readonly #placedDeterminate: Bitset
  readonly #placedIndeterminate: Bitset
  readonly #cache = new SearchCache()
  readonly #stack: Frame<S>[] = []
  #state: S
  #unresolved: number
  #longestPrefix: readonly number[] = []
  #deepestNotRecorded = false

  constructor(ops: readonly Operation<I, O>[], model: Model<S, I, O>) {
    this.events = new EventList(ops)
    this.#ops = ops
    this.#model = model
    this.#slot = new Int32Array(ops.length)
    let determinate = 0
    let indeterminate = 0
    ops.forEach((op, index) => {
      this.#slot[index] = op.return === undefined ? indeterminate++ : determinate++
    })
    this.#twinBefore = twinsBefore(ops, model)
    this.#placedDeterminate = new Bitset(determinate)
    this.#placedIndeterminate = new Bitset(indeterminate)
    this.#unresolved = determinate
    this.#state = model.init()
  }

  /**
   * Determinate operations not placed yet. At zero the search has succeeded: indeterminate
   * operations left over never took effect.
   */
  get unresolved(): number {
    return this.#unresolved
  }

  /** How many operations are placed. */
  get depth(): number {
    return this.#stack.length
  }

  /** The path to the current configuration. */
  get path(): PathNode | undefined {
    return this.#stack.at(-1)?.node
  }

  /** Whether an indeterminate operation must wait for its earlier twin to be placed. */
  isTwinAhead(operation: number): boolean {
    const twin = this.#twinBefore[operation]!
    return twin !== -1 && !this.#placedIndeterminate.has(this.#slot[twin]!)
  }

  /** Whether placing the operation now would pass the model and the cache, without placing it. */
  wouldEnter(operation: number): boolean {
    const op = this.#ops[operation]!
    const result = this.#model.step(this.#state, op.input, op.output)
    if (!result.ok) return false
    const placed = this.#placedSet(op)
    const slot = this.#slot[operation]!
    placed.set(slot)
    const determinateKey = this.#placedDeterminate.key()
    const hash = this.#model.hash(result.state)
    const covered = this.#cache.covers(determinateKey, hash, this.#placedIndeterminate)
    placed.clear(slot)
    return !covered
  }

  /**
   * Places the operation if the model accepts it here and the configuration it leads to is new.
   * `boundary` is recorded for the caller, and handed back by `backtrack`.
   */
  tryLinearize(operation: number, boundary = -1): boolean {
    const op = this.#ops[operation]!
    const result = this.#model.step(this.#state, op.input, op.output)
    if (!result.ok) return false
    const placed = this.#placedSet(op)
    const slot = this.#slot[operation]!
    placed.set(slot)
    const hash = this.#model.hash(result.state)
    if (!this.#cache.enter(this.#placedDeterminate.key(), hash, this.#placedIndeterminate)) {
      placed.clear(slot)
      return false
    }
    const node = { operation, parent: this.path, depth: this.#stack.length + 1 }
    this.#push(node, result.state, boundary)
    return true
  }

  /** Undoes the last placement, if any, and returns its operation and boundary. */
  backtrack(): { readonly operation: number; readonly boundary: number } | undefined {
    this.#recordLongestPrefix()
    const frame = this.#stack.pop()
    if (frame === undefined) return undefined
    const operation = frame.node.operation
    const op = this.#ops[operation]!
    this.#placedSet(op).clear(this.#slot[operation]!)
    this.#state = frame.stateBefore
    this.events.unlift(operation)
    if (op.return !== undefined) this.#unresolved++
    return { operation, boundary: frame.boundary }
  }

  /**
   * Moves to the configuration at the end of `target`, a path placed before: back to the deepest
   * operation it shares with the current path, then forward along it. Returns the moves made.
   */
  restore(target: PathNode | undefined): number {
    const forward: PathNode[] = []
    let node = target
    while (node !== undefined && this.#stack[node.depth - 1]?.node !== node) {
      forward.push(node)
      node = node.parent
    }
    const shared = node?.depth ?? 0
    const moves = this.#stack.length - shared + forward.length
    while (this.#stack.length > shared) this.backtrack()
    for (let index = forward.length - 1; index >= 0; index--) {
      const pathNode = forward[index]!
      const op = this.#ops[pathNode.operation]!
      const result = this.#model.step(this.#state, op.input, op.output)
      assert(result.ok, 'a path the search placed before no longer replays')
      this.#push(pathNode, result.state, -1)
    }
    return moves
  }

  /** The longest prefix the search has placed, in order. */
  longestPrefix(): readonly number[] {
    return this.#recordLongestPrefix()
  }

  #push(node: PathNode, stateAfter: S, boundary: number): void {
    const op = this.#ops[node.operation]!
    this.#placedSet(op).set(this.#slot[node.operation]!)
    this.#stack.push({ node, stateBefore: this.#state, boundary })
    this.#state = stateAfter
    this.events.lift(node.operation)
    if (op.return !== undefined) this.#unresolved--
    if (this.#stack.length > this.#longestPrefix.length) this.#deepestNotRecorded = true
  }

  #placedSet(op: Operation<I, O>): Bitset {
    return op.return === undefined ? this.#placedIndeterminate : this.#placedDeterminate
  }

  // Copies the stack only when it is about to shrink from a new maximum depth, so a search that
  // never backtracks copies nothing.
  #recordLongestPrefix(): readonly number[] {
    if (this.#deepestNotRecorded) {
      this.#longestPrefix = this.#stack.map((frame) => frame.node.operation)
      this.#deepestNotRecorded = false
    }
    return this.#longestPrefix
  }
}

function twinsBefore<S, I, O>(ops: readonly Operation<I, O>[], model: Model<S, I, O>): Int32Array {
  const twins = new Int32Array(ops.length).fill(-1)
  const inputKey = model.inputKey?.bind(model)
  if (inputKey === undefined) return twins
  const latest = new Map<string, number>()
  ops.forEach((op, index) => {
    if (op.return !== undefined) return
    const key = inputKey(op.input)
    twins[index] = latest.get(key) ?? -1
    latest.set(key, index)
  })
  return twins
}
