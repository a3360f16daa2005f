/**
 * The body of one sweep worker thread. It receives the sweep's options once (as `workerData`),
 * then one seed per message, and answers each with that seed's `SeedOutcome`.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { runSeed, type SweepOptions } from './run-seed.js'

const port = parentPort
if (port === null) throw new Error('sim-worker.js must run in a worker thread')
const options = workerData as SweepOptions

port.on('message', (seed: number) => {
  port.postMessage(runSeed(options, seed))
})
