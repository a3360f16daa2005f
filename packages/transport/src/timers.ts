/**
 * The transport's only clock: one-shot timers for back-off and handshake deadlines. Injected so
 * a test can drive them by hand; the default is Node's.
 */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

export const nodeTimers: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}
