import type { Replica } from '@raftkit/replica'
import { ApiError, toError, type RequestIdentity, type ServerResult } from '@raftkit/server'
import { encodeRegistryCommand } from '../command-codec.js'
import type { RegistryResult, VersionCommand, VersionResult } from '../commands.js'
import type { RegistryStateMachine } from '../state-machine.js'
import type { VersionPage } from '../store/registry-store.js'
import type { VersionCursor } from '../versions/cursor.js'
import type { SnowflakeGenerator } from '../versions/snowflake.js'
import { versionJson, type VersionRecord } from '../versions/version-record.js'

export interface VersionServiceDependencies {
  readonly replica: Replica<ServerResult>
  readonly state: RegistryStateMachine
  readonly ids: SnowflakeGenerator
  readonly requestTimeoutMs: number
  readonly now: () => number
  readonly clientUrlOf: (id: string) => string | undefined
  /** A per-node client id for requests that carry none (each gets a fresh sequence number). */
  readonly anonymousClientId: string
}

export type Consistency = 'linearizable' | 'stale'

/**
 * The version registry on top of the replica: writes are proposed (the receiving node makes the
 * snowflake id and the timestamps first, so every replica stores the same), linearizable reads
 * wait for a ReadIndex barrier and read the local store, stale reads use the Redis cache when
 * there is one. A follower raises NotLeader, which the HTTP layer forwards to the leader.
 */
export class VersionService {
  readonly #deps: VersionServiceDependencies
  #anonymousSeq = 0

  constructor(deps: VersionServiceDependencies) {
    this.#deps = deps
  }

  #identity(given: RequestIdentity | undefined): RequestIdentity {
    if (given !== undefined) return given
    return { clientId: this.#deps.anonymousClientId, seq: ++this.#anonymousSeq }
  }

  async add(
    input: { id?: string | undefined; platform: string; versionNo: string },
    identity: RequestIdentity | undefined,
  ): Promise<VersionRecord> {
    const generated = input.id === undefined
    const command: VersionCommand = {
      op: 'add',
      ...this.#identity(identity),
      id: input.id ?? this.#deps.ids.next(),
      platform: input.platform,
      versionNo: input.versionNo,
      at: this.#deps.now(),
      ...(generated ? { generated: true } : {}),
    }
    return this.#expectOk(await this.#propose(command))
  }

  async update(
    id: string,
    change: { platform?: string | undefined; versionNo?: string | undefined },
    ifRevision: number | undefined,
    identity: RequestIdentity | undefined,
  ): Promise<VersionRecord> {
    const command: VersionCommand = {
      op: 'update',
      ...this.#identity(identity),
      id,
      ...(change.platform !== undefined ? { platform: change.platform } : {}),
      ...(change.versionNo !== undefined ? { versionNo: change.versionNo } : {}),
      ...(ifRevision !== undefined ? { ifRevision } : {}),
      at: this.#deps.now(),
    }
    return this.#expectOk(await this.#propose(command))
  }

  async delete(
    id: string,
    ifRevision: number | undefined,
    identity: RequestIdentity | undefined,
  ): Promise<VersionRecord> {
    const command: VersionCommand = {
      op: 'delete',
      ...this.#identity(identity),
      id,
      ...(ifRevision !== undefined ? { ifRevision } : {}),
    }
    return this.#expectOk(await this.#propose(command))
  }

  async get(id: string, consistency: Consistency): Promise<VersionRecord | undefined> {
    if (consistency === 'stale') return this.#deps.state.getVersionStale(id)
    await this.#barrier()
    return this.#deps.state.getVersion(id)
  }

  async latest(
    platform: string,
    includePrerelease: boolean,
    consistency: Consistency,
  ): Promise<VersionRecord | undefined> {
    if (consistency === 'stale')
      return this.#deps.state.latestVersionStale(platform, includePrerelease)
    await this.#barrier()
    return this.#deps.state.latestVersion(platform, includePrerelease)
  }

  async list(
    options: {
      platform?: string | undefined
      limit: number
      after?: VersionCursor | undefined
      order: 'asc' | 'desc'
    },
    consistency: Consistency,
  ): Promise<VersionPage> {
    if (consistency === 'linearizable') await this.#barrier()
    return this.#deps.state.listVersions(options)
  }

  async platforms(consistency: Consistency): Promise<{ platform: string; versions: number }[]> {
    if (consistency === 'linearizable') await this.#barrier()
    return this.#deps.state.store.platforms()
  }

  async #barrier(): Promise<void> {
    const outcome = await this.#deps.replica.read(this.#deps.requestTimeoutMs)
    if (!outcome.ok) throw toError(outcome, this.#deps.clientUrlOf)
  }

  async #propose(command: VersionCommand): Promise<VersionResult> {
    const outcome = await this.#deps.replica.propose(
      encodeRegistryCommand({ t: 'version', command }),
      this.#deps.requestTimeoutMs,
    )
    if (!outcome.ok) throw toError(outcome, this.#deps.clientUrlOf)
    const result = outcome.result as RegistryResult
    if (result.t === 'invalid') throw new ApiError('bad_request', result.message)
    if (result.t !== 'version') throw new ApiError('internal', 'unexpected state machine result')
    return result.result
  }

  #expectOk(result: VersionResult): VersionRecord {
    if (result.ok) return result.version
    switch (result.error) {
      case 'not_found':
        throw new ApiError('not_found', result.message)
      case 'duplicate_id':
      case 'duplicate_version':
      case 'revision_mismatch':
        throw new ApiError('conflict', result.message, {
          reason: result.error,
          ...(result.current !== undefined ? { current: versionJson(result.current) } : {}),
        })
      case 'stale_request':
        throw new ApiError('conflict', result.message, { reason: 'stale_request' })
    }
  }
}
