/**
 * Benchmarks that print numbers (STYLE: "benchmarks are commands, never timed tests"). Exported
 * as `@raftkit/storage/bench` so that the root `npm run bench` can add a "wal" section:
 *
 *   const { measureAppendThroughput } = await import('@raftkit/storage/bench')
 *   console.log(await measureAppendThroughput({ directory, appendCount: 5000, concurrency: 64 }))
 */
import { crc32c } from './crc32c.js'
import { FileLogStore } from './file-log-store.js'
import { latencyQuantileMs } from './latency-histogram.js'
import type { Entry } from './raft-types.js'

export interface AppendBenchmarkOptions {
  /** An empty (or missing) directory; the store is created there. */
  readonly directory: string
  readonly appendCount: number
  /** Appends in flight at once: 1 is one fsync per append, more lets group commit coalesce. */
  readonly concurrency: number
  /** Command bytes per entry (one entry per append). */
  readonly payloadBytes?: number
  readonly segmentBytesMax?: number
}

export interface AppendBenchmarkResult {
  readonly appendCount: number
  readonly concurrency: number
  readonly seconds: number
  readonly appendsPerSecond: number
  readonly syncs: number
  readonly appendsPerSync: number
  readonly syncLatencyMsP50: number
  readonly syncLatencyMsP99: number
  readonly syncLatencyMsMax: number
  readonly megabytesPerSecond: number
  readonly segments: number
}

/** Appends `appendCount` one-entry batches (each with a hard state), `concurrency` at a time. */
export async function measureAppendThroughput(options: AppendBenchmarkOptions): Promise<AppendBenchmarkResult> {
  const payload = new Uint8Array(options.payloadBytes ?? 128).fill(0x61)
  const store = await FileLogStore.open(options.directory, options.segmentBytesMax === undefined ? {} : { segmentBytesMax: options.segmentBytesMax })
  let nextIndex = 1
  const startedMs = performance.now()
  const worker = async (): Promise<void> => {
    while (nextIndex <= options.appendCount) {
      const index = nextIndex++
      const entry: Entry = { kind: 'command', index, term: 1, data: payload }
      await store.append([entry], { term: 1, vote: 'n1', commit: Math.max(0, index - options.concurrency) })
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const seconds = (performance.now() - startedMs) / 1000
  const stats = store.stats
  await store.close()
  return {
    appendCount: options.appendCount,
    concurrency: options.concurrency,
    seconds,
    appendsPerSecond: options.appendCount / seconds,
    syncs: stats.syncsCompleted,
    appendsPerSync: options.appendCount / stats.syncsCompleted,
    syncLatencyMsP50: latencyQuantileMs(stats.syncLatency, 0.5),
    syncLatencyMsP99: latencyQuantileMs(stats.syncLatency, 0.99),
    syncLatencyMsMax: stats.syncLatency.maxMs,
    megabytesPerSecond: stats.logBytesWritten / seconds / 1e6,
    segments: stats.segmentCount,
  }
}

/** Time to open (recover) the store in `directory`, and how many entries it found. */
export async function measureRecovery(directory: string): Promise<{ readonly seconds: number; readonly entries: number }> {
  const startedMs = performance.now()
  const store = await FileLogStore.open(directory)
  const seconds = (performance.now() - startedMs) / 1000
  const entries = store.recovered.entries.length
  await store.close()
  return { seconds, entries }
}

/** CRC-32C speed over a buffer of `bytes`, in MB/s. */
export function measureChecksumSpeed(bytes = 64 * 1024 * 1024): number {
  const data = Uint8Array.from({ length: bytes }, (_, i) => (i * 31) & 0xff)
  crc32c(data, 0, 1024 * 1024) // warm up
  const startedMs = performance.now()
  crc32c(data)
  return bytes / ((performance.now() - startedMs) / 1000) / 1e6
}
