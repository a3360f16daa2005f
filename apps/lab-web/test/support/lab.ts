import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startLabServer, type LabServer, type LabServerOptions, type State } from '@raftkit/lab'
import { build } from 'vite'

const pageRoot = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Builds the page from its current sources into a temporary directory, so a test never runs
 * against a stale `dist/`.
 */
export async function buildPage(): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'raftlab-page-'))
  await build({
    root: pageRoot,
    configFile: join(pageRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: dir, emptyOutDir: true },
  })
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/** The real Lab server on a free port, serving the page built above. */
export function startLab(staticDir: string, options: Omit<LabServerOptions, 'port' | 'staticDir'> = {}): Promise<LabServer> {
  return startLabServer({ ...options, host: '127.0.0.1', port: 0, staticDir })
}

/** A session's state straight from the server, to check what the page shows. */
export async function sessionState(server: LabServer, id: string): Promise<State> {
  const response = await fetch(`${server.url}/v1/lab/sessions/${encodeURIComponent(id)}`)
  if (!response.ok) throw new Error(`GET session ${id}: ${response.status}`)
  return (await response.json()) as State
}

export async function sessionCommand(server: LabServer, id: string, command: unknown): Promise<State> {
  const response = await fetch(`${server.url}/v1/lab/sessions/${encodeURIComponent(id)}/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(command),
  })
  const body = (await response.json()) as { state: State; error?: { message: string } }
  if (!response.ok) throw new Error(`command ${JSON.stringify(command)}: ${body.error?.message ?? response.status}`)
  return body.state
}
