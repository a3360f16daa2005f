/**
 * A mistake in the command line: an unknown flag, a value out of range, two flags that exclude
 * each other. The CLI prints the message and exits with status 2, as POSIX tools do for usage
 * errors, so that a script can tell "you called me wrong" from "the run found a violation" (1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Exit statuses of the `raftkit` command. */
export const exitCodes = {
  ok: 0,
  /** A check found a violation, or a command failed while running. */
  failed: 1,
  usage: 2,
  /** Stopped by Ctrl-C (128 + SIGINT), as shells report it. */
  interrupted: 130,
} as const
