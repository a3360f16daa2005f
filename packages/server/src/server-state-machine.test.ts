import type { CommandEntry } from '@raftkit/raft'
import { describe, expect, test } from 'vitest'
import { ExpiryIndex } from './expiry-index.js'
import {
  encodeServerCommand,
  ServerStateMachine,
  type ServerCommand,
} from './server-state-machine.js'

let index = 0
function entry(command: ServerCommand): CommandEntry {
  return { kind: 'command', term: 1, index: ++index, data: encodeServerCommand(command) }
}

describe('the server state machine', () => {
  test('a retried TTL write answered from the session table leaves the key as it is now', () => {
    const state = new ServerStateMachine()
    state.apply(
      entry({
        t: 'kv',
        command: { op: 'put', key: 'k', value: 'a', clientId: 'c1', seq: 1 },
        expiresAt: 5_000,
      }),
    )
    // Another client overwrites the key without a TTL.
    state.apply(
      entry({ t: 'kv', command: { op: 'put', key: 'k', value: 'b', clientId: 'c2', seq: 1 } }),
    )
    expect(state.read('k', 10_000)).toMatchObject({ value: 'b' })
    // The first client's retry reaches the log again: same answer, no effect, no TTL revived.
    state.apply(
      entry({
        t: 'kv',
        command: { op: 'put', key: 'k', value: 'a', clientId: 'c1', seq: 1 },
        expiresAt: 5_000,
      }),
    )
    expect(state.read('k', 10_000)).toMatchObject({ value: 'b' })
    expect(state.keysWithTtl).toBe(0)
    expect(state.dueForExpiry(10_000, 10)).toEqual([])
  })

  test('expiry is through the log, at the revision that was due; snapshots keep TTLs', async () => {
    const state = new ServerStateMachine()
    state.apply(
      entry({
        t: 'kv',
        command: { op: 'put', key: 'x', value: '1', clientId: 'c', seq: 1 },
        expiresAt: 100,
      }),
    )
    const due = state.dueForExpiry(150, 10)
    expect(due).toHaveLength(1)
    // A write in between makes that expiry stale.
    state.apply(
      entry({
        t: 'kv',
        command: { op: 'put', key: 'x', value: '2', clientId: 'c', seq: 2 },
        expiresAt: 200,
      }),
    )
    expect(state.apply(entry({ t: 'expire', ...due[0]! }))).toEqual({
      t: 'expired',
      expired: false,
    })
    const copy = new ServerStateMachine()
    await copy.restore({
      meta: { index, term: 1, config: { voters: ['n1'], learners: [] } },
      data: await state.snapshot(),
    })
    expect(copy.read('x', 150)).toMatchObject({ value: '2', expiresAt: 200 })
    const later = copy.dueForExpiry(250, 10)
    expect(later.map((d) => d.key)).toEqual(['x'])
    expect(copy.apply(entry({ t: 'expire', ...later[0]! }))).toEqual({
      t: 'expired',
      expired: true,
    })
    expect(copy.read('x', 0)).toBeUndefined()
  })
})

