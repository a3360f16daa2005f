import type { Change, Version } from '@raftkit/client'
import type { Command } from 'commander'
import type { Io } from '../io.js'
import { exitCodes, UsageError } from '../usage-error.js'
import {
  clientFrom,
  defaultEndpoints,
  runClientCommand,
  type ClientFlags,
} from './client-context.js'
import { formatRecord, formatTable } from './table.js'

type Run = (status: Promise<number>) => void

function withClientOptions(command: Command): Command {
  return command
    .option(
      '--endpoints <urls>',
      `node URLs, comma-separated (RAFTKIT_ENDPOINTS; default ${defaultEndpoints})`,
    )
    .option('--api-key <key>', 'API key for writes and administration (RAFTKIT_API_KEY)')
    .option('--timeout <ms>', 'give up after this long, retries included (default 10000)')
    .option('--json', 'print JSON instead of a table')
}

const versionRows = (items: readonly Version[]): string =>
  formatTable(
    ['id', 'platform', 'version', 'revision', 'updated'],
    items.map((v) => [v.id, v.platform, v.versionNo, v.revision, v.updatedAt]),
  )

/** `raftkit kv ...`: the key-value API through the SDK. */
export function registerKvCommands(program: Command, io: Io, run: Run): void {
  const kv = program.command('kv').description('read and write keys of a running cluster')
  withClientOptions(
    kv
      .command('put <key> <value>')
      .description('set a key')
      .option('--ttl <ms>', 'expire the key after this many ms'),
  ).action((key: string, value: string, flags: ClientFlags & { ttl?: string }) =>
    run(
      runClientCommand(io, flags, async (client) => {
        const ttlMs = flags.ttl === undefined ? undefined : Number(flags.ttl)
        if (ttlMs !== undefined && !(Number.isInteger(ttlMs) && ttlMs > 0))
          throw new UsageError('--ttl is a number of ms')
        const item = await client.kv.put(key, value, ttlMs === undefined ? {} : { ttlMs })
        return { json: item, text: formatRecord({ ...item }) }
      }),
    ),
  )
  withClientOptions(
    kv
      .command('get <key>')
      .description('read a key')
      .option('--stale', 'read from the nearest node without a ReadIndex round'),
  ).action((key: string, flags: ClientFlags & { stale?: boolean }) =>
    run(
      runClientCommand(io, flags, async (client) => {
        const item = await client.kv.get(key, flags.stale === true ? { consistency: 'stale' } : {})
        if (item === undefined)
          return { json: null, text: `${key}: not found\n`, status: exitCodes.failed }
        return { json: item, text: formatRecord({ ...item }) }
      }),
    ),
  )
  withClientOptions(kv.command('del <key>').alias('delete').description('delete a key')).action(
    (key: string, flags: ClientFlags) =>
      run(
        runClientCommand(io, flags, async (client) => {
          const existed = await client.kv.delete(key)
          return {
            json: { key, deleted: existed },
            text: existed ? `deleted ${key}\n` : `${key}: not found\n`,
            status: existed ? 0 : exitCodes.failed,
          }
        }),
      ),
  )
  withClientOptions(
    kv
      .command('cas <key> <value>')
      .description(
        'set a key only if it holds --expected (or, with --absent, only if it is absent)',
      )
      .option('--expected <value>', 'the value it must hold now')
      .option('--absent', 'only if the key does not exist'),
  ).action(
    (key: string, value: string, flags: ClientFlags & { expected?: string; absent?: boolean }) =>
      run(
        runClientCommand(io, flags, async (client) => {
          if ((flags.expected === undefined) === (flags.absent !== true))
            throw new UsageError('give exactly one of --expected and --absent')
          const result = await client.kv.cas(
            key,
            flags.absent === true ? null : flags.expected!,
            value,
          )
          if (result.swapped)
            return {
              json: result,
              text: `swapped: ${key} = ${value} (revision ${result.revision})\n`,
            }
          return {
            json: result,
            text: `not swapped: ${key} holds ${result.current === null ? 'nothing' : JSON.stringify(result.current.value)}\n`,
            status: exitCodes.failed,
          }
        }),
      ),
  )
  withClientOptions(
    kv
      .command('list')
      .description('list keys')
      .option('--prefix <p>', 'only keys starting with this')
      .option('--limit <n>', 'at most this many (default 100)'),
  ).action((flags: ClientFlags & { prefix?: string; limit?: string }) =>
    run(
      runClientCommand(io, flags, async (client) => {
        const page = await client.kv.list({
          ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}),
          ...(flags.limit !== undefined ? { limit: Number(flags.limit) } : {}),
        })
        const table = formatTable(
          ['key', 'value', 'revision', 'expires'],
          page.items.map((i) => [i.key, i.value, i.revision, i.expiresAt]),
        )
        return {
          json: page,
          text: table + (page.more ? `(more after ${page.next}; use --limit)\n` : ''),
        }
      }),
    ),
  )
}

