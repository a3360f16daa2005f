/**
 * Where a command writes. `main` uses the process streams; tests pass buffers. Keeping stdout
 * and stderr apart matters: stdout carries the results (byte-identical for the same flags),
 * stderr carries everything that may vary, such as progress, timings and replay hints.
 */
export interface OutputStream {
  write(text: string): unknown
  /** True when a person is watching: only then are progress lines and timings shown. */
  readonly isTTY?: boolean | undefined
  /** Terminal width, when known. */
  readonly columns?: number | undefined
}

export interface Io {
  readonly stdout: OutputStream
  readonly stderr: OutputStream
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr }
