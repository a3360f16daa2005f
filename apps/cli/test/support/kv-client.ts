import { http, kvPath, tryHttp } from './http.js'
import type { ProcessCluster } from './process-cluster.js'
import { waitFor } from './wait.js'

/**
 * A client that retries each write until it is acknowledged. Retries carry the same
 * `x-raftkit-client-id` and `x-raftkit-seq`, so a write that was applied but whose answer was
 * lost is not applied twice. `acked` keeps every acknowledged key and value, in order.
 */
export class AckedWriter {
  readonly acked = new Map<string, string>()
  readonly #cluster: ProcessCluster
  readonly #clientId: string
  #seq = 0
  #turn = 0

  constructor(cluster: ProcessCluster, clientId: string) {
    this.#cluster = cluster
    this.#clientId = clientId
  }

  /** Writes through the given nodes in turn (default: every running node), retrying failures. */
  async put(
    key: string,
    value: string,
    options: { via?: readonly string[]; timeoutMs?: number } = {},
  ): Promise<{ node: string; revision: number; attempts: number }> {
    const seq = ++this.#seq
    let attempts = 0
    const result = await waitFor(
      `an acknowledged write of ${key}`,
      async () => {
        const candidates = (options.via ?? this.#cluster.ids).filter(
          (id) => this.#cluster.node(id).state === 'running',
        )
        if (candidates.length === 0) throw new Error('no running node to write through')
        const node = candidates[this.#turn++ % candidates.length]!
        attempts++
        const reply = await tryHttp(
          this.#cluster.url(node),
          'PUT',
          kvPath(key),
          { value },
          {
            timeoutMs: 4_000,
            headers: { 'x-raftkit-client-id': this.#clientId, 'x-raftkit-seq': String(seq) },
          },
        )
        if (reply.status === 200)
          return { node, revision: (reply.json as { revision: number }).revision }
        throw new Error(
          `${node} answered ${reply.status}${'text' in reply ? ` ${reply.text}` : `: ${reply.error}`}`,
        )
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 50 },
    )
    this.acked.set(key, value)
    return { ...result, attempts }
  }

  async putMany(
    count: number,
    prefix: string,
    options: { via?: readonly string[] } = {},
  ): Promise<void> {
    for (let i = 0; i < count; i++)
      await this.put(`${prefix}${i}`, `${prefix}${i}=${i * 7}`, options)
  }

  /** The acknowledged writes whose key starts with `prefix`. */
  ackedWith(prefix: string): Map<string, string> {
    return new Map([...this.acked].filter(([key]) => key.startsWith(prefix)))
  }
}

/** Every key under `prefix` on one node, following `next` through the pages. */
export async function readAll(
  baseUrl: string,
  prefix: string,
  consistency: 'linearizable' | 'stale',
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  let after: string | undefined
  for (;;) {
    const query = new URLSearchParams({ prefix, limit: '1000', consistency })
    if (after !== undefined) query.set('after', after)
    const reply = await http(baseUrl, 'GET', `/v1/kv?${query}`, undefined, { timeoutMs: 10_000 })
    if (reply.status !== 200)
      throw new Error(`list ${prefix} on ${baseUrl}: ${reply.status} ${reply.text}`)
    const page = reply.json as {
      items: { key: string; value: string }[]
      more: boolean
      next: string | null
    }
    for (const item of page.items) out.set(item.key, item.value)
    if (!page.more || page.next === null) return out
    after = page.next
  }
}

/** The acknowledged writes that `actual` lacks or holds with another value, as readable lines. */
export function missingWrites(
  acked: ReadonlyMap<string, string>,
  actual: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = []
  for (const [key, value] of acked) {
    const found = actual.get(key)
    if (found !== value)
      problems.push(
        `${key}: acknowledged ${JSON.stringify(value)}, found ${JSON.stringify(found ?? null)}`,
      )
  }
  return problems
}
