import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkKvHistory, type LinearizabilityResult } from '@raftkit/sim'
import { missingWrites, readAll } from '../kv-client.js'
import { ProcessCluster } from '../process-cluster.js'
import { Rng } from '../random.js'
import { History } from './history.js'
import { Nemesis, type FaultKind, type FaultRecord } from './nemesis.js'
import { LedgerClient, RegisterClient } from './workload.js'

export interface JepsenOptions {
  readonly seed: number
  readonly nodes: number
  readonly clients: number
  readonly keys: number
  /** How long clients and the nemesis run. */
  readonly durationMs: number
  readonly faults: readonly FaultKind[]
  readonly faultMs: readonly [number, number]
  readonly calmMs: readonly [number, number]
  /** Milliseconds per Raft tick on the nodes. */
  readonly tickMs?: number
}

export interface JepsenReport {
  readonly options: JepsenOptions
  readonly linearizability: LinearizabilityResult
  /** Acknowledged ledger writes missing (or wrong) on some node, one line each. */
  readonly lost: readonly string[]
  readonly ledgerAcked: number
  readonly operations: Record<string, number>
  readonly indeterminate: number
  readonly faults: readonly FaultRecord[]
  /** Nodes that exited without being told to, or fail-stopped. */
  readonly crashes: readonly string[]
  /** Where the history was written, when the run failed. */
  readonly historyFile: string | undefined
  /** A few lines for a person. */
  describe(): string
}

/**
 * A Jepsen-style test of a real cluster: concurrent clients read, write and compare-and-set a few
 * keys through every node while a nemesis kills (-9), pauses (SIGSTOP) and partitions nodes on a
 * seeded schedule. Afterwards the cluster is healed, every client reads every key from every node,
 * and the whole history is checked for linearizability with the simulator's checker; a ledger of
 * acknowledged unique writes must be complete on every node.
 */
export async function runJepsen(options: JepsenOptions): Promise<JepsenReport> {
  const rng = new Rng(options.seed)
  const cluster = await ProcessCluster.start({
    size: options.nodes,
    debugFaults: true,
    name: 'jepsen',
    tickMs: options.tickMs ?? 10,
    requestTimeoutMs: 2_000,
  })
  try {
    const history = new History()
    const keys = Array.from({ length: options.keys }, (_, i) => `jepsen/k${i}`)
    const workload = { clients: options.clients, keys, requestTimeoutMs: 3_000 }
    const clients = Array.from(
      { length: options.clients },
      (_, i) => new RegisterClient(i + 1, cluster, history, workload, new Rng(rng.int(0, 2 ** 31))),
    )
    const ledger = new LedgerClient(cluster, new Rng(rng.int(0, 2 ** 31)), 3_000)
    const nemesis = new Nemesis(
      cluster,
      new Rng(rng.int(0, 2 ** 31)),
      { faults: options.faults, faultMs: options.faultMs, calmMs: options.calmMs },
      () => history.now(),
    )

    const endAt = performance.now() + options.durationMs
    const over = () => performance.now() >= endAt
    await Promise.all([
      ...clients.map((client) => client.run(over)),
      ledger.run(over),
      nemesis.run(over),
    ])

    // Whole again: every node running, the network healed, everyone applied what was committed.
    for (const node of cluster.nodes) {
      if (node.state === 'paused') cluster.resume(node.id)
      if (node.state !== 'running') await cluster.start(node.id, { timeoutMs: 60_000 })
    }
    await cluster.heal()
    await cluster.converged(60_000)

    // Final reads: every client reads every key on every node (linearizable).
    for (const client of clients) {
      for (const node of cluster.ids) {
        for (const key of keys) await client.perform({ op: 'get', key }, node)
      }
    }
    const lost: string[] = []
    for (const node of cluster.nodes) {
      const held = await readAll(node.clientUrl, 'ledger/', 'stale')
      for (const line of missingWrites(ledger.acked, held)) lost.push(`${node.id}: ${line}`)
    }

    const linearizability = checkKvHistory(history.operations)
    const crashes: string[] = []
    for (const node of cluster.nodes) {
      for (const exit of node.unexpectedExits) crashes.push(`${node.id} exited: ${exit}`)
      for (const fatal of node.logged('replica stopped'))
        crashes.push(`${node.id} fail-stopped: ${String(fatal.err)}`)
    }
    const failed = linearizability.status !== 'ok' || lost.length > 0 || crashes.length > 0
    let historyFile: string | undefined
    if (failed) {
      historyFile = join(tmpdir(), `raftkit-jepsen-${options.seed}-${Date.now()}.json`)
      await writeFile(
        historyFile,
        JSON.stringify({ options, faults: nemesis.log, operations: history.operations }, null, 1),
      )
    }
    const operations = history.summary()
    const indeterminate = history.operations.filter((op) => op.return === undefined).length
    const reasons: Record<string, number> = {}
    for (const op of history.operations) {
      if (op.indeterminate === undefined) continue
      const reason = op.indeterminate.replace(/\d{2,}/g, 'N')
      reasons[reason] = (reasons[reason] ?? 0) + 1
    }
    return {
      options,
      linearizability,
      lost,
      ledgerAcked: ledger.acked.size,
      operations,
      indeterminate,
      faults: nemesis.log,
      crashes,
      historyFile,
      describe() {
        const faultCounts: Record<string, number> = {}
        for (const fault of nemesis.log)
          faultCounts[fault.kind] = (faultCounts[fault.kind] ?? 0) + 1
        return [
          `jepsen seed ${options.seed}: ${options.nodes} nodes, ${options.clients} clients on ${options.keys} keys, ${options.durationMs} ms`,
          `  operations: ${history.operations.length} (${indeterminate} indeterminate) ${JSON.stringify(operations)}`,
          `  unknown outcomes: ${JSON.stringify(reasons)}; certain failures: ${JSON.stringify(history.failures)}`,
          `  faults: ${nemesis.log.length} ${JSON.stringify(faultCounts)}`,
          `  ledger: ${ledger.acked.size} acknowledged writes, ${lost.length} missing`,
          `  linearizability: ${linearizability.status}${linearizability.status === 'ok' ? '' : `\n${'message' in linearizability ? linearizability.message : ''}`}`,
          ...(crashes.length > 0 ? [`  crashes: ${crashes.join('; ')}`] : []),
          ...(historyFile !== undefined ? [`  history written to ${historyFile}`] : []),
          `  replay: RAFTKIT_JEPSEN_SEED=${options.seed} (the fault schedule; timing still varies)`,
        ].join('\n')
      },
    }
  } catch (error) {
    console.error(cluster.describe())
    throw error
  } finally {
    await cluster.destroy()
  }
}