/** `raftkit version ...`: the version registry through the SDK. */
export function registerVersionCommands(program: Command, io: Io, run: Run): void {
  const version = program
    .command('version')
    .description('the version registry of a running cluster')
  withClientOptions(
    version
      .command('add <platform> <versionNo>')
      .description('register a version (a snowflake id is made unless --id)')
      .option('--id <id>', 'choose the id'),
  ).action((platform: string, versionNo: string, flags: ClientFlags & { id?: string }) =>
    run(
      runClientCommand(io, flags, async (client) => {
        const added = await client.versions.add({
          platform,
          versionNo,
          ...(flags.id !== undefined ? { id: flags.id } : {}),
        })
        return { json: added, text: formatRecord({ ...added }) }
      }),
    ),
  )
  withClientOptions(version.command('get <id>').description('show a version')).action(
    (id: string, flags: ClientFlags) =>
      run(
        runClientCommand(io, flags, async (client) => {
          const found = await client.versions.get(id)
          if (found === undefined)
            return { json: null, text: `no version with id ${id}\n`, status: exitCodes.failed }
          return { json: found, text: formatRecord({ ...found }) }
        }),
      ),
  )
  withClientOptions(
    version
      .command('update <id>')
      .description('change a version')
      .option('--version-no <v>', 'the new version number')
      .option('--platform <p>', 'the new platform')
      .option('--if-revision <n>', 'only if the version is still at this revision'),
  ).action(
    (
      id: string,
      flags: ClientFlags & { versionNo?: string; platform?: string; ifRevision?: string },
    ) =>
      run(
        runClientCommand(io, flags, async (client) => {
          if (flags.versionNo === undefined && flags.platform === undefined)
            throw new UsageError('give --version-no, --platform or both')
          const updated = await client.versions.update(
            id,
            {
              ...(flags.versionNo !== undefined ? { versionNo: flags.versionNo } : {}),
              ...(flags.platform !== undefined ? { platform: flags.platform } : {}),
            },
            flags.ifRevision === undefined ? {} : { ifRevision: Number(flags.ifRevision) },
          )
          return { json: updated, text: formatRecord({ ...updated }) }
        }),
      ),
  )
  withClientOptions(
    version
      .command('delete <id>')
      .description('delete a version')
      .option('--if-revision <n>', 'only if the version is still at this revision'),
  ).action((id: string, flags: ClientFlags & { ifRevision?: string }) =>
    run(
      runClientCommand(io, flags, async (client) => {
        const existed = await client.versions.delete(
          id,
          flags.ifRevision === undefined ? {} : { ifRevision: Number(flags.ifRevision) },
        )
        return {
          json: { id, deleted: existed },
          text: existed ? `deleted ${id}\n` : `no version with id ${id}\n`,
          status: existed ? 0 : exitCodes.failed,
        }
      }),
    ),
  )
  withClientOptions(
    version
      .command('list')
      .description('list versions, newest first')
      .option('--platform <p>', 'only this platform')
      .option('--limit <n>', 'page size (default 100)')
      .option('--cursor <c>', 'the next page, as printed')
      .option('--all', 'every page'),
  ).action(
    (flags: ClientFlags & { platform?: string; limit?: string; cursor?: string; all?: boolean }) =>
      run(
        runClientCommand(io, flags, async (client) => {
          if (flags.all === true) {
            const items: Version[] = []
            for await (const v of client.allVersions(
              flags.platform !== undefined ? { platform: flags.platform } : {},
            ))
              items.push(v)
            return { json: { items, nextCursor: null }, text: versionRows(items) }
          }
          const page = await client.versions.list({
            ...(flags.platform !== undefined ? { platform: flags.platform } : {}),
            ...(flags.limit !== undefined ? { limit: Number(flags.limit) } : {}),
            ...(flags.cursor !== undefined ? { cursor: flags.cursor } : {}),
          })
          return {
            json: page,
            text:
              versionRows(page.items) +
              (page.nextCursor !== null ? `(next page: --cursor ${page.nextCursor})\n` : ''),
          }
        }),
      ),
  )
  withClientOptions(
    version
      .command('latest <platform>')
      .description('the highest semantic version of a platform')
      .option('--release', 'releases only, no prereleases'),
  ).action((platform: string, flags: ClientFlags & { release?: boolean }) =>
    run(
      runClientCommand(io, flags, async (client) => {
        const latest = await client.versions.latest(
          platform,
          flags.release === true ? { includePrerelease: false } : {},
        )
        if (latest === undefined)
          return {
            json: null,
            text: `platform ${platform} has no versions\n`,
            status: exitCodes.failed,
          }
        return { json: latest, text: flags.json === true ? '' : `${latest.versionNo}\n` }
      }),
    ),
  )
  withClientOptions(
    version
      .command('watch [platform]')
      .description('print every change of a platform (or all), following failover; Ctrl-C stops')
      .option('--after <revision>', 'start after this revision'),
  ).action((platform: string | undefined, flags: ClientFlags & { after?: string }) =>
    run(watchVersions(io, platform, flags)),
  )
}

