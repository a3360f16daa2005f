/** Polling with deadlines. Deadlines are generous bounds for convergence, never timing claims. */

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Calls `probe` until it returns something other than `undefined` or `false` (an exception
 * counts as "not yet"), and returns that. Throws once `timeoutMs` has passed, naming `what` and
 * the last thing the probe said.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000
  const intervalMs = options.intervalMs ?? 50
  const deadline = performance.now() + timeoutMs
  let last: string
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
      last = `probe returned ${String(value)}`
    } catch (error) {
      last = `probe threw: ${(error as Error).message}`
    }
    if (performance.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`)
    }
    await sleep(intervalMs)
  }
}
