/**
 * @module raftkit — the command line. `main(argv)` runs it and resolves to the exit status; the
 * parsing and formatting helpers are exported for tools that drive the simulator themselves.
 */
export { main, type MainContext } from './main.js'
export { exitCodes, UsageError } from './usage-error.js'
export { parseSeed, parseSeedList } from './sim/seed-list.js'
export { parseFaults, parseSimFlags, type SimSettings } from './sim/sim-flags.js'
export { replayCommand } from './sim/replay.js'
export { runOrdered, type PoolHandlers, type Runner } from './sim/pool.js'
