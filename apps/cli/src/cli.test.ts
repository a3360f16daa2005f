/**
 * End-to-end tests of the `raftkit` binary: they spawn `node apps/cli/bin/raftkit.js`, which runs
 * the compiled `dist/` (built by `tsc -b` before `vitest run` in `npm test`), exactly as a user's
 * `npx raftkit` does.
 */
import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const binary = fileURLToPath(new URL('../bin/raftkit.js', import.meta.url))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function raftkit(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [binary, ...args],
      { maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('raftkit --help and --version', () => {
  test('--help lists the commands and exits 0', async () => {
    const run = await raftkit('--help')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/Usage: raftkit/)
    expect(run.stdout).toMatch(/\bsim\b/)
    expect(run.stdout).toMatch(/\bstart\b/)
  })

  test('sim --help documents the flags and the fault-free default', async () => {
    const run = await raftkit('sim', '--help')
    expect(run.code).toBe(0)
    for (const flag of [
      '--nodes',
      '--seed',
      '--seeds',
      '--steps',
      '--faults',
      '--unsafe',
      '--json',
    ]) {
      expect(run.stdout).toContain(flag)
    }
    expect(run.stdout).toContain('Without --faults the run is fault-free')
  })

  test('--version prints the package version', async () => {
    const run = await raftkit('--version')
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('usage errors exit 2 with a clear message on stderr and nothing on stdout', () => {
  test.each<[string[], RegExp]>([
    [['sim', '--nodes', '3'], /give --seed S \(one run\) or --seeds A\.\.B/],
    [['sim', '--seed', '1', '--seeds', '1..3'], /either --seed S .* or --seeds A\.\.B .*not both/],
    [['sim', '--seed', '1', '--faults', 'crash,flood'], /unknown fault 'flood' in --faults/],
    [['sim', '--seeds', '5..2'], /--seeds range '5\.\.2' is empty/],
    [['sim', '--seeds', '1..'], /needs both ends/],
    [['sim', '--seed', '1', '--nodes', '10'], /--nodes must be from 1 to 9, got 10/],
    [['sim', '--seed', '1', '--nodes', '0'], /--nodes must be from 1 to 9, got 0/],
    [['sim', '--seed', '1', '--unsafe', 'nope'], /unknown rule 'nope' for --unsafe/],
    [['sim', '--seed', '1', '--steps', 'many'], /--steps expects a whole number/],
    [['sim', '--seed', '1', '--workers', '0'], /--workers must be from 1/],
    [['sim', '--seed', '1', '--frobnicate'], /unknown option '--frobnicate'/],
    [['sim', '--seed'], /argument missing/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['demo', '--speed', 'fast'], /--speed expects a number/],
    [['demo', '--nodes', '12'], /--nodes must be from 1 to 9/],
  ])('raftkit %j', async (args, message) => {
    const run = await raftkit(...args)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stdout).toBe('')
  })

  test('no command prints the help on stderr', async () => {
    const run = await raftkit()
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/Usage: raftkit/)
  })
})

describe('raftkit sim --json', () => {
  const args = ['sim', '--nodes', '3', '--seeds', '1..4', '--steps', '3000']
  const faults = ['--faults', 'crash,partition', '--json']

  test('one object per seed in seed order, then a summary; the same bytes every time', async () => {
    const [first, second, inProcess] = await Promise.all([
      raftkit(...args, ...faults),
      raftkit(...args, ...faults),
      raftkit(...args, ...faults, '--workers', '1'),
    ])
    expect(second.stdout).toBe(first.stdout)
    expect(second.code).toBe(first.code)
    // The number of worker threads changes nothing either.
    expect(inProcess.stdout).toBe(first.stdout)

    const lines = jsonLines(first.stdout)
    expect(lines).toHaveLength(5)
    lines.slice(0, 4).forEach((line, i) => {
      expect(Object.keys(line).slice(0, 3)).toEqual(['seed', 'ok', 'violations'])
      expect(line).toMatchObject({ seed: i + 1, steps: 3000 })
      expect(line['ok']).toBe((line['violations'] as unknown[]).length === 0)
      for (const field of [
        'committed',
        'elections',
        'leaderChanges',
        'snapshotsInstalled',
        'membershipChanges',
      ]) {
        expect(typeof line[field]).toBe('number')
      }
    })
    const summary = lines[4]
    const failed = lines.slice(0, 4).filter((line) => line['ok'] !== true).length
    expect(summary).toMatchObject({ summary: true, seeds: 4, ok: 4 - failed, failed })
    const committed = lines
      .slice(0, 4)
      .reduce((sum, line) => sum + (line['committed'] as number), 0)
    expect(summary?.['committed']).toBe(committed)
  })

  test('a single seed gives the same line as in the sweep', async () => {
    const [sweep, single] = await Promise.all([
      raftkit(...args, ...faults),
      raftkit('sim', '--nodes', '3', '--seed', '3', '--steps', '3000', ...faults),
    ])
    expect(jsonLines(single.stdout)[0]).toEqual(jsonLines(sweep.stdout)[2])
  })
})

describe('raftkit sim exit status', () => {
  test('a fault-free run keeps every rule: exit 0, no stderr', async () => {
    const run = await raftkit('sim', '--nodes', '3', '--seeds', '1..3', '--steps', '5000', '--json')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({
      seeds: 3,
      ok: 3,
      failed: 0,
      violations: 0,
    })
  })

  test('--unsafe forget-vote: two leaders in a term are caught, exit 1, replayable', async () => {
    const sweepFlags = ['--nodes', '3', '--steps', '20000', '--faults', 'crash,restart,partition']
    const sweep = await raftkit(
      'sim',
      ...sweepFlags,
      '--seeds',
      '1..24',
      '--unsafe',
      'forget-vote',
      '--json',
    )
    expect(sweep.code).toBe(1)
    const lines = jsonLines(sweep.stdout)
    const summary = lines.at(-1) ?? {}
    expect(summary['failed']).toBeGreaterThan(0)
    expect(Object.keys(summary['violationsByKind'] as object)).toContain('election-safety')

    // Every failing seed has a replay command on stderr; replaying one gives the same result.
    const failing = lines.filter((line) => line['summary'] === undefined && line['ok'] === false)
    const replays = [...sweep.stderr.matchAll(/replay: npx raftkit (sim .*)$/gm)]
    expect(replays).toHaveLength(failing.length)
    const first = failing[0]
    const replay = replays[0]?.[1]
    expect(replay).toBe(
      `sim --nodes 3 --seed ${first?.['seed']} --steps 20000 --faults crash,restart,partition ` +
        '--unsafe forget-vote',
    )
    const again = await raftkit(...(replay ?? '').split(' '), '--json')
    expect(again.code).toBe(1)
    expect(jsonLines(again.stdout)[0]).toEqual(first)
  })

  test('--unsafe commit-old-term is caught too', async () => {
    const run = await raftkit(
      'sim',
      '--nodes',
      '3',
      '--seeds',
      '1..24',
      '--faults',
      'crash,restart,partition,drop,delay',
      '--unsafe',
      'commit-old-term',
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^seed \d+: FAILED, \d+ violations?$/m)
    expect(run.stdout).toMatch(
      /^ {2}replay: npx raftkit sim --nodes 3 --seed \d+ .*--unsafe commit-old-term$/m,
    )
    expect(run.stdout).toContain('UNSAFE: commit-old-term switched off')
  })
})

describe('raftkit sim text output', () => {
  test('a clean run exits 0 and prints a summary table', async () => {
    const run = await raftkit('sim', '--nodes', '3', '--seeds', '1..2', '--steps', '2000')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('raftkit sim: seeds 1..2, 3 nodes, 2000 steps each, no faults')
    expect(run.stdout).toContain('OK: no violation (safety, linearizability, liveness) in 2 seeds')
    expect(run.stdout).toMatch(/committed index\s+[\d,]+/)
  })
})

describe('raftkit demo', () => {
  test('narrates a simulated cluster until Ctrl-C, then stops cleanly', async () => {
    const child = spawn(process.execPath, [binary, 'demo', '--speed', '20', '--seed', '7'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => (stdout += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    // At speed 20, 3 s of real time is a minute of cluster life: elections, commits, a crash.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    child.kill('SIGINT')
    expect(await exited).toBe(0)

    const lines = stdout.split('\n')
    expect(lines[0]).toMatch(/^raftkit demo: a SIMULATED 3-node Raft cluster/)
    expect(lines[0]).toMatch(/raftkit start runs real node processes; raftkit lab shows a cluster in the browser/)
    expect(stdout).toMatch(/n\d heard from no leader in time and starts an election for term \d+/)
    expect(stdout).toMatch(/n\d won term \d+ with votes from n\d, n\d/)
    expect(stdout).toMatch(/committed \d+\.\.\d+ on n1, n2, n3/)
    expect(stdout).toMatch(/CRASH {4}n\d stopped, and it was the leader/)
    expect(stdout).toMatch(/RESTART {2}n\d is back/)
    expect(stdout).toMatch(/stopped: \d+ elections?, .*; no safety violation\n$/)
    // Calm: nothing about individual messages or heartbeats.
    expect(stdout).not.toMatch(/AppendEntries|Heartbeat|pre-vote/)
  })
})
