/**
 * Assertions that stay on in production. A failed one means a bug in raftkit (or a corrupt
 * snapshot): a replica that continued would diverge from the others, so it stops instead.
 */
export class KvInvariantViolation extends Error {
  override readonly name = 'KvInvariantViolation'
}

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new KvInvariantViolation(typeof message === 'string' ? message : message())
}
