/**
 * Jepsen-style: concurrent clients read, write and compare-and-set a few keys through every node
 * of a cluster of real `raftkit node` processes, while a nemesis kills (-9), pauses (SIGSTOP) and
 * partitions nodes. The history must be linearizable (checked with the simulator's checker) and
 * every acknowledged write of the ledger client must be on every node afterwards.
 *
 * `npm test` runs a short form. `npm run jepsen` runs the long form (five nodes, two minutes);
 * RAFTKIT_JEPSEN_SECONDS, RAFTKIT_JEPSEN_NODES and RAFTKIT_JEPSEN_SEED change it.
 */
import { describe, expect, test } from 'vitest'
import { faultKinds } from './support/jepsen/nemesis.js'
import { runJepsen, type JepsenOptions } from './support/jepsen/run.js'
import { seedFromEnv } from './support/random.js'

const long = process.env.RAFTKIT_JEPSEN === 'long'

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}

const options: JepsenOptions = {
  seed: seedFromEnv('RAFTKIT_JEPSEN_SEED'),
  nodes: intFromEnv('RAFTKIT_JEPSEN_NODES', long ? 5 : 3),
  clients: long ? 8 : 5,
  keys: long ? 5 : 3,
  durationMs: intFromEnv('RAFTKIT_JEPSEN_SECONDS', long ? 120 : 14) * 1000,
  faults: faultKinds,
  faultMs: long ? [800, 3_000] : [500, 1_500],
  calmMs: long ? [300, 1_500] : [300, 800],
}

describe(`jepsen (${long ? 'long' : 'short'} form)`, () => {
  test(
    'the history of reads, writes and CAS under kill -9, SIGSTOP and partitions is linearizable, and nothing acknowledged is lost',
    async () => {
      const report = await runJepsen(options)
      console.log(report.describe())
      expect(report.crashes, 'node crashes or fail-stops').toEqual([])
      expect(report.lost, 'acknowledged ledger writes missing').toEqual([])
      expect(report.linearizability).toEqual({ status: 'ok' })
      // The run must have done real work under real faults, or it proves nothing.
      expect(report.faults.length).toBeGreaterThanOrEqual(long ? 20 : 3)
      expect(report.ledgerAcked).toBeGreaterThan(10)
      const determinateWrites =
        (report.operations['put ok'] ?? 0) + (report.operations['cas swapped'] ?? 0)
      expect(determinateWrites).toBeGreaterThan(30)
    },
    options.durationMs + 240_000,
  )
})
