import type { KvCommand, KvResult } from '@raftkit/kv'
import type { Transaction } from 'kysely'
import { assert } from '../assert.js'
import type { RegistryCommand, RegistryResult, VersionCommand, VersionResult } from '../commands.js'
import { parseVersionNo } from '../versions/semver-order.js'
import type { VersionRecord } from '../versions/version-record.js'
import type { Change } from '../watch/change.js'
import { keyBytes } from './key-bytes.js'
import { versionFromRow } from './rows.js'
import type { RegistryDatabase } from './schema.js'

type Trx = Transaction<RegistryDatabase>

/** What applying one entry did, gathered inside its transaction. */
export interface ApplyContext {
  readonly trx: Trx
  readonly index: number
  readonly changes: Change[]
  sessionCount: number
  readonly sessionsMax: number
}

/** Applies one command inside the entry's transaction and returns its result. */
export async function applyCommand(
  ctx: ApplyContext,
  command: RegistryCommand,
): Promise<RegistryResult> {
  switch (command.t) {
    case 'kv': {
      const { clientId, seq } = command.command
      return withSession(
        ctx,
        clientId,
        seq,
        async () => ({
          t: 'kv',
          result: await applyKv(ctx, command.command, command.expiresAt, command.at),
        }),
        (latest) => ({
          t: 'kv',
          result: {
            op: 'rejected',
            reason: 'stale-request',
            message: `client ${clientId} is at seq ${latest}; seq ${seq} is a late copy`,
          },
        }),
      )
    }
    case 'expire':
      return { t: 'expired', expired: await applyExpire(ctx, command.key, command.revision) }
    case 'member': {
      const { id, peerAddr, clientUrl, promote } = command.member
      const row = { peer_addr: peerAddr, client_url: clientUrl, promote: promote ? 1 : 0 }
      const exists = await ctx.trx
        .selectFrom('members')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst()
      if (exists === undefined)
        await ctx.trx
          .insertInto('members')
          .values({ id, ...row })
          .execute()
      else await ctx.trx.updateTable('members').set(row).where('id', '=', id).execute()
      return { t: 'member', ok: true }
    }
    case 'member-remove':
      await ctx.trx.deleteFrom('members').where('id', '=', command.id).execute()
      return { t: 'member', ok: true }
    case 'version': {
      const { clientId, seq } = command.command
      return withSession(
        ctx,
        clientId,
        seq,
        async () => ({
          t: 'version',
          result: await applyVersion(ctx, command.command),
        }),
        (latest) => ({
          t: 'version',
          result: {
            op: 'rejected',
            ok: false,
            error: 'stale_request',
            message: `client ${clientId} is at seq ${latest}; seq ${seq} is a late copy`,
          },
        }),
      )
    }
  }
}

/**
 * The exactly-once session check (Raft thesis §6.3): a retry of the client's latest request gets
 * the first answer again without effect; an older copy is rejected; a new request runs and its
 * answer is remembered. At most `sessionsMax` sessions are kept, evicting the least recently
 * used; that depends only on the log, so every replica evicts the same ones.
 */
async function withSession(
  ctx: ApplyContext,
  clientId: string,
  seq: number,
  execute: () => Promise<RegistryResult>,
  stale: (latestSeq: number) => RegistryResult,
): Promise<RegistryResult> {
  const { trx, index } = ctx
  const session = await trx
    .selectFrom('sessions')
    .select(['seq', 'result'])
    .where('client_id', '=', clientId)
    .executeTakeFirst()
  if (session !== undefined) {
    const latest = Number(session.seq)
    if (seq === latest) {
      await trx
        .updateTable('sessions')
        .set({ last_used: index })
        .where('client_id', '=', clientId)
        .execute()
      return JSON.parse(session.result) as RegistryResult
    }
    if (seq < latest) return stale(latest)
  }
  const result = await execute()
  const row = { seq, last_used: index, result: JSON.stringify(result) }
  if (session !== undefined) {
    await trx.updateTable('sessions').set(row).where('client_id', '=', clientId).execute()
    return result
  }
  await trx
    .insertInto('sessions')
    .values({ client_id: clientId, ...row })
    .execute()
  ctx.sessionCount++
  if (ctx.sessionCount > ctx.sessionsMax) {
    const oldest = await trx
      .selectFrom('sessions')
      .select('client_id')
      .orderBy('last_used', 'asc')
      .limit(1)
      .executeTakeFirstOrThrow()
    await trx.deleteFrom('sessions').where('client_id', '=', oldest.client_id).execute()
    ctx.sessionCount--
  }
  return result
}

