import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabClient, waitFor } from '../../../../packages/lab/src/testing/lab-client.js'
import { freePort } from '../../test/support/process-cluster.js'

const binary = fileURLToPath(new URL('../../bin/raftkit.js', import.meta.url))

/** Three nodes ports apart by at least three, all free. */
async function freeBase(): Promise<number> {
  for (;;) {
    const port = await freePort()
    if (port > 1000 && port < 60_000) return port - 1
  }
}

describe('raftkit start serves Raft Lab with a live view of its nodes', () => {
  let dir: string
  let child: ReturnType<typeof spawn>
  let output = ''
  let lab: LabClient

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raftkit-lab-live-'))
    const clientBase = await freeBase()
    let peerBase = await freeBase()
    while (Math.abs(peerBase - clientBase) < 4) peerBase = await freeBase()
    child = spawn(
      process.execPath,
      [
        binary,
        'start',
        '--nodes',
        '3',
        '--data-dir',
        dir,
        '--client-port-base',
        String(clientBase),
        '--peer-port-base',
        String(peerBase),
        '--lab-port',
        '0',
        '--debug-faults',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    await waitFor(
      () => /Raft Lab: http:\/\/127\.0\.0\.1:\d+/.test(output),
      60_000,
      `the Lab URL in:\n${output}`,
    )
    lab = new LabClient(/Raft Lab: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!)
  })

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGINT')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  })

  it('shows the real leader, crashes it through the start command, and partitions a node', async () => {
    const leaderOf = async () => {
      const state = (await lab.get('/v1/lab/live')).body
      return state.nodes.find((n: any) => n.up && n.role === 'leader')?.id as string | undefined
    }
    await waitFor(async () => (await leaderOf()) !== undefined, 60_000, 'a leader in the live view')
    const state = (await lab.get('/v1/lab/live')).body
    expect(state.kind).toBe('live')
    expect(state.faults).toBe(true)
    expect(state.nodes.map((n: any) => n.id)).toEqual(['n1', 'n2', 'n3'])
    await waitFor(
      async () => (await lab.get('/v1/lab/live/events?after=0')).body.events.length > 0,
      30_000,
      'live events',
    )
    expect((await lab.get('/v1/lab/live/nodes/n2')).body).toMatchObject({ id: 'n2' })
    expect((await lab.get('/v1/lab/live/nodes/n9')).status).toBe(404)
    const events = (await lab.get('/v1/lab/live/events?after=0')).body.events
    expect(events[0].text.zh).toMatch(/[\u4e00-\u9fff]/)

    const write = await lab.post('/v1/lab/live/commands', {
      type: 'client',
      op: 'put',
      key: 'lab',
      value: 'live',
    })
    expect(write.status).toBe(200)
    const first = (await leaderOf())!
    expect((await lab.post('/v1/lab/live/commands', { type: 'crash', node: first })).status).toBe(
      200,
    )
    await waitFor(
      async () => {
        const leader = await leaderOf()
        return leader !== undefined && leader !== first
      },
      60_000,
      'a new leader after the crash',
    )
    expect((await lab.post('/v1/lab/live/commands', { type: 'restart', node: first })).status).toBe(
      200,
    )
    await waitFor(
      async () => (await lab.get('/v1/lab/live')).body.nodes.every((n: any) => n.up),
      60_000,
      'every node up again',
    )

    const leader = (await leaderOf())!
    expect(
      (await lab.post('/v1/lab/live/commands', { type: 'partition', groups: [[leader]] })).status,
    ).toBe(200)
    await waitFor(
      async () => {
        const now = await leaderOf()
        return now !== undefined && now !== leader
      },
      60_000,
      'the majority to elect a leader without the isolated one',
    )
    expect((await lab.post('/v1/lab/live/commands', { type: 'heal' })).status).toBe(200)
    const bad = await lab.post('/v1/lab/live/commands', { type: 'crash', node: 'n8' })
    expect(bad.status).toBe(400)
    const unsupported = await lab.post('/v1/lab/live/commands', { type: 'seek', time: 0 })
    expect(unsupported.status).toBe(501)
  })

  it('serves simulated sessions next to it', async () => {
    const session = await lab.createSession({ nodes: 3 })
    expect(session.state.kind).toBe('simulated')
  })
})
