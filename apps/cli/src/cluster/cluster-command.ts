import type { Io } from '../io.js'
import { LocalClusterProcesses } from './local-cluster.js'

/**
 * Something `raftkit start` runs next to the nodes (Raft Lab's server, for one): started once the
 * node processes are, stopped before them. `describe` is printed with the nodes' URLs.
 */
export interface ClusterCompanion {
  readonly name: string
  start(
    cluster: LocalClusterProcesses,
    io: Io,
  ): Promise<{ describe?: string; stop(): Promise<void> }>
}

export interface ClusterCommandSettings {
  readonly nodes: number
  readonly dataDir: string
  readonly host: string
  readonly clientPortBase: number
  readonly peerPortBase: number
  readonly debugFaults: boolean
  /** Show every node's JSON log line instead of a readable summary. */
  readonly verbose: boolean
}

/** The node log messages worth a line in the terminal, and how to say them. */
function summarize(id: string, line: string, verbose: boolean): string | undefined {
  if (verbose) return `[${id}] ${line}`
  let record: {
    level?: number
    msg?: string
    term?: number
    leader?: string
    to?: string
    [key: string]: unknown
  }
  try {
    record = JSON.parse(line) as typeof record
  } catch {
    return `[${id}] ${line}`
  }
  const level = record.level ?? 30
  if (record.msg === 'leader changed')
    return `[${id}] leader is now ${record.leader} (term ${record.term})`
  if (record.msg === 'became leader') return `[${id}] became leader of term ${record.term}`
  if (record.msg === 'node started')
    return `[${id}] started: clients ${String(record.clientUrl)}, peers ${String(record.peer)}`
  if (record.msg === 'configuration changed')
    return `[${id}] configuration: voters ${JSON.stringify(record.voters)}`
  if (level >= 40) return `[${id}] ${level >= 50 ? 'ERROR' : 'warn'}: ${record.msg ?? line}`
  return undefined
}

/**
 * `raftkit start`: a cluster of real node processes on this machine, with their state under
 * `dataDir` (running it again recovers the same data). Ctrl-C stops them cleanly.
 */
export async function runClusterCommand(
  settings: ClusterCommandSettings,
  context: { io: Io; signal: AbortSignal; companions?: readonly ClusterCompanion[] },
): Promise<number> {
  const { io } = context
  const cluster = new LocalClusterProcesses(
    {
      nodes: settings.nodes,
      dataDir: settings.dataDir,
      host: settings.host,
      clientPortBase: settings.clientPortBase,
      peerPortBase: settings.peerPortBase,
      debugFaults: settings.debugFaults,
      logLevel: 'info',
      formatLine: (id, line) => summarize(id, line, settings.verbose),
    },
    io,
  )
  io.stdout.write(
    `raftkit: starting ${settings.nodes} nodes on ${settings.host}, state under ${settings.dataDir}\n`,
  )
  for (const member of cluster.members) {
    io.stdout.write(`  ${member.id}  ${member.clientUrl}   (peers ${member.peerAddr})\n`)
  }
  const first = cluster.members[0]!
  io.stdout.write(
    `\nTry:\n  curl -X PUT ${first.clientUrl}/v1/kv/hello -H 'content-type: application/json' -d '{"value":"world"}'\n` +
      `  curl ${cluster.members[cluster.members.length - 1]!.clientUrl}/v1/kv/hello\n` +
      `  curl ${first.clientUrl}/v1/cluster\n` +
      `Ctrl-C stops the cluster; running this again recovers its data.\n\n`,
  )
  await cluster.start()
  const started: { name: string; stop(): Promise<void> }[] = []
  for (const companion of context.companions ?? []) {
    const running = await companion.start(cluster, io)
    started.push({ name: companion.name, stop: running.stop })
    if (running.describe !== undefined) io.stdout.write(`${running.describe}\n`)
  }
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve()
    context.signal.addEventListener('abort', () => resolve(), { once: true })
    process.once('SIGTERM', () => resolve())
  })
  io.stdout.write('\nraftkit: stopping the cluster...\n')
  for (const companion of started.reverse()) {
    await companion
      .stop()
      .catch((error: Error) =>
        io.stderr.write(`raftkit: ${companion.name} did not stop cleanly: ${error.message}\n`),
      )
  }
  await cluster.stop()
  io.stdout.write('raftkit: stopped.\n')
  return 0
}
