import { parseInteger } from '../sim/sim-flags.js'
import { UsageError } from '../usage-error.js'
import type { ClusterCommandSettings } from './cluster-command.js'

export interface RawClusterFlags {
  readonly nodes?: string | undefined
  readonly dataDir?: string | undefined
  readonly host?: string | undefined
  readonly clientPortBase?: string | undefined
  readonly peerPortBase?: string | undefined
  readonly debugFaults?: boolean | undefined
  readonly verbose?: boolean | undefined
}

/** Validates `raftkit start`'s flags, naming each wrong one. */
export function parseClusterFlags(flags: RawClusterFlags): ClusterCommandSettings {
  const nodes = parseInteger(flags.nodes ?? '3', '--nodes', 1, 9)
  const clientPortBase = parseInteger(
    flags.clientPortBase ?? '7000',
    '--client-port-base',
    1,
    65535 - nodes,
  )
  const peerPortBase = parseInteger(
    flags.peerPortBase ?? '7100',
    '--peer-port-base',
    1,
    65535 - nodes,
  )
  if (Math.abs(clientPortBase - peerPortBase) < nodes) {
    throw new UsageError('--client-port-base and --peer-port-base ranges overlap')
  }
  const host = flags.host ?? '127.0.0.1'
  if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(host)) {
    throw new UsageError(`--host must be a loopback address for a local cluster, got '${host}'`)
  }
  const dataDir = flags.dataDir ?? './data'
  if (dataDir.trim() === '') throw new UsageError('--data-dir must not be empty')
  return {
    nodes,
    dataDir,
    host,
    clientPortBase,
    peerPortBase,
    debugFaults: flags.debugFaults === true,
    verbose: flags.verbose === true,
  }
}
