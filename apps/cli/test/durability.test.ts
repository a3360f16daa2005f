/**
 * Long-lived storage and a cluster that guards itself, on real `raftkit node` processes:
 * - old WAL segments go once a snapshot covers them, and a node killed with -9 starts again from
 *   its snapshot plus the log after it, with every acknowledged write;
 * - with a cluster secret, a node that lacks it can neither join nor reach the members (so it
 *   cannot vote or disturb elections), and the fault-injection routes answer 404 without
 *   --debug-faults.
 */
import { readdir } from 'node:fs/promises'
import { afterAll, describe, expect, test } from 'vitest'
import { http, tryHttp } from './support/http.js'
import { AckedWriter, missingWrites, readAll } from './support/kv-client.js'
import { ProcessCluster } from './support/process-cluster.js'
import { sleep, waitFor } from './support/wait.js'

const clusters: ProcessCluster[] = []
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.destroy()))
})

async function metric(url: string, name: string): Promise<number> {
  const text = (await http(url, 'GET', '/metrics')).text
  let total = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(name + ' ') || line.startsWith(name + '{'))
      total += Number(line.split(' ').at(-1))
  }
  return total
}

describe('snapshots and the write-ahead log on disk', () => {
  test('old segments are deleted once a snapshot covers them; a restart starts from the snapshot and the log after it', async () => {
    const cluster = await ProcessCluster.start({
      name: 'compaction',
      logLevel: 'info',
      extraArgs: ['--snapshot-every', '100', '--wal-segment-bytes', String(64 << 10)],
    })
    clusters.push(cluster)
    const writer = new AckedWriter(cluster, 'compaction-writer')
    const value = 'x'.repeat(1200)
    // About 500 KiB of log: eight 64 KiB segments' worth.
    for (let i = 0; i < 400; i++) {
      await writer.put(`compact/${String(i).padStart(4, '0')}`, `${i}:${value}`)
    }
    await cluster.converged()
    const victim = cluster.nodes[2]!
    const files = await readdir(victim.walDir)
    const segments = files.filter((f) => f.endsWith('.wal'))
    const snapshots = files.filter((f) => f.endsWith('.snap'))
    console.log(
      `${victim.id} holds ${segments.length} segments and ${snapshots.length} snapshot files: ${files.join(' ')}`,
    )
    // Segment names start with their sequence number: earlier ones existed and are gone.
    const sequences = segments.map((name) => Number.parseInt(name.slice(0, 16), 16))
    expect(Math.min(...sequences)).toBeGreaterThan(4)
    expect(snapshots.length).toBeGreaterThanOrEqual(1)
    expect(snapshots.length).toBeLessThanOrEqual(2)
    // Only the segments holding the log after the newest snapshot (100 entries, ~130 KiB) remain.
    expect(segments.length).toBeLessThanOrEqual(4)
    expect(await metric(victim.clientUrl, 'raftkit_snapshots_total')).toBeGreaterThanOrEqual(3)

    await cluster.kill(victim.id)
    await cluster.start(victim.id)
    const started = victim.logged('node started').at(-1)!
    const recovered = started.recovered as { snapshotIndex: number; entries: number }
    console.log(
      `${victim.id} restarted from snapshot ${recovered.snapshotIndex} + ${recovered.entries} entries`,
    )
    expect(recovered.snapshotIndex).toBeGreaterThan(250)
    expect(recovered.entries).toBeLessThan(200)
    // The state is complete: the snapshot plus the log after it hold every acknowledged write.
    await cluster.converged()
    const held = await readAll(victim.clientUrl, 'compact/', 'stale')
    expect(missingWrites(writer.acked, held)).toEqual([])
    expect(victim.unexpectedExits).toEqual([])

    // A follower that was down while the others compacted past its log catches up from the
    // leader's snapshot, sent over TCP in chunks (the snapshot is ~500 KiB; chunks are 256 KiB).
    const leader = await cluster.leader()
    const laggard = cluster.nodes.find((n) => n.id !== leader.id)!
    const others = cluster.ids.filter((id) => id !== laggard.id)
    await cluster.kill(laggard.id)
    for (let i = 400; i < 700; i++) {
      await writer.put(`compact/${String(i).padStart(4, '0')}`, `${i}:${value}`, { via: others })
    }
    const installedBefore = await metric(leader.url, 'raftkit_snapshots_total{kind="installed"}')
    await cluster.start(laggard.id)
    await cluster.converged()
    expect(
      await metric(laggard.clientUrl, 'raftkit_snapshots_total{kind="installed"}'),
    ).toBeGreaterThanOrEqual(1)
    expect(installedBefore).toBe(0)
    const caughtUp = await readAll(laggard.clientUrl, 'compact/', 'stale')
    expect(missingWrites(writer.acked, caughtUp)).toEqual([])
    expect(caughtUp.size).toBe(700)
  })
})

