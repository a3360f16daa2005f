/**
 * Assertions that stay on in production. A failed one means a bug in raftkit or corrupt stored
 * state: a replica that went on would diverge from the others, so it stops instead.
 */
export class RegistryInvariantViolation extends Error {
  override readonly name = 'RegistryInvariantViolation'
}

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new RegistryInvariantViolation(typeof message === 'string' ? message : message())
  }
}
