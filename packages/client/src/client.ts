import { HttpCore, type ClientOptions } from './http-core.js'
import type {
  CasResult,
  ClusterStatus,
  Consistency,
  KvItem,
  KvList,
  Version,
  VersionList,
} from './types.js'
import { Watch, type WatchOptions, type WatchTarget } from './watch.js'

const segment = (text: string): string => encodeURIComponent(text)

/**
 * The raftkit client: give it a few node URLs; it discovers the other members, sends writes to
 * the leader (and follows it when it moves), retries safely, and times out.
 *
 * ```ts
 * const client = new RaftkitClient({ endpoints: ['http://127.0.0.1:7001'] })
 * await client.versions.add({ platform: 'ios', versionNo: '1.4.0' })
 * const latest = await client.versions.latest('ios')
 * ```
 */
export class RaftkitClient {
  readonly #core: HttpCore

  constructor(options: ClientOptions) {
    this.#core = new HttpCore(options)
  }

  /** The URLs the client knows now (seeds and discovered members). */
  get endpoints(): readonly string[] {
    return this.#core.endpoints.all
  }

  get leaderUrl(): string | undefined {
    return this.#core.endpoints.leader
  }

  readonly kv = {
    put: async (key: string, value: string, options: { ttlMs?: number } = {}): Promise<KvItem> =>
      (
        await this.#core.call<KvItem>({
          method: 'PUT',
          path: `/v1/kv/${segment(key)}`,
          body: { value, ...options },
          write: true,
        })
      ).body,

    /** The key, or undefined when it is absent. */
    get: async (
      key: string,
      options: { consistency?: Consistency } = {},
    ): Promise<KvItem | undefined> => {
      const result = await this.#core.call<KvItem>({
        method: 'GET',
        path: `/v1/kv/${segment(key)}`,
        query: { consistency: options.consistency },
        accept: [404],
      })
      return result.status === 404 ? undefined : result.body
    },

    /** True if the key existed. */
    delete: async (key: string): Promise<boolean> => {
      const result = await this.#core.call({
        method: 'DELETE',
        path: `/v1/kv/${segment(key)}`,
        write: true,
        accept: [404],
      })
      return result.status !== 404
    },

    /** Sets `key` to `value` if it holds `expected` (null: only if absent). */
    cas: async (key: string, expected: string | null, value: string): Promise<CasResult> =>
      (
        await this.#core.call<CasResult>({
          method: 'POST',
          path: `/v1/kv/${segment(key)}/cas`,
          body: { expected, value },
          write: true,
          accept: [409],
        })
      ).body,

    list: async (
      options: { prefix?: string; limit?: number; after?: string; consistency?: Consistency } = {},
    ): Promise<KvList> =>
      (await this.#core.call<KvList>({ method: 'GET', path: '/v1/kv', query: { ...options } }))
        .body,
  }

  readonly versions = {
    /** Adds a version; the node makes a snowflake id unless one is given. */
    add: async (version: { platform: string; versionNo: string; id?: string }): Promise<Version> =>
      (
        await this.#core.call<Version>({
          method: 'POST',
          path: '/v1/versions',
          body: version,
          write: true,
        })
      ).body,

    get: async (
      id: string,
      options: { consistency?: Consistency } = {},
    ): Promise<Version | undefined> => {
      const result = await this.#core.call<Version>({
        method: 'GET',
        path: `/v1/versions/${segment(id)}`,
        query: { consistency: options.consistency },
        accept: [404],
      })
      return result.status === 404 ? undefined : result.body
    },

    /** Changes a version; with `ifRevision`, only if nobody changed it since (If-Match). */
    update: async (
      id: string,
      change: { platform?: string; versionNo?: string },
      options: { ifRevision?: number } = {},
    ): Promise<Version> =>
      (
        await this.#core.call<Version>({
          method: 'PUT',
          path: `/v1/versions/${segment(id)}`,
          body: change,
          write: true,
          ...(options.ifRevision !== undefined
            ? { headers: { 'if-match': `"${options.ifRevision}"` } }
            : {}),
        })
      ).body,

    /** True if it existed. */
    delete: async (id: string, options: { ifRevision?: number } = {}): Promise<boolean> => {
      const result = await this.#core.call({
        method: 'DELETE',
        path: `/v1/versions/${segment(id)}`,
        write: true,
        accept: [404],
        ...(options.ifRevision !== undefined
          ? { headers: { 'if-match': `"${options.ifRevision}"` } }
          : {}),
      })
      return result.status !== 404
    },

    /** One page, newest first (or `order: 'asc'`); pass `nextCursor` back for the next page. */
    list: async (
      options: {
        platform?: string
        limit?: number
        cursor?: string
        order?: 'asc' | 'desc'
        consistency?: Consistency
      } = {},
    ): Promise<VersionList> =>
      (
        await this.#core.call<VersionList>({
          method: 'GET',
          path: '/v1/versions',
          query: { ...options },
        })
      ).body,

    /** The highest semantic version of a platform, or undefined. */
    latest: async (
      platform: string,
      options: { includePrerelease?: boolean; consistency?: Consistency } = {},
    ): Promise<Version | undefined> => {
      const result = await this.#core.call<Version>({
        method: 'GET',
        path: `/v1/platforms/${segment(platform)}/latest`,
        query: { includePrerelease: options.includePrerelease, consistency: options.consistency },
        accept: [404],
      })
      return result.status === 404 ? undefined : result.body
    },
  }

  readonly cluster = {
    status: async (): Promise<ClusterStatus> =>
      (await this.#core.call<ClusterStatus>({ method: 'GET', path: '/v1/cluster' })).body,

    leader: async (): Promise<{ id: string; clientUrl: string | null }> =>
      (
        await this.#core.call<{ id: string; clientUrl: string | null }>({
          method: 'GET',
          path: '/v1/cluster/leader',
        })
      ).body,

    /** Adds a member (as a learner that is promoted to voter once caught up, unless `learner`). */
    join: async (member: {
      id: string
      peerAddr: string
      clientUrl: string
      learner?: boolean
    }): Promise<Record<string, unknown>> =>
      (
        await this.#core.call<Record<string, unknown>>({
          method: 'POST',
          path: '/v1/cluster/members',
          body: member,
          write: true,
        })
      ).body,

    remove: async (id: string): Promise<Record<string, unknown>> =>
      (
        await this.#core.call<Record<string, unknown>>({
          method: 'DELETE',
          path: `/v1/cluster/members/${segment(id)}`,
          write: true,
        })
      ).body,

    /** Hands leadership to `to` (or to the most caught-up voter). */
    transfer: async (to?: string): Promise<{ transferredTo: string }> =>
      (
        await this.#core.call<{ transferredTo: string }>({
          method: 'POST',
          path: '/v1/cluster/leader/transfer',
          body: to === undefined ? {} : { to },
          write: true,
        })
      ).body,
  }

  /** Every version (of a platform), newest first, page by page. */
  async *allVersions(
    options: { platform?: string; pageSize?: number } = {},
  ): AsyncGenerator<Version> {
    let cursor: string | undefined
    do {
      const page = await this.versions.list({
        ...(options.platform !== undefined ? { platform: options.platform } : {}),
        limit: options.pageSize ?? 500,
        ...(cursor !== undefined ? { cursor } : {}),
      })
      yield* page.items
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
  }

  /** Watches the versions of a platform (or all) or keys under a prefix. */
  watch(target: WatchTarget, options: WatchOptions): Watch {
    return new Watch(this.#core, target, options)
  }

  close(): void {
    this.#core.close()
  }
}
