/**
 * Runs one task at a time. A pool holds several; each may be a worker thread or this thread.
 */
export interface Runner<Task, Result> {
  run(task: Task): Promise<Result>
  /** Releases what the runner holds (a worker thread). Called once, when the pool is done. */
  close(): Promise<void>
}

export interface PoolHandlers<Task, Result> {
  /** Called for each result in task order, as soon as it and every earlier result are in. */
  onOrdered(result: Result, index: number, task: Task): void
  /** Called for each result as it arrives, in completion order (for progress displays). */
  onSettled?(result: Result, index: number, task: Task): void
}

/**
 * Runs every task on the given runners, each runner taking the next task as soon as it is free,
 * and hands the results back in task order. Results that arrive early wait in a buffer; at most
 * `runners.length - 1` of them can be waiting, so memory stays bounded however long the sweep.
 *
 * When `signal` aborts, no new task starts; the tasks already running finish and are reported.
 * A runner that rejects stops the pool: the rejection is re-thrown after the others finish.
 * The runners are closed in every case.
 */
export async function runOrdered<Task, Result>(
  tasks: readonly Task[],
  runners: readonly Runner<Task, Result>[],
  handlers: PoolHandlers<Task, Result>,
  signal?: AbortSignal,
): Promise<void> {
  if (runners.length === 0 && tasks.length > 0) throw new Error('runOrdered needs a runner')
  const waiting = new Map<number, Result>()
  let nextToStart = 0
  let nextToEmit = 0
  let failure: { error: unknown } | undefined

  const emitReady = (): void => {
    while (waiting.has(nextToEmit)) {
      const result = waiting.get(nextToEmit) as Result
      waiting.delete(nextToEmit)
      handlers.onOrdered(result, nextToEmit, tasks[nextToEmit] as Task)
      nextToEmit++
    }
  }

  const lane = async (runner: Runner<Task, Result>): Promise<void> => {
    while (failure === undefined && signal?.aborted !== true && nextToStart < tasks.length) {
      const index = nextToStart++
      const task = tasks[index] as Task
      try {
        const result = await runner.run(task)
        handlers.onSettled?.(result, index, task)
        waiting.set(index, result)
        emitReady()
      } catch (error) {
        failure ??= { error }
      }
    }
  }

  try {
    await Promise.all(runners.map(lane))
  } finally {
    await Promise.all(runners.map((runner) => runner.close()))
  }
  if (failure !== undefined) throw failure.error
}
