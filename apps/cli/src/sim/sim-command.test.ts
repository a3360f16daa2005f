import { describe, expect, test } from 'vitest'
import type { Io, OutputStream } from '../io.js'
import { failedResult, seedResult, settings } from '../testing/sim-results.js'
import type { Runner } from './pool.js'
import type { SeedOutcome } from './run-seed.js'
import { runSimCommand } from './sim-command.js'

function stream(isTTY: boolean): OutputStream & { text: string } {
  return {
    isTTY,
    columns: 120,
    text: '',
    write(chunk: string) {
      this.text += chunk
    },
  }
}

/** Runners that answer from a table after a delay that makes later seeds finish first. */
function fakeRunners(failing: ReadonlySet<number>) {
  return (_options: unknown, count: number): Runner<number, SeedOutcome>[] =>
    Array.from({ length: count }, () => ({
      async run(seed: number) {
        await new Promise((resolve) => setTimeout(resolve, (10 - seed) * 2))
        return { result: failing.has(seed) ? failedResult(seed) : seedResult(seed) }
      },
      async close() {},
    }))
}

async function run(json: boolean, stderrIsTTY: boolean, workers: number) {
  const io = { stdout: stream(false), stderr: stream(stderrIsTTY) } satisfies Io
  const code = await runSimCommand(
    { ...settings, seeds: [1, 2, 3, 4, 5, 6], json, workers },
    { io, createRunners: fakeRunners(new Set([2, 5])) },
  )
  return { code, stdout: io.stdout.text, stderr: io.stderr.text }
}

describe('runSimCommand', () => {
  test('--json: lines in seed order, replay commands on stderr, exit 1 on a violation', async () => {
    const { code, stdout, stderr } = await run(true, false, 3)
    expect(code).toBe(1)
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { seed?: number })
    expect(lines.map((line) => line.seed)).toEqual([1, 2, 3, 4, 5, 6, undefined])
    expect(stderr).toBe(
      'seed 2 FAILED (election-safety); replay: npx raftkit sim --nodes 5 --seed 2 --steps 3000 ' +
        '--faults crash,partition --unsafe forget-vote\n' +
        'seed 5 FAILED (election-safety); replay: npx raftkit sim --nodes 5 --seed 5 --steps 3000 ' +
        '--faults crash,partition --unsafe forget-vote\n',
    )
  })

  test('stdout is the same whatever the workers and whether a person watches', async () => {
    const quiet = await run(false, false, 1)
    const watched = await run(false, true, 4)
    expect(watched.stdout).toBe(quiet.stdout)
    expect(quiet.stderr).toBe('')
    // On a terminal: a progress line redrawn in place, erased, then the timing.
    expect(watched.stderr).toContain('\r\x1b[2Ksim 0/6 seeds')
    expect(watched.stderr).toMatch(/6 seeds in [\d.]+s on 4 workers: [\d.]+ seeds\/s/)
  })

  test('an aborted sweep reports what ran and exits 130', async () => {
    const controller = new AbortController()
    controller.abort()
    const io = { stdout: stream(false), stderr: stream(false) }
    const code = await runSimCommand(
      { ...settings, seeds: [1, 2, 3], json: true, workers: 1 },
      { io, createRunners: fakeRunners(new Set()), signal: controller.signal },
    )
    expect(code).toBe(130)
    expect(io.stderr.text).toBe('interrupted: 0 of 3 seeds ran\n')
    expect(JSON.parse(io.stdout.text)).toMatchObject({ summary: true, seeds: 0 })
  })
})
