import { readFileSync, writeFileSync } from 'node:fs'

/** One command of a datadriven script: a line of words, its expected output, where it stands. */
export interface TestCase {
  readonly line: string
  readonly command: string
  readonly args: readonly string[]
  readonly expected: string
  readonly lineNumber: number
}

/**
 * Parses an etcd-style datadriven file: a command line, `----`, the expected output, a blank
 * line. `#` lines before a command are comments and are kept when the file is rewritten.
 */
export function parseScript(text: string): { cases: TestCase[]; comments: Map<number, string[]> } {
  const lines = text.split('\n')
  const cases: TestCase[] = []
  const comments = new Map<number, string[]>()
  let pendingComments: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    if (line.startsWith('#')) {
      pendingComments.push(line)
      continue
    }
    if (lines[i + 1] !== '----')
      throw new Error(`line ${i + 2}: expected ---- after command "${line}"`)
    const output: string[] = []
    let j = i + 2
    while (j < lines.length && lines[j] !== '') output.push(lines[j++]!)
    const [command, ...args] = line.trim().split(/\s+/)
    comments.set(cases.length, pendingComments)
    pendingComments = []
    cases.push({ line, command: command!, args, expected: output.join('\n'), lineNumber: i + 1 })
    i = j
  }
  return { cases, comments }
}

/**
 * Runs a script: each command's actual output is compared with the expected one. With
 * REWRITE=1 the file is rewritten with the actual outputs instead (review the diff like code).
 */
export function runScript(
  path: string,
  run: (testCase: TestCase) => string,
): { mismatches: string[] } {
  const text = readFileSync(path, 'utf8')
  const { cases, comments } = parseScript(text)
  const rewrite = process.env.REWRITE === '1'
  const mismatches: string[] = []
  const out: string[] = []
  cases.forEach((testCase, index) => {
    const actual = run(testCase).trimEnd() || 'ok'
    for (const comment of comments.get(index) ?? []) out.push(comment)
    out.push(testCase.line, '----', actual, '')
    if (!rewrite && actual !== testCase.expected) {
      mismatches.push(
        `${path}:${testCase.lineNumber}: ${testCase.line}\n--- expected\n${testCase.expected}\n--- actual\n${actual}`,
      )
    }
  })
  if (rewrite) writeFileSync(path, out.join('\n'))
  return { mismatches }
}

/** Parses `key=value` arguments; bare words are returned as positional. */
export function parseArgs(args: readonly string[]): {
  positional: string[]
  options: Map<string, string>
} {
  const positional: string[] = []
  const options = new Map<string, string>()
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq > 0) options.set(arg.slice(0, eq), arg.slice(eq + 1))
    else positional.push(arg)
  }
  return { positional, options }
}
