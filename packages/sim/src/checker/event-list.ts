import type { Operation } from './types.js'

const head = 0
const tail = 1
const pendingHead = 2
const pendingTail = 3
const firstOperationNode = 4

/**
 * The call and return events of one partition in time order, as doubly linked lists that the
 * search unlinks operations from and relinks them into, last out first in (Knuth's dancing links,
 * as in Wing & Gong's algorithm and Porcupine).
 *
 * Determinate operations, with both events, are in the main list. Indeterminate operations have a
 * call and no return, so they stay candidates from their call to the end of the history; their
 * calls are in a separate pending list, also in time order, which lets the search try them after
 * the determinate candidates. `isBefore` compares any two events in the one global order.
 *
 * Node numbers: 0 and 1 are the main head and tail, 2 and 3 the pending head and tail, and
 * operation i has its call at node 4 + 2i and its return at node 5 + 2i.
 */
export class EventList {
  readonly #next: Int32Array
  readonly #prev: Int32Array
  readonly #position: Int32Array
  readonly #hasReturn: Uint8Array

  constructor(ops: readonly Operation<unknown, unknown>[]) {
    const nodeCount = firstOperationNode + 2 * ops.length
    this.#next = new Int32Array(nodeCount)
    this.#prev = new Int32Array(nodeCount)
    this.#position = new Int32Array(nodeCount)
    this.#hasReturn = Uint8Array.from(ops, (op) => (op.return === undefined ? 0 : 1))
    let lastMain = head
    let lastPending = pendingHead
    eventsInOrder(ops).forEach((node, position) => {
      this.#position[node] = position
      const operation = this.operationOf(node)
      if (this.#hasReturn[operation] === 1) lastMain = this.#append(lastMain, node)
      else lastPending = this.#append(lastPending, node)
    })
    this.#append(lastMain, tail)
    this.#append(lastPending, pendingTail)
  }

  /** The first event still in the main list, or its tail. */
  first(): number {
    return this.#next[head]!
  }

  /** The first indeterminate call still pending, or the pending list's tail. */
  firstPending(): number {
    return this.#next[pendingHead]!
  }

  next(node: number): number {
    return this.#next[node]!
  }

  isTail(node: number): boolean {
    return node === tail || node === pendingTail
  }

  isCall(node: number): boolean {
    return node >= firstOperationNode && (node & 1) === 0
  }

  /** Whether event `a` comes before event `b` in time order. */
  isBefore(a: number, b: number): boolean {
    return this.#position[a]! < this.#position[b]!
  }

  operationOf(node: number): number {
    return (node - firstOperationNode) >>> 1
  }

  callOf(operation: number): number {
    return firstOperationNode + 2 * operation
  }

  /** Unlinks an operation's events: it has been linearized. */
  lift(operation: number): void {
    const call = this.callOf(operation)
    this.#unlink(call)
    if (this.#hasReturn[operation] === 1) this.#unlink(call + 1)
  }

  /** Relinks the events of the most recently lifted operation that is still lifted. */
  unlift(operation: number): void {
    const call = this.callOf(operation)
    if (this.#hasReturn[operation] === 1) this.#relink(call + 1)
    this.#relink(call)
  }

  #append(last: number, node: number): number {
    this.#next[last] = node
    this.#prev[node] = last
    return node
  }

  #unlink(node: number): void {
    const previous = this.#prev[node]!
    const next = this.#next[node]!
    this.#next[previous] = next
    this.#prev[next] = previous
  }

  // An unlinked node keeps its own pointers, and everything unlinked after it has been relinked
  // already, so its neighbours are exactly where they were.
  #relink(node: number): void {
    this.#next[this.#prev[node]!] = node
    this.#prev[this.#next[node]!] = node
  }
}

/**
 * Whether `first` returned before `second` was called, so that `first` must be linearized before
 * `second`. This is the order the event list encodes; see `Operation` for the rule at equal times.
 */
export function happensBefore(
  first: Operation<unknown, unknown>,
  second: Operation<unknown, unknown>,
): boolean {
  if (first.return === undefined) return false
  if (first.return !== second.call) return first.return < second.call
  return first.call < first.return
}

interface Event {
  readonly node: number
  readonly time: number
  // At equal times: returns of operations called earlier, then calls, then returns of operations
  // called at this very time (which must follow their own call).
  readonly rank: 0 | 1 | 2
}

function eventsInOrder(ops: readonly Operation<unknown, unknown>[]): number[] {
  const events: Event[] = []
  ops.forEach((op, index) => {
    const call = firstOperationNode + 2 * index
    events.push({ node: call, time: op.call, rank: 1 })
    if (op.return !== undefined) {
      events.push({ node: call + 1, time: op.return, rank: op.return > op.call ? 0 : 2 })
    }
  })
  events.sort((a, b) => a.time - b.time || a.rank - b.rank || a.node - b.node)
  return events.map((event) => event.node)
}
