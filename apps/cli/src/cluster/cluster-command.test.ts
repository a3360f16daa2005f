import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'

const binary = fileURLToPath(new URL('../../bin/raftkit.js', import.meta.url))
let clientBase = 0
let peerBase = 0
let dataDir: string | undefined

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A base port B such that B+1..B+count are all free (raftkit start takes port bases). */
async function freePortBase(count: number, avoid: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000)
    const ports = Array.from({ length: count }, (_, i) => base + 1 + i)
    if (ports.some((p) => avoid.includes(p))) continue
    const free = await Promise.all(ports.map(portIsFree))
    if (free.every(Boolean)) return base
  }
  throw new Error('no free port range found')
}

afterAll(async () => {
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
})

function startCluster(dir: string): { stop(): Promise<number | null>; output(): string } {
  const child = spawn(
    process.execPath,
    [
      binary,
      'start',
      '--data-dir',
      dir,
      '--client-port-base',
      String(clientBase),
      '--peer-port-base',
      String(peerBase),
      '--lab-port',
      '0',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  return {
    async stop() {
      child.kill('SIGINT')
      return exited
    },
    output: () => output,
  }
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const url = (i: number): string => `http://127.0.0.1:${clientBase + i}`

describe('raftkit start', () => {
  test('runs three node processes that elect a leader and serve writes; a rerun recovers the data', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'raftkit-start-'))
    clientBase = await freePortBase(3)
    peerBase = await freePortBase(3, [clientBase + 1, clientBase + 2, clientBase + 3])
    const first = startCluster(dataDir)
    await until(
      async () => ((await fetch(url(1) + '/v1/cluster/leader')).ok ? true : undefined),
      20_000,
    )
    const put = await fetch(url(2) + '/v1/kv/greeting', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"value":"hello"}',
    })
    expect(put.status).toBe(200)
    expect(await first.stop()).toBe(0)
    expect(first.output()).toContain(`n1  ${url(1)}`)
    expect(first.output()).toContain('stopped.')

    const second = startCluster(dataDir)
    const value = await until(async () => {
      const response = await fetch(url(3) + '/v1/kv/greeting')
      return response.ok ? ((await response.json()) as { value: string }).value : undefined
    }, 20_000)
    expect(value).toBe('hello')
    expect(await second.stop()).toBe(0)
  })
})
