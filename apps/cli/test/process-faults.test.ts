/**
 * Durable nodes on a real network: a cluster of three `raftkit node` processes on loopback, each
 * with its own data directory, broken the ways machines break — kill -9 of the leader and of
 * every node at once, a torn WAL tail, garbage on the peer port, SIGSTOP and SIGCONT — and
 * checked for what a client was promised: acknowledged writes survive, the cluster keeps
 * committing, and a node that comes back catches up.
 *
 * The tests share one cluster and run in order; each leaves every node running and healed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { http, kvPath, tryHttp } from './support/http.js'
import { AckedWriter, missingWrites, readAll } from './support/kv-client.js'
import { ProcessCluster } from './support/process-cluster.js'
import { peerAbuses } from './support/raw-peer.js'
import { tearUnsyncedWrite, truncateAcknowledgedTail } from './support/wal.js'
import { sleep, waitFor } from './support/wait.js'

let cluster: ProcessCluster
let writer: AckedWriter

/** Every node's own copy (stale reads: no consensus, just the local state machine) of a prefix. */
async function expectEveryNodeHolds(acked: ReadonlyMap<string, string>, prefix: string) {
  await cluster.converged()
  for (const node of cluster.nodes) {
    const local = await readAll(node.clientUrl, prefix, 'stale')
    expect(missingWrites(acked, local), `${node.id}'s local state`).toEqual([])
  }
  const linearizable = await readAll(cluster.nodes[0]!.clientUrl, prefix, 'linearizable')
  expect(missingWrites(acked, linearizable), 'a linearizable read').toEqual([])
}

function expectNoCrashes() {
  for (const node of cluster.nodes) expect(node.unexpectedExits, `${node.id} exits`).toEqual([])
}

/** A replica that fail-stops keeps its process (and /healthz) up, so look for its last words. */
function expectNoFatalErrors() {
  for (const node of cluster.nodes)
    expect(node.logged('replica stopped'), `${node.id}'s fatal errors`).toEqual([])
}