async function watchVersions(
  io: Io,
  platform: string | undefined,
  flags: ClientFlags & { after?: string },
): Promise<number> {
  const client = clientFrom(flags)
  const print = (change: Change): void => {
    if (flags.json === true) io.stdout.write(`${JSON.stringify(change)}\n`)
    else if (change.kind === 'version')
      io.stdout.write(
        `${change.revision}  ${change.type.padEnd(6)}  ${change.version.platform}  ${change.version.versionNo}  (id ${change.version.id})\n`,
      )
  }
  const watch = client.watch(platform === undefined ? {} : { platform }, {
    ...(flags.after !== undefined ? { afterRevision: Number(flags.after) } : {}),
    onChange: print,
    onCompacted: (info) =>
      io.stderr.write(
        `history before revision ${info.revision} is gone; re-read with 'raftkit version list'\n`,
      ),
    onDisconnect: (reason) => io.stderr.write(`disconnected (${reason}); reconnecting\n`),
  })
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  watch.close()
  client.close()
  return exitCodes.ok
}

/** `raftkit cluster ...`: administration through the SDK. */
export function registerClusterAdminCommands(program: Command, io: Io, run: Run): void {
  const cluster = program.command('cluster').description('inspect and administer a running cluster')
  withClientOptions(
    cluster.command('status').description('leader, term, indexes and members'),
  ).action((flags: ClientFlags) =>
    run(
      runClientCommand(io, flags, async (client) => {
        const status = await client.cluster.status()
        const head = `leader ${status.leaderId ?? '(none)'}  term ${status.term}  commit ${status.commitIndex}  applied ${status.appliedIndex}\n\n`
        const table = formatTable(
          ['id', 'state', 'voter', 'client url', 'peer', 'match'],
          status.members.map((m) => [
            m.id,
            m.state,
            m.voter ? 'yes' : 'no',
            m.clientUrl,
            m.peerAddr,
            m.matchIndex,
          ]),
        )
        return { json: status, text: head + table }
      }),
    ),
  )
  withClientOptions(
    cluster
      .command('join <id> <peerAddr> <clientUrl>')
      .description('add a member; it joins as a learner and becomes a voter once caught up')
      .option('--learner', 'stay a learner (never promoted)'),
  ).action(
    (id: string, peerAddr: string, clientUrl: string, flags: ClientFlags & { learner?: boolean }) =>
      run(
        runClientCommand(io, flags, async (client) => {
          const result = await client.cluster.join({
            id,
            peerAddr,
            clientUrl,
            ...(flags.learner === true ? { learner: true } : {}),
          })
          return {
            json: result,
            text: `added ${id} (${flags.learner === true ? 'learner' : 'learner until caught up, then voter'})\n`,
          }
        }),
      ),
  )
  withClientOptions(cluster.command('remove <id>').description('remove a member')).action(
    (id: string, flags: ClientFlags) =>
      run(
        runClientCommand(io, flags, async (client) => {
          const result = await client.cluster.remove(id)
          return { json: result, text: `removed ${id}\n` }
        }),
      ),
  )
  withClientOptions(
    cluster
      .command('transfer [to]')
      .description('hand leadership to a member (default: the most caught-up voter)'),
  ).action((to: string | undefined, flags: ClientFlags) =>
    run(
      runClientCommand(io, flags, async (client) => {
        const result = await client.cluster.transfer(to)
        return { json: result, text: `leadership transferred to ${result.transferredTo}\n` }
      }),
    ),
  )
}

