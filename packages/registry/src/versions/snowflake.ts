import { assert } from '../assert.js'

/**
 * Snowflake ids (seed 004: timestamp + machine id + sequence), as 64-bit integers written in
 * decimal. Layout, most significant first: 41 bits of milliseconds since `snowflakeEpochMs`, 10
 * bits of worker id, 12 bits of sequence within the millisecond. Ids from one generator strictly
 * increase; ids from generators with different worker ids never collide.
 *
 * The node that receives a request makes the id before proposing it, so the id is in the log
 * entry and every replica stores the same one.
 */
export const snowflakeEpochMs = Date.UTC(2024, 0, 1)

const workerBits = 10n
const sequenceBits = 12n
export const snowflakeWorkerIdMax = (1 << Number(workerBits)) - 1
const sequenceMax = (1 << Number(sequenceBits)) - 1

export interface SnowflakeOptions {
  /** 0..1023; see `workerIdFromMemberId`. */
  readonly workerId: number
  /** The wall clock, in ms since the Unix epoch (injected so tests can skew it). */
  readonly now: () => number
  /** Never issue ids at or below this one (e.g. the highest id this worker issued before a restart). */
  readonly after?: string
}

export class SnowflakeGenerator {
  readonly #workerId: bigint
  readonly #now: () => number
  #lastMs: number
  #sequence = 0

  constructor(options: SnowflakeOptions) {
    assert(
      Number.isInteger(options.workerId) &&
        options.workerId >= 0 &&
        options.workerId <= snowflakeWorkerIdMax,
      () => `snowflake worker id ${options.workerId} is outside 0..${snowflakeWorkerIdMax}`,
    )
    this.#workerId = BigInt(options.workerId)
    this.#now = options.now
    this.#lastMs = -1
    if (options.after !== undefined) {
      const parts = decodeSnowflake(options.after)
      if (parts !== undefined) {
        this.#lastMs = parts.timestampMs - snowflakeEpochMs
        this.#sequence = parts.sequence
      }
    }
  }

  /**
   * The next id. When the clock steps back (NTP, a VM pause), ids go on from the last
   * millisecond used instead of repeating; when 4096 ids are taken within one millisecond, the
   * generator borrows the next millisecond. Either way ids keep increasing, and the borrowed
   * time is paid back once the clock catches up.
   */
  next(): string {
    const nowMs = Math.max(0, Math.floor(this.#now()) - snowflakeEpochMs)
    if (nowMs > this.#lastMs) {
      this.#lastMs = nowMs
      this.#sequence = 0
    } else if (this.#sequence < sequenceMax) {
      this.#sequence++
    } else {
      this.#lastMs++
      this.#sequence = 0
    }
    const id =
      (BigInt(this.#lastMs) << (workerBits + sequenceBits)) |
      (this.#workerId << sequenceBits) |
      BigInt(this.#sequence)
    return id.toString()
  }
}

/** The parts of a snowflake id, or undefined if the text is not one. */
export function decodeSnowflake(
  id: string,
): { timestampMs: number; workerId: number; sequence: number } | undefined {
  if (!/^\d{1,20}$/.test(id)) return undefined
  const value = BigInt(id)
  if (value >= 1n << 63n) return undefined
  return {
    timestampMs: Number(value >> (workerBits + sequenceBits)) + snowflakeEpochMs,
    workerId: Number((value >> sequenceBits) & BigInt(snowflakeWorkerIdMax)),
    sequence: Number(value & BigInt(sequenceMax)),
  }
}

/**
 * The worker id of a cluster member. Members are usually named `n1`, `node-2`, ...: a trailing
 * number is used as is (mod 1024), so up to 1024 such members get distinct worker ids. Other
 * names are hashed (FNV-1a) into the range; two hashed names can then share a worker id, which
 * the registry survives because it checks id uniqueness in the state machine and the node makes
 * a fresh id when a generated one is taken.
 */
export function workerIdFromMemberId(memberId: string): number {
  const trailing = /(\d+)$/.exec(memberId)
  if (trailing !== null) return Number(BigInt(trailing[1]!) % 1024n)
  let hash = 0x811c9dc5
  for (let i = 0; i < memberId.length; i++) {
    hash ^= memberId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash % 1024
}
