import type { OutputStream } from '../io.js'

export interface ProgressOptions {
  /** Milliseconds since some fixed point; injected so tests can drive time. */
  readonly now?: () => number
  /** Redraw at most this often, however fast results arrive. */
  readonly redrawIntervalMs?: number
  /** Steps per seed, to show the simulator's throughput as well as the seed rate. */
  readonly stepsPerSeed?: number
}

/** Erases the current terminal line and returns the cursor to its start. */
const eraseLine = '\r\x1b[2K'

/**
 * The one-line progress display of a sweep on stderr: seeds done of total, rate, failures so
 * far and the time left, redrawn in place and erased at the end. It draws only when stderr is a
 * terminal; in a pipe or a CI log it stays silent, so logs hold results, not carriage returns.
 */
export class ProgressLine {
  readonly #stream: OutputStream
  readonly #total: number
  readonly #now: () => number
  readonly #redrawIntervalMs: number
  readonly #stepsPerSeed: number | undefined
  readonly #startedMs: number
  #done = 0
  #failed = 0
  #lastDrawMs = -Infinity
  #shown = false

  constructor(stream: OutputStream, total: number, options: ProgressOptions = {}) {
    this.#stream = stream
    this.#total = total
    this.#now = options.now ?? (() => performance.now())
    this.#redrawIntervalMs = options.redrawIntervalMs ?? 100
    this.#stepsPerSeed = options.stepsPerSeed
    this.#startedMs = this.#now()
  }

  get enabled(): boolean {
    return this.#stream.isTTY === true
  }

  /** Records progress and redraws if the last drawing is old enough (or `force` is set). */
  update(done: number, failed: number, force = false): void {
    this.#done = done
    this.#failed = failed
    if (!this.enabled) return
    const nowMs = this.#now()
    if (!force && nowMs - this.#lastDrawMs < this.#redrawIntervalMs) return
    this.#lastDrawMs = nowMs
    this.#draw(nowMs)
  }

  /** Runs `write` with the line erased, then draws it again, so other output never tears it. */
  around(write: () => void): void {
    if (!this.#shown) {
      write()
      return
    }
    this.#stream.write(eraseLine)
    this.#shown = false
    write()
    this.#draw(this.#now())
  }

  /** Erases the line for good. */
  finish(): void {
    if (this.#shown) this.#stream.write(eraseLine)
    this.#shown = false
  }

  /** The text of the line, without control characters. */
  render(nowMs: number): string {
    const elapsedSeconds = Math.max(0, nowMs - this.#startedMs) / 1000
    const seedsPerSecond = elapsedSeconds > 0 ? this.#done / elapsedSeconds : 0
    const parts = [`sim ${this.#done}/${this.#total} seeds`]
    if (this.#done > 0 && seedsPerSecond > 0) {
      parts.push(`${seedsPerSecond.toFixed(seedsPerSecond < 10 ? 1 : 0)} seeds/s`)
      if (this.#stepsPerSeed !== undefined) {
        parts.push(`${formatRate(seedsPerSecond * this.#stepsPerSeed)} steps/s`)
      }
    }
    parts.push(this.#failed === 0 ? 'no failures' : `${this.#failed} FAILED`)
    if (this.#done > 0 && this.#done < this.#total && seedsPerSecond > 0) {
      parts.push(`ETA ${formatDuration((this.#total - this.#done) / seedsPerSecond)}`)
    }
    return parts.join('  ')
  }

  #draw(nowMs: number): void {
    // Stay one column short of the edge so the terminal never wraps; a terminal that reports no
    // width (0 under some emulators) gets the classic 80.
    const columns = this.#stream.columns ?? 0
    const width = (columns > 20 ? columns : 80) - 1
    this.#stream.write(eraseLine + this.render(nowMs).slice(0, width))
    this.#shown = true
  }
}

/** "850", "12.3k", "1.20M": a rate short enough for a status line. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(1)}k`
  return perSecond.toFixed(0)
}

/** "42s", "3m07s", "2h05m". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds))
  if (whole < 60) return `${whole}s`
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
  const minutes = Math.floor(whole / 60)
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}
