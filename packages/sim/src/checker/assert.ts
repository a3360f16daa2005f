/**
 * The checker's own invariant checks. A failure means the checker has a bug, so it throws instead
 * of returning a verdict that could be wrong.
 */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`linearizability checker invariant: ${message}`)
}

/** Marks a branch the type system proves unreachable; reaching it at run time is a bug. */
export function unreachable(value: never): never {
  throw new Error(`linearizability checker invariant: unreachable ${JSON.stringify(value)}`)
}
