import type { KvInput, KvOutput, Operation } from '@raftkit/sim'

/** One operation as a client saw it, with what it asked of which node, for a report. */
export interface RecordedOperation extends Operation<KvInput, KvOutput> {
  readonly node: string
  /** Why the outcome is unknown (a timeout, a 503, a closed connection), when it is. */
  readonly indeterminate?: string
}

/**
 * The history of a run: every operation of every client, with call and return times from one
 * monotonic clock (performance.now(), milliseconds). An operation whose outcome the client could
 * not learn has no return time: it may have taken effect at any instant after its call, or never.
 */
export class History {
  readonly operations: RecordedOperation[] = []
  readonly #origin = performance.now()

  now(): number {
    return performance.now() - this.#origin
  }

  /** Requests that certainly did not take effect, by reason (they are not in the history). */
  readonly failures: Record<string, number> = {}

  record(operation: RecordedOperation): void {
    this.operations.push(operation)
  }

  failed(reason: string): void {
    this.failures[reason] = (this.failures[reason] ?? 0) + 1
  }

  /** Counts by op and outcome, e.g. `{ "put ok": 310, "cas swapped": 40, "get ?": 12 }`. */
  summary(): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const op of this.operations) {
      const outcome =
        op.output === undefined
          ? '?'
          : op.output.op === 'cas'
            ? op.output.swapped
              ? 'swapped'
              : 'not-swapped'
            : op.output.op === 'get'
              ? op.output.value === null
                ? 'absent'
                : 'value'
              : 'ok'
      const name = `${op.input.op} ${outcome}`
      counts[name] = (counts[name] ?? 0) + 1
    }
    return counts
  }
}