/**
 * Key-value commands, with the semantics of @raftkit/kv's state machine. `at` is the proposer's
 * clock: a key whose expiry is at or before it counts as absent (the same on every replica,
 * since `at` is in the entry), so compare-and-set agrees with what a reader sees.
 */
async function applyKv(
  ctx: ApplyContext,
  command: KvCommand,
  expiresAt: number | undefined,
  at: number | undefined,
): Promise<KvResult> {
  const { trx, index } = ctx
  const k = keyBytes(command.key)
  const row = await trx.selectFrom('kv').selectAll().where('k', '=', k).executeTakeFirst()
  const expired =
    row !== undefined && at !== undefined && row.expires_at !== null && Number(row.expires_at) <= at
  const live = expired ? undefined : row
  const write = async (value: string): Promise<void> => {
    const values = { value, revision: index, expires_at: expiresAt ?? null }
    if (row === undefined)
      await trx
        .insertInto('kv')
        .values({ k, ...values })
        .execute()
    else await trx.updateTable('kv').set(values).where('k', '=', k).execute()
    ctx.changes.push({
      kind: 'kv',
      type: 'put',
      revision: index,
      key: command.key,
      value,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    })
  }
  switch (command.op) {
    case 'put':
      await write(command.value)
      return { op: 'put', revision: index }
    case 'get':
      return {
        op: 'get',
        value: live?.value ?? null,
        revision: live === undefined ? 0 : Number(live.revision),
      }
    case 'delete':
      if (row !== undefined) {
        await trx.deleteFrom('kv').where('k', '=', k).execute()
        ctx.changes.push({
          kind: 'kv',
          type: 'delete',
          revision: index,
          key: command.key,
          ...(expired ? { expired: true as const } : {}),
        })
      }
      if (live === undefined) return { op: 'delete', existed: false, revision: 0 }
      return { op: 'delete', existed: true, revision: index }
    case 'cas': {
      const current = live?.value ?? null
      if (current !== command.expected) {
        return {
          op: 'cas',
          swapped: false,
          current,
          revision: live === undefined ? 0 : Number(live.revision),
        }
      }
      await write(command.value)
      return { op: 'cas', swapped: true, current: command.value, revision: index }
    }
  }
}

/** Removes a key whose TTL passed, if it still holds the write the leader saw expire. */
async function applyExpire(ctx: ApplyContext, key: string, revision: number): Promise<boolean> {
  const k = keyBytes(key)
  const row = await ctx.trx
    .selectFrom('kv')
    .select(['revision', 'expires_at'])
    .where('k', '=', k)
    .executeTakeFirst()
  if (row === undefined || row.expires_at === null || Number(row.revision) !== revision)
    return false
  await ctx.trx.deleteFrom('kv').where('k', '=', k).execute()
  ctx.changes.push({ kind: 'kv', type: 'delete', revision: ctx.index, key, expired: true })
  return true
}

