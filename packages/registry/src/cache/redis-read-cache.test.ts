import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, test } from 'vitest'
import { RegistryStateMachine } from '../state-machine.js'
import { openSqliteStore } from '../store/open-store.js'
import { CommandMaker } from '../testing/commands.js'
import { entry } from '../testing/entries.js'
import { redisUnavailableReason, testRedisUrl } from '../testing/services.js'

const unavailable = await redisUnavailableReason()
if (unavailable !== undefined) console.warn(`skipping the Redis cache tests: ${unavailable}`)

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function setup(
  resyncIntervalMs = 60_000,
): Promise<{ machine: RegistryStateMachine; redis: Redis; prefix: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'raftkit-redis-'))
  const prefix = `raftkit-test:${randomBytes(4).toString('hex')}:`
  const redis = new Redis(testRedisUrl)
  const machine = await RegistryStateMachine.open({
    store: await openSqliteStore(join(directory, 's.sqlite')),
    redis: { url: testRedisUrl, prefix, resyncIntervalMs },
  })
  cleanups.push(async () => {
    await machine.close()
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
    await rm(directory, { recursive: true, force: true })
  })
  await until(() => machine.redis!.synced, 'the first full sync')
  return { machine, redis, prefix }
}

describe.skipIf(unavailable !== undefined)('Redis read cache (real Redis)', () => {
  test('every apply is written through, in order, and serves stale reads', async () => {
    const { machine, redis, prefix } = await setup()
    const c = new CommandMaker()
    await machine.apply(entry(1, c.put('a', '1')))
    await machine.apply(entry(2, c.put('a', '2')))
    await machine.apply(entry(3, c.add('v1', 'ios', '1.0.0')))
    await machine.apply(entry(4, c.add('v2', 'ios', '1.1.0')))
    await machine.apply(entry(5, c.put('gone', 'x')))
    await machine.apply(entry(6, c.del('gone')))
    await machine.redis!.idle()
    expect(JSON.parse((await redis.get(`${prefix}kv:a`))!)).toEqual({
      key: 'a',
      value: '2',
      revision: 2,
    })
    expect(await redis.get(`${prefix}kv:gone`)).toBeNull()
    expect(JSON.parse((await redis.get(`${prefix}latest:ios`))!)).toMatchObject({
      versionNo: '1.1.0',
    })
    expect(await redis.hget(`${prefix}meta:state`, 'appliedIndex')).toBe('6')
    const before = machine.cacheStats().redis!.hits
    expect(await machine.readStale('a', Date.now())).toEqual({ key: 'a', value: '2', revision: 2 })
    expect(await machine.readStale('gone', Date.now())).toBeUndefined()
    expect((await machine.getVersionStale('v1'))?.versionNo).toBe('1.0.0')
    expect((await machine.latestVersionStale('ios'))?.id).toBe('v2')
    expect(machine.cacheStats().redis!.hits).toBe(before + 4)
    // Deleting the latest falls back to the next one.
    await machine.apply(entry(7, c.version({ op: 'delete', id: 'v2' })))
    await machine.redis!.idle()
    expect((await machine.latestVersionStale('ios'))?.id).toBe('v1')
  })

  test('a periodic full re-sync repairs what Redis lost or gained', async () => {
    const { machine, redis, prefix } = await setup(200)
    const c = new CommandMaker()
    await machine.apply(entry(1, c.put('keep', 'v')))
    await machine.redis!.idle()
    // Someone wipes a key and plants a stray one behind the node's back.
    await redis.del(`${prefix}kv:keep`)
    await redis.set(`${prefix}kv:stray`, JSON.stringify({ key: 'stray', value: 'x', revision: 1 }))
    await until(
      async () => (await redis.get(`${prefix}kv:keep`)) !== null,
      'the re-sync to restore the key',
    )
    await until(
      async () => (await redis.get(`${prefix}kv:stray`)) === null,
      'the re-sync to remove the stray key',
    )
    expect(machine.cacheStats().redis!.resyncs).toBeGreaterThanOrEqual(2)
  })

  test('keys with a TTL expire in Redis too', async () => {
    const { machine, redis, prefix } = await setup()
    const c = new CommandMaker()
    const expiresAt = Date.now() + 300
    await machine.apply(entry(1, c.put('ttl', 'v', { expiresAt, at: Date.now() })))
    await machine.redis!.idle()
    const pttl = await redis.pttl(`${prefix}kv:ttl`)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(300)
    expect(await machine.readStale('ttl', expiresAt)).toBeUndefined()
  })

  test('while Redis is unreachable, stale reads fall back to the local store', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'raftkit-redis-'))
    const machine = await RegistryStateMachine.open({
      store: await openSqliteStore(join(directory, 's.sqlite')),
      // Port 1 on loopback refuses connections.
      redis: { url: 'redis://127.0.0.1:1', prefix: 'x:', resyncIntervalMs: 60_000 },
    })
    cleanups.push(async () => {
      await machine.close()
      await rm(directory, { recursive: true, force: true })
    })
    await machine.apply(entry(1, new CommandMaker().put('a', 'local')))
    expect(await machine.readStale('a', Date.now())).toMatchObject({ value: 'local' })
    expect(machine.cacheStats().redis).toMatchObject({ synced: false })
    expect(machine.cacheStats().redis!.misses).toBeGreaterThan(0)
  })
})
