/**
 * Invariant checks that stay on in production. A failed assertion means raftkit has a bug or its
 * storage lied; continuing could break safety, so the node stops (fail-stop) instead.
 */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation'
}

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantViolation(typeof message === 'string' ? message : message())
}

/** Marks a branch the type system proves unreachable; reaching it at run time is a bug. */
export function unreachable(value: never): never {
  throw new InvariantViolation(`unreachable: ${JSON.stringify(value)}`)
}