describe('a cluster of raftkit node processes', () => {
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ debugFaults: true, name: 'faults' })
    writer = new AckedWriter(cluster, 'faults-writer')
  })

  afterAll(async () => {
    await cluster?.destroy()
  })

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') console.error(cluster.describe())
    // Leave the cluster whole for the next test, whatever this one did to it.
    for (const node of cluster.nodes) {
      if (node.state === 'paused') cluster.resume(node.id)
      if (node.state === 'killed' || node.state === 'exited') await cluster.start(node.id)
    }
    await cluster.heal()
    await cluster.converged()
  })

  test('kill -9 of the leader: a new leader takes over, writes continue, the old leader catches up', async () => {
    await writer.putMany(10, 'kill-leader/before-')
    const old = await cluster.leader()
    await cluster.kill(old.id)

    const next = await cluster.leader({ exclude: [old.id] })
    expect(next.id).not.toBe(old.id)
    const others = cluster.ids.filter((id) => id !== old.id)
    await writer.putMany(15, 'kill-leader/during-', { via: others })
    const { commitIndex: committedWhileDown } = await cluster.status(next.id)

    await cluster.start(old.id)
    // Back with the same data directory: it recovers its log, learns the new term and fetches
    // what it missed.
    await waitFor(`${old.id} to apply what was committed while it was down`, async () => {
      const status = await cluster.status(old.id)
      return status.appliedIndex >= committedWhileDown && status.leaderId !== null
    })
    await expectEveryNodeHolds(writer.ackedWith('kill-leader/'), 'kill-leader/')
    // And it takes writes and serves linearizable reads again.
    await writer.put('kill-leader/after', 'back', { via: [old.id] })
    const read = await http(old.url, 'GET', kvPath('kill-leader/after'))
    expect(read.json).toMatchObject({ value: 'back' })
    expectNoCrashes()
    expectNoFatalErrors()
  })

  test('kill -9 of every node at once, mid-traffic: after a restart every acknowledged write is there', async () => {
    const acked = new Map<string, string>()
    let stop = false
    // Four writers on unique keys, one write each at a time, no retries: a write counts only
    // once the cluster acknowledged it.
    const writers = [0, 1, 2, 3].map(async (w) => {
      for (let n = 0; !stop; n++) {
        const key = `kill-all/w${w}-${n}`
        const value = `v${w}.${n}`
        const node = cluster.nodes[(w + n) % cluster.nodes.length]!
        const reply = await tryHttp(
          node.clientUrl,
          'PUT',
          kvPath(key),
          { value },
          { timeoutMs: 3_000 },
        )
        if (reply.status === 200 && !stop) acked.set(key, value)
        if (reply.status !== 200) await sleep(20)
      }
    })
    // One more writer overwrites a single key in sequence: its latest acknowledged value must
    // not roll back (the write in flight at the kill may or may not have landed).
    let lastAcked = 0
    let inFlight = 0
    const sequential = (async () => {
      for (let n = 1; !stop; n++) {
        inFlight = n
        const reply = await tryHttp(
          cluster.nodes[n % 3]!.clientUrl,
          'PUT',
          kvPath('kill-all/counter'),
          { value: String(n) },
          { timeoutMs: 3_000 },
        )
        if (reply.status !== 200) break
        if (!stop) lastAcked = n
      }
    })()

    await waitFor('some acknowledged writes', () => acked.size >= 60 && lastAcked >= 10)
    await cluster.killAll()
    stop = true
    await Promise.all([...writers, sequential])
    const ackedAtKill = new Map(acked)
    console.log(
      `kill -9 of all nodes after ${ackedAtKill.size} acknowledged writes; counter at ${lastAcked} (write ${inFlight} in flight)`,
    )

    await Promise.all(cluster.ids.map((id) => cluster.start(id)))
    await cluster.leader({ timeoutMs: 30_000 })
    await expectEveryNodeHolds(ackedAtKill, 'kill-all/w')
    const counter = await http(cluster.nodes[0]!.clientUrl, 'GET', kvPath('kill-all/counter'))
    expect([String(lastAcked), String(inFlight)]).toContain(counter.json?.value)
    expectNoCrashes()
    expectNoFatalErrors()
  })

  for (const [mode, role] of [
    ['truncate', 'follower'],
    ['garble', 'leader'],
  ] as const) {
    test(`a torn WAL tail (a write ${mode === 'truncate' ? 'cut off mid-record' : 'half garbage'} on the ${role}): the node recovers, rejoins and catches up`, async () => {
      const prefix = `torn-${mode}/`
      await writer.putMany(20, `${prefix}before-`)
      await cluster.converged()
      const leader = await cluster.leader()
      const victim = cluster.nodes.find((n) => (role === 'leader') === (n.id === leader.id))!
      await cluster.kill(victim.id)

      const torn = await tearUnsyncedWrite(victim.walDir, mode)
      console.log(
        `${victim.id} (${role}): ${mode} a write at ${torn.damagedRecord.offset}..${torn.damagedRecord.end} of ` +
          `${torn.file}; the file now ends at ${torn.sizeAfter} (was ${torn.sizeBefore})`,
      )
      const others = cluster.ids.filter((id) => id !== victim.id)
      await writer.putMany(10, `${prefix}while-down-`, { via: others })

      await cluster.start(victim.id)
      await expectEveryNodeHolds(writer.ackedWith(prefix), prefix)
      await writer.put(`${prefix}after`, 'x', { via: [victim.id] })
      expectNoCrashes()
      expectNoFatalErrors()
    })
  }

  test('SIGSTOP of the leader: another leader is elected; after SIGCONT the old one rejoins and catches up', async () => {
    await writer.putMany(5, 'pause-leader/before-')
    const old = await cluster.leader()
    const starts = cluster.node(old.id).starts
    cluster.pause(old.id)

    const next = await cluster.leader({ exclude: [old.id] })
    expect(next.id).not.toBe(old.id)
    const others = cluster.ids.filter((id) => id !== old.id)
    await writer.putMany(15, 'pause-leader/during-', { via: others })

    cluster.resume(old.id)
    const settled = await cluster.converged()
    expect((await cluster.status(old.id)).leaderId).toBe(settled.leader)
    await expectEveryNodeHolds(writer.ackedWith('pause-leader/'), 'pause-leader/')
    expect(cluster.node(old.id).starts, 'the same process, never restarted').toBe(starts)
    expectNoCrashes()
    expectNoFatalErrors()
  })

  test('SIGSTOP of a follower: the cluster keeps committing; after SIGCONT the follower catches up', async () => {
    const leader = await cluster.leader()
    const follower = cluster.ids.find((id) => id !== leader.id)!
    cluster.pause(follower)
    await writer.putMany(15, 'pause-follower/during-', {
      via: cluster.ids.filter((id) => id !== follower),
    })
    cluster.resume(follower)
    await expectEveryNodeHolds(writer.ackedWith('pause-follower/'), 'pause-follower/')
    expectNoCrashes()
    expectNoFatalErrors()
  })

  test('corrupt and hostile frames on the peer ports: the nodes keep serving and the cluster keeps committing', async () => {
    const leader = await cluster.leader()
    const follower = cluster.nodes.find((n) => n.id !== leader.id)!
    const targets = [cluster.node(leader.id), follower]
    const warningsBefore = new Map(
      targets.map((t) => [
        t.id,
        t.logged('bad frame from peer').length + t.logged('handshake failed').length,
      ]),
    )
    const startsBefore = new Map(cluster.nodes.map((n) => [n.id, n.starts]))

    // Writes go on the whole time, through every node.
    let stop = false
    const background = (async () => {
      for (let n = 0; !stop; n++) await writer.put(`frames/${n}`, `f${n}`)
    })()

    const hangUps: string[] = []
    for (const target of targets) {
      const impersonate = cluster.ids.find((id) => id !== target.id)!
      for (const abuse of peerAbuses) {
        const connection = await abuse.run(target.peerPort, target.id, impersonate)
        if (abuse.hangsUp) {
          const closed = await connection.waitForClose(10_000)
          if (!closed) hangUps.push(`${target.id} kept the connection open after: ${abuse.name}`)
        }
        connection.destroy()
      }
    }
    const ackedDuring = writer.ackedWith('frames/').size
    stop = true
    await background
    expect(hangUps).toEqual([])

    // The same processes, still serving, still committing.
    for (const node of cluster.nodes) {
      expect(node.starts, `${node.id} was not restarted`).toBe(startsBefore.get(node.id))
      expect((await http(node.clientUrl, 'GET', '/healthz')).status).toBe(200)
    }
    await writer.putMany(5, 'frames/after-')
    await expectEveryNodeHolds(writer.ackedWith('frames/'), 'frames/')
    // The garbage reached the nodes' decoders (each one warned about it), so this test bites.
    for (const target of targets) {
      const warnings =
        target.logged('bad frame from peer').length + target.logged('handshake failed').length
      expect(warnings - warningsBefore.get(target.id)!).toBeGreaterThanOrEqual(
        peerAbuses.filter((a) => a.hangsUp).length,
      )
    }
    console.log(
      `${ackedDuring} writes acknowledged while ${peerAbuses.length * targets.length} bad connections came in`,
    )
    expectNoCrashes()
    expectNoFatalErrors()
  })
})