/** `raftkit apikey issue`: makes a signed API key (offline, with the cluster's signing secret). */
export function registerApiKeyCommands(program: Command, io: Io, run: Run): void {
  const apikey = program.command('apikey').description('signed API keys')
  apikey
    .command('issue')
    .description('print a new signed key: rk1.<id>.<scope>.<expiry>.<signature>')
    .requiredOption(
      '--id <keyId>',
      'a name for the key (1-32 letters, digits, _ or -), for logs and revocation',
    )
    .option('--scope <scope>', 'read, write or admin', 'write')
    .option('--expires <duration>', 'lifetime: 30d, 12h, 45m, or never', '90d')
    .option('--secret <secret>', 'the signing secret (or RAFTKIT_API_KEY_SECRET)')
    .action((flags: { id: string; scope: string; expires: string; secret?: string }) =>
      run(
        (async () => {
          const { issueApiKey, isApiScope } = await import('@raftkit/registry')
          const secret = flags.secret ?? process.env['RAFTKIT_API_KEY_SECRET']
          if (secret === undefined)
            throw new UsageError('give --secret or set RAFTKIT_API_KEY_SECRET')
          if (!isApiScope(flags.scope)) throw new UsageError('--scope is read, write or admin')
          const expiresAt = parseExpiry(flags.expires)
          try {
            io.stdout.write(
              `${issueApiKey({ secret, keyId: flags.id, scope: flags.scope, ...(expiresAt !== undefined ? { expiresAt } : {}) })}\n`,
            )
          } catch (error) {
            throw new UsageError((error as Error).message)
          }
          return exitCodes.ok
        })(),
      ),
    )
}

function parseExpiry(text: string): Date | undefined {
  if (text === 'never') return undefined
  const match = /^(\d+)([dhm])$/.exec(text)
  if (match === null) throw new UsageError('--expires is like 30d, 12h, 45m, or never')
  const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm']
  return new Date(Date.now() + Number(match[1]) * unitMs)
}