describe('snapshots and listing', () => {
  test('a snapshot holds the state at the call even while later entries are applied', async () => {
    const state = new ServerStateMachine()
    const put = (key: string, value: string, seq: number) =>
      state.apply(entry({ t: 'kv', command: { op: 'put', key, value, clientId: 'w', seq } }))
    for (let i = 0; i < 5000; i++) put(`k/${String(i).padStart(5, '0')}`, `v${i}`, i + 1)
    state.apply(
      entry({
        t: 'member',
        member: { id: 'n1', peerAddr: 'a:1', clientUrl: 'http://a:2', promote: false },
      }),
    )
    const pending = state.snapshot()
    put('k/00000', 'changed later', 5001)
    put('late', 'x', 5002)
    const copy = new ServerStateMachine()
    await copy.restore({
      meta: { index, term: 1, config: { voters: ['n1'], learners: [] } },
      data: await pending,
    })
    expect(copy.read('k/00000', 0)).toMatchObject({ value: 'v0' })
    expect(copy.read('late', 0)).toBeUndefined()
    expect(copy.list('k/', 3, undefined, 0).items.map((i) => i.key)).toEqual([
      'k/00000',
      'k/00001',
      'k/00002',
    ])
    expect(copy.list('k/', 2, 'k/04997', 0)).toMatchObject({
      items: [{ key: 'k/04998' }, { key: 'k/04999' }],
      more: false,
    })
    expect(copy.member('n1')).toMatchObject({ peerAddr: 'a:1' })
    // Sessions survive: the writer's latest request is recognized as a retry.
    const retry = copy.apply(
      entry({ t: 'kv', command: { op: 'put', key: 'k/1', value: 'v', clientId: 'w', seq: 5000 } }),
    )
    expect(retry).toMatchObject({ t: 'kv', result: { op: 'put' } })
    expect(copy.read('k/1', 0)).toBeUndefined()
    // Equal states give equal bytes.
    const again = new ServerStateMachine()
    await again.restore({
      meta: { index, term: 1, config: { voters: ['n1'], learners: [] } },
      data: await pending,
    })
    expect(Buffer.from(await again.snapshot()).equals(Buffer.from(await pending))).toBe(true)
  })

  test('a damaged snapshot is refused with a reason', async () => {
    const state = new ServerStateMachine()
    state.apply(
      entry({ t: 'kv', command: { op: 'put', key: 'a', value: '1', clientId: 'w', seq: 1 } }),
    )
    const bytes = await state.snapshot()
    const cut = bytes.slice(0, bytes.length - 3)
    const meta = { index, term: 1, config: { voters: [], learners: [] } }
    await expect(new ServerStateMachine().restore({ meta, data: cut })).rejects.toThrow(/snapshot/)
  })

  test('listing walks the keys in order from the prefix, skipping deleted and expired ones', () => {
    const state = new ServerStateMachine()
    let seq = 0
    const kv = (command: Record<string, unknown>, expiresAt?: number) =>
      state.apply(
        entry({
          t: 'kv',
          command: { clientId: 'l', seq: ++seq, ...command } as never,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        }),
      )
    for (const key of ['b/2', 'a/1', 'b/1', 'b/3', 'c/1', 'b/10'])
      kv({ op: 'put', key, value: key })
    kv({ op: 'delete', key: 'b/2' })
    kv({ op: 'put', key: 'b/4', value: 'soon gone' }, 100)
    expect(state.list('b/', 10, undefined, 50).items.map((i) => i.key)).toEqual([
      'b/1',
      'b/10',
      'b/3',
      'b/4',
    ])
    expect(state.list('b/', 10, undefined, 150).items.map((i) => i.key)).toEqual([
      'b/1',
      'b/10',
      'b/3',
    ])
    expect(state.list('b/', 2, undefined, 150)).toMatchObject({ more: true })
    expect(state.list('', 100, 'b/3', 150).items.map((i) => i.key)).toEqual(['c/1'])
  })
})

describe('the expiry index', () => {
  test('finds due keys earliest first, however many keys are not due', () => {
    const expiry = new ExpiryIndex()
    for (let i = 0; i < 1_000; i++) expiry.set(`later-${i}`, 1_000_000 + i)
    expiry.set('soon', 50)
    expiry.set('sooner', 10)
    expect(expiry.due(100, 10)).toEqual(['sooner', 'soon'])
    // Due keys stay until deleted; changed ones follow their new time.
    expiry.set('soon', 2_000_000)
    expiry.delete('sooner')
    expect(expiry.due(100, 10)).toEqual([])
    expect(expiry.due(1_000_004, 3)).toEqual(['later-0', 'later-1', 'later-2'])
    for (let round = 0; round < 50; round++)
      for (let i = 0; i < 100; i++) expiry.set(`later-${i}`, 5_000_000 + round)
    expect(expiry.size).toBe(1_001)
  })
})
