import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Command, CommanderError } from 'commander'
import { processIo, type Io } from './io.js'
import { simLimits } from './sim/limits.js'
import type { RawNodeFlags } from './node/node-command.js'
import { parseSimFlags, type RawSimFlags } from './sim/sim-flags.js'
import { parseClusterFlags, type RawClusterFlags } from './cluster/cluster-flags.js'
import { parseDemoFlags, type RawDemoFlags } from './demo/demo-flags.js'
import { parseLabFlags, type RawLabFlags } from './lab/lab-command.js'
import { exitCodes, UsageError } from './usage-error.js'

export interface MainContext {
  readonly io?: Io
  /** The default worker count of `raftkit sim`. */
  readonly availableCores?: number
}

const simExamples = `
Without --faults the run is fault-free; --faults all turns on every fault kind.

Examples:
  raftkit sim --nodes 5 --seed 17 --faults crash,partition
  raftkit sim --nodes 5 --seeds 1..500 --faults all --json > results.jsonl
  raftkit sim --nodes 3 --seeds 1..200 --faults crash,restart,partition --unsafe forget-vote
  raftkit sim --nodes 5 --seeds 1..200 --faults all --unsafe two-voter-changes

Unsafe rules: commit-old-term, forget-vote, stale-read, two-voter-changes,
config-before-term-commit, no-sessions.

Exit status: 0 when every seed passed every check, 1 when any seed found a violation
(its replay command is printed), 2 for a usage error.`

const startNotes = `
Node i (from 1) serves the HTTP API on 127.0.0.1:7000+i and talks to peers on 127.0.0.1:7100+i.
Each node is a separate process with its own write-ahead log under --data-dir/nI; Ctrl-C stops
them cleanly, and running the command again recovers the same data. Raft Lab is served beside
them at http://127.0.0.1:8080 (--lab-port, --no-lab); its live view watches these nodes, and with
--debug-faults its fault buttons act on them.`

const demoNotes = `
Runs the deterministic simulator in real time and tells what happens: elections and votes,
commits, client writes, and a crash or partition every ten seconds or so.`

/**
 * The `raftkit` command line. Each command's implementation is imported only when that command
 * runs: `raftkit node` pulls in the HTTP server, which `raftkit sim` has no use for.
 *
 * Returns the exit status instead of calling `process.exit`, so
 * output is flushed and worker threads are shut down before the process ends.
 */
