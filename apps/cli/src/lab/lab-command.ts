import type { Io } from '../io.js'
import { UsageError } from '../usage-error.js'

export interface RawLabFlags {
  readonly port?: string | undefined
  readonly host?: string | undefined
}

export interface LabSettings {
  readonly port: number
  readonly host: string
}

/** Validates `raftkit lab` flags (and `raftkit start --lab-port`). */
export function parseLabFlags(flags: RawLabFlags): LabSettings {
  const text = flags.port ?? '8080'
  const port = Number(text)
  if (!/^\d+$/.test(text) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number from 0 to 65535, got '${text}'`)
  const host = flags.host ?? '127.0.0.1'
  if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(host))
    throw new UsageError(
      `the Lab listens on loopback only; --host must be 127.x.x.x, localhost or ::1, got '${host}'`,
    )
  return { port, host }
}

/** `raftkit lab`: only Raft Lab (simulated sessions), until Ctrl-C. */
export async function runLabCommand(
  settings: LabSettings,
  context: { io: Io; signal: AbortSignal },
): Promise<number> {
  const { startLab } = await import('./start-lab.js')
  const lab = await startLab(settings, context.io, undefined)
  if (lab === undefined) return 1
  context.io.stdout.write(`Raft Lab: ${lab.url}  (Ctrl-C stops it)\n`)
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve()
    context.signal.addEventListener('abort', () => resolve(), { once: true })
    process.once('SIGTERM', () => resolve())
  })
  await lab.close()
  return 0
}
