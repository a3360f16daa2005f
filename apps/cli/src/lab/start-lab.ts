import { startLabServer, type LabServer, type LiveClusterControl } from '@raftkit/lab'
import type { Io } from '../io.js'
import type { ClusterCompanion } from '../cluster/cluster-command.js'
import type { LabSettings } from './lab-command.js'

/** Starts the Lab server, or says plainly why it could not (a port in use, say). */
export async function startLab(
  settings: LabSettings,
  io: Io,
  live: LiveClusterControl | undefined,
): Promise<LabServer | undefined> {
  try {
    return await startLabServer({
      host: settings.host,
      port: settings.port,
      ...(live === undefined ? {} : { live }),
    })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'EADDRINUSE'
        ? `port ${settings.port} is in use (pick another with --lab-port/--port)`
        : (error as Error).message
    io.stderr.write(`raftkit: Raft Lab could not start: ${reason}\n`)
    return undefined
  }
}

/** Raft Lab beside `raftkit start`'s nodes: simulated sessions, and the live view of these nodes. */
export function labCompanion(settings: LabSettings, debugFaults: boolean): ClusterCompanion {
  return {
    name: 'Raft Lab',
    async start(cluster, io) {
      const live: LiveClusterControl = {
        members: () => cluster.members.map((m) => ({ id: m.id, clientUrl: m.clientUrl })),
        faults: debugFaults,
        crash: (id) => cluster.signal(id, 'SIGKILL'),
        restart: (id) => cluster.restart(id),
      }
      const lab = await startLab(settings, io, live)
      if (lab === undefined) return { stop: async () => {} }
      const faults = debugFaults
        ? 'its live view can crash, restart and partition these nodes'
        : 'start with --debug-faults to let its live view partition these nodes'
      return { describe: `Raft Lab: ${lab.url}   (${faults})`, stop: () => lab.close() }
    },
  }
}