describe('a follower that restarts without entries it had acknowledged', () => {
  // Not a crash the storage model allows (a synced write does not tear), but what truncating the
  // newest WAL segment of a stopped node in the middle of its last entry batch does: the leader
  // still counts those entries as stored there (its matchIndex for the node).
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ name: 'acked-tail' })
    writer = new AckedWriter(cluster, 'acked-tail-writer')
  })
  afterAll(async () => {
    await cluster?.destroy()
  })
  afterEach((context) => {
    if (context.task.result?.state === 'fail') console.error(cluster.describe())
  })

  test('is brought up to date by the leader instead of fail-stopping', async () => {
    await writer.putMany(20, 'acked-tail/before-')
    await cluster.converged()
    const leader = await cluster.leader()
    const victim = cluster.nodes.find((n) => n.id !== leader.id)!
    await cluster.kill(victim.id)
    const torn = await truncateAcknowledgedTail(victim.walDir)
    console.log(
      `${victim.id}: truncated ${torn.file} at byte ${torn.cutAt} of ${torn.sizeBefore}, inside the entry batch at ` +
        `${torn.damagedRecord.offset}..${torn.damagedRecord.end} (${torn.recordsLost} later records lost with it)`,
    )
    await writer.putMany(5, 'acked-tail/while-down-', { via: [leader.id] })
    const { commitIndex } = await cluster.status(leader.id)

    await cluster.start(victim.id)
    const outcome = await waitFor(`${victim.id} to catch up or fail`, async () => {
      const fatal = victim.logged('replica stopped')[0]
      if (fatal !== undefined) {
        const health = await tryHttp(victim.clientUrl, 'GET', '/healthz')
        const ready = await tryHttp(victim.clientUrl, 'GET', '/readyz')
        console.log(
          `${victim.id} fail-stopped (${String(fatal.err)}); its process is ${victim.state}, ` +
            `/healthz answers ${health.status}, /readyz ${ready.status}`,
        )
        return { fatal: String(fatal.err) }
      }
      const status = await cluster.status(victim.id)
      return status.appliedIndex >= commitIndex ? { caughtUp: true } : undefined
    })
    expect(outcome).toEqual({ caughtUp: true })
    await expectEveryNodeHolds(writer.ackedWith('acked-tail/'), 'acked-tail/')
  })
})
