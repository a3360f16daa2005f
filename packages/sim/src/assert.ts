/**
 * Assertions for the simulator's own bookkeeping. A failure is a bug in the simulator (not in
 * the system under test, whose failures are reported as violations).
 */
export class SimulatorBug extends Error {
  override readonly name = 'SimulatorBug'
}

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new SimulatorBug(typeof message === 'string' ? message : message())
}
