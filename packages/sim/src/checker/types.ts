/**
 * The linearizability checker's contract: a history of client operations, a sequential model to
 * check it against, and the verdict.
 *
 * A history is linearizable (Herlihy & Wing, "Linearizability: A Correctness Condition for
 * Concurrent Objects", 1990) if every operation appears to take effect atomically at one instant
 * between its call and its return, in an order that a sequential run of the model accepts.
 */

/**
 * One client operation as the client saw it. Times are virtual (simulator ticks or steps).
 *
 * Events at equal times: a return at time t happens before a call at time t. The virtual clock
 * lets a client call its next operation in the very tick its previous one returned, and the two
 * must stay ordered. The one exception is an operation called and returned in the same tick t: it
 * is concurrent with every other call at t, since its call cannot come after those calls while its
 * return comes before them.
 */
export interface Operation<I, O> {
  readonly clientId: number
  readonly input: I
  readonly call: number
  /**
   * When the client learned the outcome, or `undefined` if it never did (a timeout, a crashed
   * server). Such an indeterminate operation may have taken effect at any instant after its call,
   * even after later operations of the same client, or never.
   */
  readonly return: number | undefined
  /**
   * The outcome. `undefined` when `return` is; with a `return` time it means the operation
   * finished but its result is not known, and any result is accepted.
   */
  readonly output: O | undefined
}

/** The result of applying one operation to a model state. */
export interface StepResult<S> {
  /** Whether the output is a possible result of the input in the state it was applied to. */
  readonly ok: boolean
  /** The state after the operation; ignored when `ok` is false. */
  readonly state: S
}

/** A named, independently checkable part of a history (for example, the operations on one key). */
export interface Partition<I, O> {
  /** Names the part in a violation, for example `key "x"`. */
  readonly name: string
  readonly history: readonly Operation<I, O>[]
}

/**
 * A sequential specification of the object under test. States are values: the search keeps and
 * reuses old states while it backtracks, so `step` must not mutate its argument.
 */
export interface Model<S, I, O> {
  /** The state before any operation. */
  init(): S
  /**
   * Applies one operation. With `output === undefined` the result is unknown, so `ok` must be
   * true whenever the operation can be applied at all: the checker uses this for operations that
   * returned without a known result.
   */
  step(state: S, input: I, output: O | undefined): StepResult<S>
  /**
   * Splits a history into parts that are linearizable together if and only if each part is
   * linearizable on its own, such as the operations on each key of a map (P-compositionality:
   * Horn & Kroening, "Faster linearizability checking via P-compositionality", 2015). Each
   * operation belongs to exactly one part. Without it, the history is checked as one part.
   */
  partition?(history: readonly Operation<I, O>[]): readonly Partition<I, O>[]
  /**
   * An exact fingerprint of a state: two states with equal hashes must be equal, because the
   * search prunes a state it has seen before on the strength of its hash alone.
   */
  hash(state: S): string | number
  /**
   * An exact fingerprint of an input: equal keys must mean equal inputs. Optional; with it, the
   * search treats indeterminate operations with equal inputs as interchangeable, which keeps
   * repeated writes of the same value that timed out from multiplying the search.
   */
  inputKey?(input: I): string
  /**
   * Whether an input never changes the state. The checker then drops it when indeterminate: with
   * no output to check and no effect to leave, it is irrelevant to every linearization.
   */
  isReadOnly?(input: I): boolean
  /** A short human description of an operation, for violation reports. */
  describeOperation?(input: I, output: O | undefined): string
}

/** Limits for one check. */
export interface CheckOptions {
  /**
   * The most search steps spent on one partition before the checker gives up on it and reports
   * `unknown`. A step is one candidate tried, or one placement undone or redone; a step takes
   * about a microsecond. Defaults to `defaultMaxSearchSteps`.
   */
  readonly maxSearchSteps?: number | undefined
}

/**
 * The verdict. `ok` and `violation` are proofs; `unknown` means the search budget ran out first,
 * and says nothing either way.
 */
export type LinearizabilityResult =
  | { readonly status: 'ok' }
  | {
      readonly status: 'violation'
      /** The name of the partition that has no linearization. */
      readonly partition: string
      /** A multi-line explanation: the longest linearizable prefix found and where it got stuck. */
      readonly message: string
      /** The operations around the point where the search got stuck, one description each. */
      readonly ops: readonly string[]
    }
  | { readonly status: 'unknown'; readonly message: string }
