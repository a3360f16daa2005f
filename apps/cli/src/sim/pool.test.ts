import { describe, expect, test } from 'vitest'
import { runOrdered, type Runner } from './pool.js'

/** A runner whose tasks finish after `delayMs(task)`, recording what it ran. */
function fakeRunner(delayMs: (task: number) => number, log: number[] = []) {
  let closed = 0
  const runner: Runner<number, string> & { closed(): number } = {
    async run(task) {
      log.push(task)
      await new Promise((resolve) => setTimeout(resolve, delayMs(task)))
      if (task < 0) throw new Error(`task ${task} broke`)
      return `result ${task}`
    },
    async close() {
      closed++
    },
    closed: () => closed,
  }
  return runner
}

describe('runOrdered', () => {
  test('hands results back in task order even when they finish out of order', async () => {
    const tasks = [1, 2, 3, 4, 5, 6, 7, 8]
    // Early tasks are slow, so later ones finish first and must wait.
    const runners = [0, 1, 2].map(() => fakeRunner((task) => (9 - task) * 3))
    const ordered: string[] = []
    const settled: string[] = []
    await runOrdered(tasks, runners, {
      onOrdered: (result, index, task) => {
        expect(task).toBe(tasks[index])
        ordered.push(result)
      },
      onSettled: (result) => settled.push(result),
    })
    expect(ordered).toEqual(tasks.map((task) => `result ${task}`))
    expect(settled).not.toEqual(ordered)
    expect(settled.sort()).toEqual([...ordered].sort())
    for (const runner of runners) expect(runner.closed()).toBe(1)
  })

  test('streams a result as soon as it and every earlier one are in', async () => {
    const events: string[] = []
    const runners = [fakeRunner((task) => (task === 1 ? 30 : 1)), fakeRunner(() => 1)]
    await runOrdered([1, 2, 3], runners, {
      onSettled: (result) => events.push(`settled ${result}`),
      onOrdered: (result) => events.push(`ordered ${result}`),
    })
    // 2 and 3 finish first but wait for 1; then all three flow out at once.
    expect(events.indexOf('ordered result 2')).toBeGreaterThan(events.indexOf('settled result 1'))
    expect(events.filter((e) => e.startsWith('ordered'))).toEqual([
      'ordered result 1',
      'ordered result 2',
      'ordered result 3',
    ])
  })

  test('every runner is kept busy: each task runs exactly once', async () => {
    const logs: number[][] = [[], [], [], []]
    const runners = logs.map((log) => fakeRunner(() => 2, log))
    const tasks = Array.from({ length: 40 }, (_, i) => i)
    await runOrdered(tasks, runners, { onOrdered: () => {} })
    expect(logs.flat().sort((a, b) => a - b)).toEqual(tasks)
    for (const log of logs) expect(log.length).toBeGreaterThan(4)
  })

  test('one runner in a single lane runs the tasks in order', async () => {
    const log: number[] = []
    await runOrdered([5, 3, 9], [fakeRunner(() => 0, log)], { onOrdered: () => {} })
    expect(log).toEqual([5, 3, 9])
  })

  test('abort stops new tasks; tasks already running are still reported in order', async () => {
    const controller = new AbortController()
    const ordered: string[] = []
    const runners = [fakeRunner(() => 5), fakeRunner(() => 5)]
    await runOrdered(
      Array.from({ length: 100 }, (_, i) => i),
      runners,
      {
        onOrdered: (result, index) => {
          ordered.push(result)
          if (index === 3) controller.abort()
        },
      },
      controller.signal,
    )
    expect(ordered.length).toBeGreaterThanOrEqual(4)
    expect(ordered.length).toBeLessThan(10)
    expect(ordered).toEqual(ordered.map((_, i) => `result ${i}`))
  })

  test('a runner that fails stops the pool, re-throws, and closes every runner', async () => {
    const runners = [fakeRunner(() => 1), fakeRunner(() => 1)]
    await expect(runOrdered([1, 2, -3, 4, 5, 6], runners, { onOrdered: () => {} })).rejects.toThrow(
      'task -3 broke',
    )
    for (const runner of runners) expect(runner.closed()).toBe(1)
  })

  test('no tasks: nothing runs, runners are closed', async () => {
    const runner = fakeRunner(() => 0)
    await runOrdered([], [runner], { onOrdered: () => expect.unreachable() })
    expect(runner.closed()).toBe(1)
  })
})
