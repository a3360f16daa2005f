import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, describe, expect, test } from 'vitest'
import { nodeConfigSchema } from './config.js'
import { startNode, type RunningNode } from './node.js'
import { freePort, startLocalCluster, type LocalCluster } from './testing/local-cluster.js'

let cluster: LocalCluster | undefined
let joiner: RunningNode | undefined
let joinerDir: string | undefined
afterAll(async () => {
  await joiner?.stop()
  await cluster?.stop()
  if (joinerDir !== undefined) await rm(joinerDir, { recursive: true, force: true })
})

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const json = { 'content-type': 'application/json' }

describe('membership over HTTP', () => {
  test('a new node joins as a learner, catches up, is promoted; a member is removed; leadership moves', async () => {
    cluster = await startLocalCluster(3)
    const seed = cluster.urls.get('n2')!
    await until(
      async () => ((await fetch(`${seed}/readyz`)).ok ? true : undefined),
      'the seed to know a leader',
    )
    for (let i = 0; i < 20; i++) {
      const put = await fetch(`${seed}/v1/kv/k${i}`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ value: `v${i}` }),
      })
      expect(put.status).toBe(200)
    }
    joinerDir = await mkdtemp(join(tmpdir(), 'raftkit-join-'))
    const clientUrl = `http://127.0.0.1:${await freePort()}`
    joiner = await startNode(
      nodeConfigSchema.parse({
        id: 'n4',
        dataDir: joinerDir,
        listenClient: clientUrl,
        listenPeer: `127.0.0.1:${await freePort()}`,
        join: seed,
        tickMs: 10,
        requestTimeoutMs: 3000,
        logLevel: 'silent',
      }),
      { logger: pino({ level: 'silent' }) },
    )
    // The learner receives the log, then the leader promotes it once it has caught up.
    await until(
      () => (joiner!.replica.status().config.voters.includes('n4') ? true : undefined),
      'promotion of n4',
    )
    const k19 = await until(async () => {
      const response = await fetch(`${clientUrl}/v1/kv/k19?consistency=stale`)
      return response.ok ? ((await response.json()) as { value: string }).value : undefined
    }, 'n4 to apply the log')
    expect(k19).toBe('v19')
    const view = (await (await fetch(`${seed}/v1/cluster`)).json()) as {
      members: { id: string; voter: boolean; clientUrl: string }[]
    }
    expect(view.members.find((m) => m.id === 'n4')).toMatchObject({ voter: true, clientUrl })

    // Remove n3 (any node forwards the request to the leader).
    // (409 while the promotion of n4 is not yet committed: one configuration change at a time.)
    const removed = await until(async () => {
      const response = await fetch(`${clientUrl}/v1/cluster/members/n3`, { method: 'DELETE' })
      return response.status === 409 || response.status === 503 ? undefined : response
    }, 'the removal of n3')
    expect(removed.status).toBe(200)
    await until(
      () => (cluster!.nodes[0]!.replica.status().config.voters.includes('n3') ? undefined : true),
      'n3 removed',
    )
    expect((await fetch(`${seed}/v1/cluster/members/nobody`, { method: 'DELETE' })).status).toBe(
      404,
    )

    // Transfer leadership to n4 (unless removing n3, the leader, already made n4 win an election).
    const transfer = await until(async () => {
      if (joiner!.replica.status().role === 'leader') return { transferredTo: 'n4' }
      const response = await fetch(`${seed}/v1/cluster/leader/transfer`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ to: 'n4' }),
      })
      return response.ok ? ((await response.json()) as { transferredTo: string }) : undefined
    }, 'a transfer the leader accepts')
    expect(transfer).toEqual({ transferredTo: 'n4' })
    await until(() => (joiner!.replica.status().role === 'leader' ? true : undefined), 'n4 to lead')
    // Writes go on under the new leader (right after a change a follower may still answer 503
    // while it learns who leads; a client retries).
    const after = await until(async () => {
      const response = await fetch(`${seed}/v1/kv/after-transfer`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ value: 'ok' }),
      })
      return response.status === 503 ? undefined : response
    }, 'a write under the new leader')
    expect(after.status).toBe(200)
  })
})
