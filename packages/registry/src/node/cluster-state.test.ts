// The registry's state machine inside real (in-process) clusters: replicas that agree, a
// follower brought back by a snapshot into its SQL store, TTL expiry decided through the log,
// the MariaDB store, and stale reads served by Redis.
import { afterEach, describe, expect, test } from 'vitest'
import { dropMysqlDatabase } from '../store/open-store.js'
import {
  freshMysqlDatabaseUrl,
  mysqlUnavailableReason,
  redisUnavailableReason,
  testRedisUrl,
} from '../testing/services.js'
import { startRegistryCluster, type RegistryTestCluster } from '../testing/registry-node.js'

const mysqlMissing = await mysqlUnavailableReason()
const redisMissing = await redisUnavailableReason()
if (mysqlMissing !== undefined) console.warn(`skipping the MariaDB node test: ${mysqlMissing}`)
if (redisMissing !== undefined) console.warn(`skipping the Redis node test: ${redisMissing}`)

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function cluster(
  size: number,
  extra: Parameters<typeof startRegistryCluster>[1] = {},
): Promise<RegistryTestCluster> {
  const started = await startRegistryCluster(size, extra)
  cleanups.push(() => started.stop())
  return started
}

async function send(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  })
  const text = await response.text()
  return { status: response.status, json: text.length > 0 ? JSON.parse(text) : undefined }
}

/** A write as a client does it: a 503 (a leader change in progress) is retried. */
async function write(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const answer = await send(url, method, path, body)
    if (answer.status !== 503 || Date.now() > deadline) return answer
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last seen: ${lastSeen})`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

let lastSeen = ''

async function digestsAgree(c: RegistryTestCluster, indexes: number[]): Promise<boolean> {
  const applied = indexes.map((i) => c.machines[i]!.store.appliedIndex)
  lastSeen = JSON.stringify(
    indexes.map((i) => ({ store: applied[i], raft: c.nodes[i]!.replica.status().appliedIndex, failure: c.nodes[i]!.replica.failure?.message })),
  )
  if (new Set(applied).size !== 1) return false
  const digests = await Promise.all(indexes.map((i) => c.machines[i]!.store.digest()))
  return new Set(digests).size === 1
}

describe('the registry in a cluster', () => {
  test('a follower that missed compacted entries catches up by a snapshot into its SQL store', async () => {
    const c = await cluster(3, { snapshotEveryEntries: 20 })
    const leader = await c.leaderUrl()
    const followerIndex = c.urls.findIndex((url) => url !== leader)
    await c.stopNode(followerIndex)
    for (let i = 0; i < 80; i++) {
      expect(
        (await write(leader, 'POST', '/v1/versions', { platform: 'snap', versionNo: `1.0.${i}` }))
          .status,
      ).toBe(201)
    }
    await write(leader, 'PUT', '/v1/kv/snap-key', { value: 'v' })
    await c.startNode(followerIndex)
    const others = c.urls.map((_, i) => i)
    await until('every replica to hold the same state', () => digestsAgree(c, others), 30_000)
    const latest = await send(
      c.urls[followerIndex]!,
      'GET',
      '/v1/platforms/snap/latest?consistency=stale',
    )
    expect(latest.json.versionNo).toBe('1.0.79')
    // After the restore the follower's store answers for the earlier entries too, and a restart
    // neither loses nor repeats anything.
    await c.restart(followerIndex)
    await until('the restarted follower to agree again', () => digestsAgree(c, others), 30_000)
  })

  test('a key with a TTL expires on every replica through an expiry entry', async () => {
    const c = await cluster(3)
    const leader = await c.leaderUrl()
    expect(
      (await write(leader, 'PUT', '/v1/kv/short-lived', { value: 'x', ttlMs: 200 })).status,
    ).toBe(200)
    await write(leader, 'PUT', '/v1/kv/long-lived', { value: 'y', ttlMs: 600_000 })
    await until('the expiry to be applied everywhere', async () =>
      (await Promise.all(c.machines.map((m) => m.store.getKv('short-lived')))).every(
        (row) => row === undefined,
      ),
    )
    for (const machine of c.machines) {
      expect(await machine.store.getKv('long-lived')).toBeDefined()
      expect(machine.keysWithTtl).toBe(1)
    }
    expect((await send(c.urls[0]!, 'GET', '/v1/kv/short-lived')).status).toBe(404)
  })

  test.skipIf(mysqlMissing !== undefined)(
    'nodes on MariaDB (a database each) serve the registry and survive a restart',
    async () => {
      const urls = [1, 2, 3].map(() => freshMysqlDatabaseUrl('node'))
      cleanups.push(async () => {
        for (const url of urls) await dropMysqlDatabase(url)
      })
      const c = await cluster(3, (id) => ({
        store: { kind: 'mysql', url: urls[Number(id.slice(1)) - 1]! },
      }))
      const leader = await c.leaderUrl()
      expect(c.machines.every((m) => m.store.dialect === 'mysql')).toBe(true)
      for (const v of ['1.0.0', '1.10.0', '1.9.0'])
        await write(leader, 'POST', '/v1/versions', { platform: 'db', versionNo: v })
      expect((await send(leader, 'GET', '/v1/platforms/db/latest')).json.versionNo).toBe('1.10.0')
      await c.restart(0)
      await c.leaderUrl()
      await until('every replica to agree', () => digestsAgree(c, [0, 1, 2]), 30_000)
      expect(
        (await send(c.urls[0]!, 'GET', '/v1/platforms/db/latest?consistency=stale')).json.versionNo,
      ).toBe('1.10.0')
    },
  )

  test.skipIf(redisMissing !== undefined)(
    'stale reads come from the Redis cache, linearizable ones from the store',
    async () => {
      const prefixes = new Map<string, string>()
      const c = await cluster(1, (id) => {
        const prefix = `raftkit-node-test:${process.pid}:${Date.now()}:${id}:`
        prefixes.set(id, prefix)
        return { redis: { url: testRedisUrl, prefix, resyncIntervalMs: 60_000 } }
      })
      const url = await c.leaderUrl()
      const machine = c.machines[0]!
      await until('the Redis mirror to sync', async () => machine.redis!.synced)
      const created = (
        await send(url, 'POST', '/v1/versions', { platform: 'redis', versionNo: '1.0.0' })
      ).json
      await send(url, 'PUT', '/v1/kv/cached', { value: 'v' })
      await machine.redis!.idle()
      const before = machine.cacheStats().redis!.hits
      expect((await send(url, 'GET', `/v1/versions/${created.id}?consistency=stale`)).json.id).toBe(
        created.id,
      )
      expect((await send(url, 'GET', '/v1/kv/cached?consistency=stale')).json.value).toBe('v')
      expect((await send(url, 'GET', '/v1/platforms/redis/latest?consistency=stale')).json.id).toBe(
        created.id,
      )
      expect(machine.cacheStats().redis!.hits).toBe(before + 3)
      await send(url, 'GET', '/v1/kv/cached')
      expect(machine.cacheStats().redis!.hits).toBe(before + 3)
      const metrics = await (await fetch(`${url}/metrics`)).text()
      expect(metrics).toMatch(
        /raftkit_redis_cache_hit_ratio 0?\.\d+|raftkit_redis_cache_hit_ratio 1/,
      )
      cleanups.push(async () => {
        const { Redis } = await import('ioredis')
        const redis = new Redis(testRedisUrl)
        for (const prefix of prefixes.values()) {
          const keys = await redis.keys(`${prefix}*`)
          if (keys.length > 0) await redis.del(...keys)
        }
        redis.disconnect()
      })
    },
  )
})