async function applyVersion(ctx: ApplyContext, command: VersionCommand): Promise<VersionResult> {
  const { trx, index } = ctx
  const current = await findVersion(trx, command.id)
  switch (command.op) {
    case 'add': {
      if (current !== undefined && command.generated === true) {
        // Two nodes whose worker ids collide made the same snowflake. The id is ours to choose,
        // so take the next free one, the same way on every replica.
        return applyVersion(ctx, { ...command, id: await nextFreeId(trx, command.id) })
      }
      if (current !== undefined) {
        return {
          op: 'add',
          ok: false,
          error: 'duplicate_id',
          message: `a version with id ${command.id} exists`,
          current,
        }
      }
      const parsed = parseVersionNo(command.versionNo)
      assert(parsed !== undefined, 'a validated add carries a semantic version')
      const taken = await findByPlatformVersion(trx, command.platform, parsed.canonical)
      if (taken !== undefined)
        return duplicateVersion('add', command.platform, parsed.canonical, taken)
      const version: VersionRecord = {
        id: command.id,
        platform: command.platform,
        versionNo: parsed.canonical,
        createdAt: command.at,
        updatedAt: command.at,
        revision: index,
      }
      await trx
        .insertInto('versions')
        .values({
          id: version.id,
          platform: version.platform,
          version_no: version.versionNo,
          sort_key: parsed.sortKey,
          created_at: version.createdAt,
          updated_at: version.updatedAt,
          revision: index,
        })
        .execute()
      ctx.changes.push({ kind: 'version', type: 'add', revision: index, version })
      return { op: 'add', ok: true, version }
    }
    case 'update': {
      if (current === undefined) return notFound('update', command.id)
      if (command.ifRevision !== undefined && command.ifRevision !== current.revision)
        return revisionMismatch('update', command.ifRevision, current)
      const platform = command.platform ?? current.platform
      const parsed = parseVersionNo(command.versionNo ?? current.versionNo)
      assert(parsed !== undefined, 'a stored or validated version number parses')
      if (platform !== current.platform || parsed.canonical !== current.versionNo) {
        const taken = await findByPlatformVersion(trx, platform, parsed.canonical)
        if (taken !== undefined && taken.id !== current.id)
          return duplicateVersion('update', platform, parsed.canonical, taken)
      }
      const version: VersionRecord = {
        ...current,
        platform,
        versionNo: parsed.canonical,
        updatedAt: Math.max(command.at, current.createdAt),
        revision: index,
      }
      await trx
        .updateTable('versions')
        .set({
          platform,
          version_no: version.versionNo,
          sort_key: parsed.sortKey,
          updated_at: version.updatedAt,
          revision: index,
        })
        .where('id', '=', command.id)
        .execute()
      ctx.changes.push({
        kind: 'version',
        type: 'update',
        revision: index,
        version,
        previous: current,
      })
      return { op: 'update', ok: true, version }
    }
    case 'delete': {
      if (current === undefined) return notFound('delete', command.id)
      if (command.ifRevision !== undefined && command.ifRevision !== current.revision)
        return revisionMismatch('delete', command.ifRevision, current)
      await trx.deleteFrom('versions').where('id', '=', command.id).execute()
      ctx.changes.push({ kind: 'version', type: 'delete', revision: index, version: current })
      return { op: 'delete', ok: true, version: current }
    }
  }
}

async function nextFreeId(trx: Trx, taken: string): Promise<string> {
  let id = BigInt(taken)
  for (let attempt = 0; attempt < 1024; attempt++) {
    id++
    if ((await findVersion(trx, id.toString())) === undefined) return id.toString()
  }
  throw new Error(`no free id after ${taken}`)
}

async function findVersion(trx: Trx, id: string): Promise<VersionRecord | undefined> {
  const row = await trx.selectFrom('versions').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : versionFromRow(row)
}

async function findByPlatformVersion(
  trx: Trx,
  platform: string,
  versionNo: string,
): Promise<VersionRecord | undefined> {
  const row = await trx
    .selectFrom('versions')
    .selectAll()
    .where('platform', '=', platform)
    .where('version_no', '=', versionNo)
    .executeTakeFirst()
  return row === undefined ? undefined : versionFromRow(row)
}

function notFound(op: VersionCommand['op'], id: string): VersionResult {
  return { op, ok: false, error: 'not_found', message: `no version with id ${id}` }
}

function duplicateVersion(
  op: VersionCommand['op'],
  platform: string,
  versionNo: string,
  current: VersionRecord,
): VersionResult {
  return {
    op,
    ok: false,
    error: 'duplicate_version',
    message: `platform ${platform} already has version ${versionNo} (id ${current.id})`,
    current,
  }
}

function revisionMismatch(
  op: VersionCommand['op'],
  expected: number,
  current: VersionRecord,
): VersionResult {
  return {
    op,
    ok: false,
    error: 'revision_mismatch',
    message: `version ${current.id} is at revision ${current.revision}, not ${expected}`,
    current,
  }
}
