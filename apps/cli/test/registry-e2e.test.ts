// End to end: three real `raftkit node` processes and the SDK. A fourth node joins (a learner
// promoted once caught up), leadership is transferred, the leader is killed, the dead member is
// removed, and a watch on a platform sees every change once, in order, across all of it.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { RaftkitClient, type Change } from '@raftkit/client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { freePort, ProcessCluster, raftkitBin } from './support/process-cluster.js'
import { waitFor } from './support/wait.js'

let cluster: ProcessCluster
const extra: ChildProcess[] = []

beforeAll(async () => {
  cluster = await ProcessCluster.start({ size: 3, name: 'registry-e2e', requestTimeoutMs: 3000 })
})
afterAll(async () => {
  for (const child of extra) child.kill('SIGKILL')
  await cluster?.destroy()
})

/** Starts a node that joins the running cluster through `seedUrl`. */
async function spawnJoiner(
  id: string,
  seedUrl: string,
): Promise<{ url: string; peerAddr: string; lines: string[] }> {
  const url = `http://127.0.0.1:${await freePort()}`
  const peerAddr = `127.0.0.1:${await freePort()}`
  const env: NodeJS.ProcessEnv = { ...process.env, RAFTKIT_REQUEST_TIMEOUT_MS: '3000' }
  for (const name of Object.keys(env))
    if (name.startsWith('RAFTKIT_') && name !== 'RAFTKIT_REQUEST_TIMEOUT_MS') delete env[name]
  const child = spawn(
    process.execPath,
    [
      raftkitBin,
      'node',
      '--id',
      id,
      '--data-dir',
      join(cluster.root, id),
      '--listen-client',
      url,
      '--listen-peer',
      peerAddr,
      '--join',
      seedUrl,
      '--tick-ms',
      '10',
      '--election-ticks',
      '10',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  )
  extra.push(child)
  const lines: string[] = []
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n')))
  child.stderr!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n')))
  return { url, peerAddr, lines }
}

describe('the version registry on three processes, with the SDK', () => {
  test('join, transfer, leader crash, remove, and a watch that sees every change in order', async () => {
    const client = new RaftkitClient({
      endpoints: [cluster.url('n1')],
      deadlineMs: 30_000,
      requestTimeoutMs: 3000,
    })
    const status = await client.cluster.status()
    expect(status.members.map((m) => m.id).sort()).toEqual(['n1', 'n2', 'n3'])
    // The client discovered every member from one seed URL.
    expect([...client.endpoints].sort()).toEqual(cluster.ids.map((id) => cluster.url(id)).sort())

    // The member that will lead and then die; the watch is connected to it, so it has to fail
    // over to another node and resume there.
    const leaderBefore = await cluster.leader()
    const target = cluster.ids.find((id) => id !== leaderBefore.id)!
    const watcher = new RaftkitClient({ endpoints: [cluster.url(target)] })
    const seen: Change[] = []
    const disconnects: string[] = []
    const watch = watcher.watch(
      { platform: 'ios' },
      { afterRevision: 0, onChange: (c) => seen.push(c), onDisconnect: (r) => disconnects.push(r) },
    )
    await watch.ready

    const added: string[] = []
    const addIos = async (versionNo: string): Promise<void> => {
      const version = await client.versions.add({ platform: 'ios', versionNo })
      added.push(version.id)
    }
    for (let i = 0; i < 5; i++) await addIos(`1.${i}.0`)
    await client.versions.add({ platform: 'android', versionNo: '1.0.0' })

    // A fourth node joins through a follower's URL; it is promoted once it has caught up.
    const n4 = await spawnJoiner('n4', cluster.url(target))
    await waitFor(
      'n4 to become a voter',
      async () => {
        const view = await client.cluster.status()
        return view.members.some((m) => m.id === 'n4' && m.voter)
      },
      { timeoutMs: 60_000 },
    )
    const n4Client = new RaftkitClient({ endpoints: [n4.url] })
    await waitFor(
      'n4 to serve the registry',
      async () =>
        (await n4Client.versions.latest('ios', { consistency: 'stale' }))?.versionNo === '1.4.0',
      { timeoutMs: 30_000 },
    )

    // Leadership moves to a chosen member.
    // (Under load an election may have made it the leader already; then there is nothing to do.)
    if ((await client.cluster.leader()).id !== target) {
      expect((await client.cluster.transfer(target)).transferredTo).toBe(target)
    }
    await waitFor(
      'the transfer to take effect',
      async () => (await client.cluster.leader()).id === target,
    )
    for (let i = 5; i < 8; i++) await addIos(`1.${i}.0`)

    // The leader dies; writes go on through the SDK, which finds the new leader.
    await cluster.kill(target)
    for (let i = 8; i < 12; i++) await addIos(`1.${i}.0`)
    const leaderAfter = (await client.cluster.leader()).id
    expect(leaderAfter).not.toBe(target)

    // The dead member is removed.
    await client.cluster.remove(target)
    await waitFor('the member list without the dead node', async () => {
      const view = await client.cluster.status()
      return !view.members.some((m) => m.id === target)
    })
    await addIos('2.0.0')

    await waitFor('the watch to catch up', () => seen.length >= added.length, { timeoutMs: 30_000 })
    watch.close()
    watcher.close()
    expect(disconnects.length).toBeGreaterThan(0)
    const revisions = seen.map((c) => c.revision)
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions)
    expect(new Set(revisions).size).toBe(revisions.length)
    expect(seen.map((c) => (c.kind === 'version' ? c.version.id : ''))).toEqual(added)
    expect(
      seen.every((c) => c.kind === 'version' && c.type === 'add' && c.version.platform === 'ios'),
    ).toBe(true)

    // Every live replica holds the same registry.
    expect((await client.versions.latest('ios'))?.versionNo).toBe('2.0.0')
    const all: string[] = []
    for await (const v of client.allVersions({ platform: 'ios', pageSize: 4 })) all.push(v.id)
    expect(all.sort()).toEqual([...added].sort())
    for (const url of [...cluster.running.map((n) => n.clientUrl), n4.url]) {
      const replica = new RaftkitClient({ endpoints: [url] })
      await waitFor(
        `${url} to hold every version`,
        async () =>
          (await replica.versions.list({ platform: 'ios', limit: 1000, consistency: 'stale' }))
            .items.length === added.length,
      )
      replica.close()
    }
    n4Client.close()
    client.close()
  })
})
