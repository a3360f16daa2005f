/**
 * The nodes a client knows: the seed URLs it was given plus the members it discovered, and the
 * leader as far as it knows. Normalized to `http(s)://host:port` without a trailing slash.
 */
export class Endpoints {
  readonly #urls: string[] = []
  #leader: string | undefined
  #next = 0

  constructor(seeds: readonly string[]) {
    if (seeds.length === 0) throw new Error('give at least one node URL')
    for (const seed of seeds) this.add(seed)
  }

  add(url: string): void {
    const normalized = normalizeUrl(url)
    if (!this.#urls.includes(normalized)) this.#urls.push(normalized)
  }

  get all(): readonly string[] {
    return this.#urls
  }

  get leader(): string | undefined {
    return this.#leader
  }

  set leader(url: string | undefined) {
    this.#leader = url === undefined ? undefined : normalizeUrl(url)
    if (this.#leader !== undefined) this.add(this.#leader)
  }

  /** The node to try: the leader for writes when known, otherwise the next one in turn. */
  pick(preferLeader: boolean): string {
    if (preferLeader && this.#leader !== undefined) return this.#leader
    const url = this.#urls[this.#next % this.#urls.length]!
    return url
  }

  /** The node failed: forget it as leader and move on to the next one. */
  failed(url: string): void {
    if (this.#leader === url) this.#leader = undefined
    const at = this.#urls.indexOf(url)
    if (at >= 0 && this.#urls[this.#next % this.#urls.length] === url) this.#next = at + 1
  }
}

export function normalizeUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`node URLs are http:// or https://, not ${url}`)
  }
  return `${parsed.protocol}//${parsed.host}`
}