export async function main(argv: readonly string[], context: MainContext = {}): Promise<number> {
  const io = context.io ?? processIo
  let status: number = exitCodes.ok
  const program = new Command('raftkit')
    .description(
      'Raft consensus in TypeScript: a deterministic simulator, a local cluster, Raft Lab',
    )
    .version(readVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)')

  program
    .command('sim')
    .description('run the deterministic simulator on one seed or a sweep of seeds')
    .option('--nodes <n>', `cluster size, ${simLimits.nodesMin}..${simLimits.nodesMax}`, '3')
    .option('--seed <s>', 'run one seed (a whole number, decimal or 0x hex)')
    .option('--seeds <list>', 'run a sweep: A..B inclusive, or a comma list like 1..50,77')
    .option('--steps <k>', 'simulator events per seed', String(simLimits.stepsDefault))
    .option('--faults <list>', `faults to inject: a comma list, 'all' or 'none'`, 'none')
    .option('--unsafe <rule>', 'switch one safety rule off, to watch the checks catch it')
    .option('--clients <c>', 'concurrent clients of the key-value workload')
    .option('--json', 'print one JSON object a line per seed, then a summary object')
    .option('--workers <w>', 'worker threads (default: one per core); 1 runs in this thread')
    .addHelpText('after', simExamples)
    .action(async (flags: RawSimFlags) => {
      const cores = context.availableCores ?? availableParallelism()
      const settings = parseSimFlags(flags, cores)
      const { runSimCommand } = await import('./sim/sim-command.js')
      status = await withInterrupt((signal) => runSimCommand(settings, { io, signal }))
    })

  program
    .command('start')
    .description('run a local cluster of real node processes (durable state under --data-dir)')
    .option('--nodes <n>', 'number of nodes, 1..9', '3')
    .option('--data-dir <dir>', 'where the nodes keep their state', './data')
    .option('--host <host>', 'loopback address to listen on', '127.0.0.1')
    .option('--client-port-base <port>', 'node i serves clients on this port + i', '7000')
    .option('--peer-port-base <port>', 'node i talks to peers on this port + i', '7100')
    .option('--debug-faults', 'enable the fault-injection routes on every node')
    .option('--verbose', "show every node's JSON log lines")
    .option('--lab-port <port>', 'serve Raft Lab on this port (0: any free one)', '8080')
    .option('--no-lab', 'do not serve Raft Lab')
    .addHelpText('after', startNotes)
    .action(async (flags: RawClusterFlags & { labPort?: string; lab?: boolean }) => {
      const settings = parseClusterFlags(flags)
      const lab = flags.lab === false ? undefined : parseLabFlags({ port: flags.labPort, host: settings.host })
      const { runClusterCommand } = await import('./cluster/cluster-command.js')
      const companions = lab === undefined ? [] : [(await import('./lab/start-lab.js')).labCompanion(lab, settings.debugFaults)]
      status = await withInterrupt((signal) => runClusterCommand(settings, { io, signal, companions }))
    })

  program
    .command('lab')
    .description('serve Raft Lab alone: simulated clusters to watch and break, in the browser')
    .option('--port <port>', 'port to serve on (0: any free one)', '8080')
    .option('--host <host>', 'loopback address to listen on', '127.0.0.1')
    .action(async (flags: RawLabFlags) => {
      const settings = parseLabFlags(flags)
      const { runLabCommand } = await import('./lab/lab-command.js')
      status = await withInterrupt((signal) => runLabCommand(settings, { io, signal }))
    })

  program
    .command('demo')
    .description('narrate a simulated cluster in the terminal, paced in real time, with faults')
    .option('--nodes <n>', 'number of nodes', '3')
    .option('--speed <x>', 'virtual milliseconds per real millisecond', '1')
    .option('--seed <s>', 'seed of the simulated run (default: a fresh one each time)')
    .addHelpText('after', demoNotes)
    .action(async (flags: RawDemoFlags) => {
      const settings = parseDemoFlags(flags, Date.now() % 1_000_000)
      const { runDemoCommand } = await import('./demo/demo-command.js')
      status = await withInterrupt((signal) => runDemoCommand(settings, { io, signal }))
    })

  program
    .command('node')
    .description('run one node of a cluster (state in --data-dir survives restarts)')
    .option('--id <id>', "this member's id, e.g. n1")
    .option('--data-dir <dir>', 'where the write-ahead log and snapshots live')
    .option('--listen-client <url>', 'HTTP API address, e.g. http://127.0.0.1:7001')
    .option('--listen-peer <host:port>', 'peer (Raft) address, e.g. 127.0.0.1:7101')
    .option(
      '--advertise-client <url>',
      'client URL other members hand out (default: --listen-client)',
    )
    .option('--initial-cluster <list>', 'founding members: ID=HOST:PORT,ID=HOST:PORT,...')
    .option('--initial-client-urls <list>', 'client URLs of the founding members: ID=URL,...')
    .option('--join <url>', "join a running cluster through any member's client URL")
    .option('--config <file>', 'YAML configuration file (flags and RAFTKIT_* variables win)')
    .option('--debug-faults', 'enable the /v1/debug/network fault-injection routes')
    .option('--insecure', 'allow listening beyond loopback without a secret and API keys')
    .option(
      '--cluster-secret <secret>',
      'shared secret that peers prove to each other (prefer RAFTKIT_CLUSTER_SECRET: a command line is visible to every user)',
    )
    .option('--api-key <key...>', 'API keys accepted for writes and administration')
    .option('--tick-ms <ms>', 'milliseconds per Raft tick (default 50)')
    .option('--election-ticks <n>', 'election timeout in ticks (default 10)')
    .option('--snapshot-every <n>', 'snapshot after this many applied entries (default 10000)')
    .option(
      '--wal-segment-bytes <n>',
      'start a new WAL segment file past this size (default 64 MiB)',
    )
    .option('--heartbeat-ticks <n>', 'leader heartbeat interval in ticks (default 1)')
    .option(
      '--request-timeout-ms <ms>',
      'how long a client request may wait for the log (default 5000)',
    )
    .option('--codec <name>', 'peer message codec: msgpack or json')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent')
    .option('--store <kind>', 'where the state machine lives: sqlite (default) or mysql')
    .option('--sqlite-path <file>', 'the SQLite file (default: --data-dir/state.sqlite)')
    .option('--mysql-url <url>', 'mysql://user[:password]@host:port/database, a database per node')
    .option('--cache-capacity <n>', 'entries of the in-process LRU read cache (default 10000)')
    .option('--cache-eviction-ratio <r>', 'share of the cache evicted at once when full (default 0.1)')
    .option('--redis-url <url>', 'a Redis read cache for consistency=stale reads, e.g. redis://127.0.0.1:6379')
    .option('--redis-resync-ms <ms>', 'full re-sync of the Redis cache every this many ms (default 60000)')
    .option('--api-key-secret <secret>', 'secret that signs API keys (raftkit apikey issue)')
    .option('--cors-origin <origin...>', 'origins allowed to call the API from a browser (* for any)')
    .action(async (flags: RawNodeFlags) => {
      const { runNodeCommand } = await import('./node/node-command.js')
      status = await withInterrupt((signal) => runNodeCommand(flags, { io, signal }))
    })

  // Client commands run on a live cluster through the SDK; each sets the exit status.
  let pending: Promise<number> | undefined
  const run = (work: Promise<number>): void => {
    pending = work
  }
  const client = await import('./client/client-commands.js')
  client.registerKvCommands(program, io, run)
  client.registerVersionCommands(program, io, run)
  client.registerClusterAdminCommands(program, io, run)
  client.registerApiKeyCommands(program, io, run)

  try {
    await program.parseAsync([...argv], { from: 'user' })
    if (pending !== undefined) status = await pending
    return status
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; everything else commander rejects is a usage error.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage
    }
    if (error instanceof UsageError) {
      const command = argv[0] === undefined || argv[0].startsWith('-') ? '' : ` ${argv[0]}`
      io.stderr.write(`error: ${error.message}\n(run 'raftkit${command} --help' for usage)\n`)
      return exitCodes.usage
    }
    throw error
  }
}

/**
 * Runs a command with an AbortSignal that the first Ctrl-C fires, so the command can stop
 * cleanly (finish the seeds in flight, print what it has). A second Ctrl-C kills the process as
 * usual, since the handler is gone by then.
 */
async function withInterrupt(run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController()
  const onInterrupt = (): void => controller.abort()
  process.once('SIGINT', onInterrupt)
  try {
    return await run(controller.signal)
  } finally {
    process.removeListener('SIGINT', onInterrupt)
  }
}

function readVersion(): string {
  const packageJson = readFileSync(new URL('../package.json', import.meta.url), 'utf8')
  return (JSON.parse(packageJson) as { version: string }).version
}
