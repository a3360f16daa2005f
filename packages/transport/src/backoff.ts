/**
 * Reconnection back-off with "equal jitter": the ceiling doubles with every failed attempt, from
 * `minMs` up to `maxMs`, and the delay is drawn from [ceiling / 2, ceiling). The jitter keeps the
 * nodes of a cluster that lost a peer at the same moment from reconnecting in lock step; the
 * lower half keeps a flapping peer from being hammered.
 *
 * `random` returns a number in [0, 1): `Math.random` in production, a fixed value in tests.
 */
export function reconnectDelayMs(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceilingMs = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
  return Math.floor(ceilingMs / 2 + (random() * ceilingMs) / 2)
}
