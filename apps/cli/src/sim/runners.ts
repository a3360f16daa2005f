import { Worker } from 'node:worker_threads'
import type { Runner } from './pool.js'
import { runSeed, type SeedOutcome, type SweepOptions } from './run-seed.js'

/**
 * Runs seeds in this thread (`--workers 1`). Each seed waits for the next turn of the event loop
 * first, so that Ctrl-C and the progress display get a chance between seeds.
 */
export class InProcessRunner implements Runner<number, SeedOutcome> {
  readonly #options: SweepOptions

  constructor(options: SweepOptions) {
    this.#options = options
  }

  async run(seed: number): Promise<SeedOutcome> {
    await new Promise((resolve) => setImmediate(resolve))
    return runSeed(this.#options, seed)
  }

  async close(): Promise<void> {}
}

/**
 * Runs seeds in a worker thread, one at a time. The thread loads the simulator once and keeps
 * it for the whole sweep. A thread that dies (it should not: `runSeed` catches what the
 * simulator throws) fails the sweep rather than hiding a seed.
 */
export class WorkerRunner implements Runner<number, SeedOutcome> {
  readonly #worker: Worker
  #pending: { resolve(outcome: SeedOutcome): void; reject(error: Error): void } | undefined
  #closed = false
  /** Why the thread died, if it did; every later run fails with it instead of hanging. */
  #death: Error | undefined

  constructor(options: SweepOptions) {
    this.#worker = new Worker(new URL('./sim-worker.js', import.meta.url), { workerData: options })
    this.#worker.on('message', (outcome: SeedOutcome) => this.#settle(undefined, outcome))
    this.#worker.on('error', (error) => this.#die(error))
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#die(new Error(`a sweep worker stopped with exit code ${code}`))
    })
  }

  run(seed: number): Promise<SeedOutcome> {
    if (this.#pending !== undefined) throw new Error('WorkerRunner runs one seed at a time')
    if (this.#death !== undefined) return Promise.reject(this.#death)
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject }
      this.#worker.postMessage(seed)
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#worker.terminate()
  }

  #die(error: Error): void {
    this.#death ??= error
    this.#settle(error)
  }

  #settle(error: Error | undefined, outcome?: SeedOutcome): void {
    const pending = this.#pending
    this.#pending = undefined
    if (pending === undefined) return
    if (error !== undefined) pending.reject(error)
    else pending.resolve(outcome as SeedOutcome)
  }
}