describe('a cluster with a secret', () => {
  const secret = 'a-cluster-secret-of-some-length'

  test('a node without the secret cannot join, nor reach the members; one with it joins and catches up', async () => {
    const cluster = await ProcessCluster.start({ name: 'secret', clusterSecret: secret })
    clusters.push(cluster)
    const writer = new AckedWriter(cluster, 'secret-writer')
    await writer.putMany(20, 'secret/')
    const seed = cluster.ids[1]!

    // Without --debug-faults the fault-injection routes do not exist.
    expect(
      (await http(cluster.url(seed), 'POST', '/v1/debug/network', { block: ['n1'] })).status,
    ).toBe(404)
    expect((await http(cluster.url(seed), 'DELETE', '/v1/debug/network')).status).toBe(404)

    // 1. No secret: the join is refused and the node exits with the reason. 2. A wrong secret:
    //    its proof does not verify either.
    for (const [id, clusterSecret] of [
      ['n8', undefined],
      ['n7', 'not-the-secret-at-all'],
    ] as const) {
      await cluster.spawnJoiner(id, seed, { clusterSecret }).catch(() => undefined)
      const refused = cluster.joiners.find((n) => n.id === id)!
      await waitFor(`${id} to give up`, () => refused.state === 'exited')
      expect(refused.lines.join('\n')).toMatch(
        /cannot start: the cluster refused to add this node \(403\)/,
      )
    }
    // And an HTTP request to add a member without a proof is refused too.
    const direct = await http(cluster.url(seed), 'POST', '/v1/cluster/members', {
      id: 'n6',
      peerAddr: '127.0.0.1:1',
      clientUrl: 'http://127.0.0.1:2',
    })
    expect(direct.status).toBe(403)

    // 3. A node that believes it is a founder, without the secret, campaigns against the cluster:
    //    its handshakes fail, so not one of its vote requests is heard.
    const handshakeFailuresBefore = await metric(
      cluster.url(seed),
      'raftkit_peer_handshake_failures_total',
    )
    const rogue = await cluster.spawnRogue('n9', { clusterSecret: undefined })
    await waitFor(
      'the rogue to try its luck',
      async () =>
        (await metric(cluster.url(seed), 'raftkit_peer_handshake_failures_total')) >
        handshakeFailuresBefore + 2,
    )
    await sleep(1_000)
    const rogueView = (await http(rogue.clientUrl, 'GET', '/v1/cluster')).json as {
      leaderId: string | null
    }
    expect(rogueView.leaderId).toBeNull()
    expect(await metric(rogue.clientUrl, 'raftkit_peer_messages_received_total')).toBe(0)
    // (No comparison of terms: on a loaded machine the members may hold an election of their
    // own. What matters is that nothing of the rogue's got through and it never led.)
    const after = await cluster.status(seed)
    expect(['n1', 'n2', 'n3']).toContain(after.leaderId)
    expect(after.members.map((m) => m.id).sort()).toEqual(['n1', 'n2', 'n3'])

    // 4. The control: with the secret, the same join works and the node catches up.
    const friend = await cluster.spawnJoiner('n4', seed, { clusterSecret: secret })
    await waitFor(
      'n4 to be promoted and catch up',
      async () => {
        const view = (await http(friend.clientUrl, 'GET', '/v1/cluster')).json as {
          members: { id: string; voter: boolean }[]
        }
        if (view.members.find((m) => m.id === 'n4')?.voter !== true) return false
        const held = await readAll(friend.clientUrl, 'secret/', 'stale')
        return missingWrites(writer.acked, held).length === 0
      },
      { timeoutMs: 30_000 },
    )
    const ready = await tryHttp(friend.clientUrl, 'GET', '/readyz')
    expect(ready.status).toBe(200)
  })
})
