/**
 * A fixed-bucket latency histogram (Prometheus-style bucket bounds, non-cumulative counts here),
 * cheap enough to record every fsync.
 */

/** Upper bounds of the buckets in milliseconds; a last, unbounded bucket follows. */
export const latencyBucketUpperBoundsMs: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500,
]

/** A point-in-time copy of a histogram. */
export interface LatencySummary {
  readonly count: number
  readonly sumMs: number
  readonly maxMs: number
  /** Same order as `latencyBucketUpperBoundsMs`, plus one last count for slower samples. */
  readonly bucketCounts: readonly number[]
}

export class LatencyHistogram {
  #count = 0
  #sumMs = 0
  #maxMs = 0
  readonly #bucketCounts = new Array<number>(latencyBucketUpperBoundsMs.length + 1).fill(0)

  record(durationMs: number): void {
    this.#count++
    this.#sumMs += durationMs
    this.#maxMs = Math.max(this.#maxMs, durationMs)
    let bucket = latencyBucketUpperBoundsMs.findIndex((upperMs) => durationMs <= upperMs)
    if (bucket === -1) bucket = latencyBucketUpperBoundsMs.length
    this.#bucketCounts[bucket]!++
  }

  summary(): LatencySummary {
    return { count: this.#count, sumMs: this.#sumMs, maxMs: this.#maxMs, bucketCounts: [...this.#bucketCounts] }
  }
}

/**
 * Estimates a quantile (0 < q <= 1) as the upper bound of the bucket that holds it, so the answer
 * errs high. Samples past the last bound report `maxMs`. Returns 0 for an empty histogram.
 */
export function latencyQuantileMs(summary: LatencySummary, quantile: number): number {
  if (summary.count === 0) return 0
  const rank = Math.ceil(quantile * summary.count)
  let seen = 0
  for (let bucket = 0; bucket < summary.bucketCounts.length; bucket++) {
    seen += summary.bucketCounts[bucket]!
    if (seen >= rank) return Math.min(latencyBucketUpperBoundsMs[bucket] ?? summary.maxMs, summary.maxMs)
  }
  return summary.maxMs
}
