import { afterEach, describe, expect, test } from 'vitest'
import type { NodeId } from '@raftkit/raft'
import { Replica } from './replica.js'
import {
  ListStateMachine,
  MemoryLogStore,
  MemoryNetwork,
  nodeScheduler,
} from './testing/memory-adapters.js'

interface Member {
  replica: Replica<number>
  store: MemoryLogStore
  machine: ListStateMachine
}

const running: Replica<number>[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()))
})

let seed = 1
const random = {
  nextInt: (bound: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % bound,
}

function startMember(
  id: NodeId,
  ids: NodeId[],
  net: MemoryNetwork,
  store = new MemoryLogStore(1),
  snapshotEveryEntries = 0,
): Member {
  const machine = new ListStateMachine()
  const replica: Replica<number> = new Replica<number>({
    raft: {
      id,
      random,
      initialConfig: { voters: ids, learners: [] },
      forwardProposals: false,
      electionTimeoutTicks: 10,
    },
    persisted: store.state(),
    logStore: store,
    transport: net.register(id, (m) => replica.receive(m)),
    stateMachine: machine,
    scheduler: nodeScheduler,
    tickMs: 2,
    snapshotEveryEntries,
    now: () => Date.now(),
  })
  running.push(replica)
  void replica.start()
  return { replica, store, machine }
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const leaderOf = (members: Member[]): Member | undefined =>
  members.find((m) => m.replica.status().role === 'leader')
const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('Replica: the core driven by real timers, memory storage and a memory network', () => {
  test('elects a leader; a proposal resolves with the state machine result once applied', async () => {
    const net = new MemoryNetwork()
    const ids = ['n1', 'n2', 'n3']
    const members = ids.map((id) => startMember(id, ids, net))
    const leader = await waitFor(() => leaderOf(members), 'a leader')
    const outcome = await leader.replica.propose(encode('hello'), 2000)
    expect(outcome).toMatchObject({ ok: true, result: 1 })
    const follower = members.find((m) => m !== leader)!
    expect(await follower.replica.propose(encode('x'), 2000)).toMatchObject({
      ok: false,
      error: 'not-leader',
      leaderId: leader.replica.id,
    })
    await waitFor(
      () => (members.every((m) => m.machine.items.length === 1) ? true : undefined),
      'all applied',
    )
    // every durable log holds the entry before anyone applied it
    for (const m of members) expect(m.store.entries.some((e) => e.kind === 'command')).toBe(true)
  })

  test('linearizable reads on the leader and on a follower wait for the read index to apply', async () => {
    const net = new MemoryNetwork()
    const ids = ['n1', 'n2', 'n3']
    const members = ids.map((id) => startMember(id, ids, net))
    const leader = await waitFor(() => leaderOf(members), 'a leader')
    await leader.replica.propose(encode('a'), 2000)
    const follower = members.find((m) => m !== leader)!
    const read = await follower.replica.read(2000)
    expect(read.ok).toBe(true)
    expect(follower.machine.items).toEqual(['a'])
    expect((await leader.replica.read(2000)).ok).toBe(true)
  })

  test('a partitioned leader cannot serve a read; proposals on it time out or are dropped', async () => {
    const net = new MemoryNetwork()
    const ids = ['n1', 'n2', 'n3']
    const members = ids.map((id) => startMember(id, ids, net))
    const leader = await waitFor(() => leaderOf(members), 'a leader')
    net.blocked.add(leader.replica.id)
    const read = await leader.replica.read(300)
    expect(read.ok).toBe(false)
    const proposal = await leader.replica.propose(encode('lost'), 300)
    expect(proposal.ok).toBe(false)
    const others = members.filter((m) => m !== leader)
    const next = await waitFor(() => leaderOf(others), 'a new leader')
    expect(await next.replica.propose(encode('after'), 2000)).toMatchObject({ ok: true })
  })

  test('restart from the durable log: state is rebuilt and the node rejoins', async () => {
    const net = new MemoryNetwork()
    const ids = ['n1', 'n2', 'n3']
    let members = ids.map((id) => startMember(id, ids, net))
    const leader = await waitFor(() => leaderOf(members), 'a leader')
    for (const word of ['a', 'b', 'c'])
      expect((await leader.replica.propose(encode(word), 2000)).ok).toBe(true)
    const victim = members.find((m) => m !== leader)!
    await victim.replica.stop()
    const restarted = startMember(victim.replica.id, ids, net, victim.store)
    members = members.map((m) => (m === victim ? restarted : m))
    await waitFor(() => (restarted.machine.items.length === 3 ? true : undefined), 'replay')
    expect(restarted.machine.items).toEqual(['a', 'b', 'c'])
  })

  test('snapshots compact the log and restore a restarted node', async () => {
    const net = new MemoryNetwork()
    const ids = ['n1', 'n2', 'n3']
    const stores = ids.map(() => new MemoryLogStore(0))
    const members = ids.map((id, i) => startMember(id, ids, net, stores[i], 5))
    const leader = await waitFor(() => leaderOf(members), 'a leader')
    for (let i = 0; i < 12; i++)
      expect((await leader.replica.propose(encode(`w${i}`), 2000)).ok).toBe(true)
    // Snapshots are taken off the Ready loop; wait for the one due after ten entries.
    await waitFor(
      () => ((leader.store.snapshot?.meta.index ?? 0) >= 10 ? true : undefined),
      'a snapshot',
    )
    await leader.replica.stop()
    const restarted = startMember(leader.replica.id, ids, net, leader.store, 5)
    await waitFor(
      () => (restarted.machine.items.length === 12 ? true : undefined),
      'restore from snapshot + log',
    )
  })
})
