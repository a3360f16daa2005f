/**
 * The bounds the `sim` command accepts, named so that the validation messages, the help text and
 * the tests all quote the same numbers.
 */
export const simLimits = {
  nodesMin: 1,
  nodesMax: 9,
  /** The simulator takes any safe integer as a seed, and every bit of it matters. */
  seedMax: Number.MAX_SAFE_INTEGER,
  /** One sweep covers at most this many seeds; larger sweeps are split into several commands. */
  seedCountMax: 1_000_000,
  stepsDefault: 20_000,
  stepsMax: 100_000_000,
  clientsMin: 1,
  clientsMax: 64,
  workersMax: 256,
} as const
