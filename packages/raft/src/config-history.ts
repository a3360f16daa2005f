import { assert } from './assert.js'
import type { ClusterConfig, Entry, LogIndex, NodeId } from './types.js'

interface ConfigAt {
  readonly index: LogIndex
  readonly config: ClusterConfig
}

/**
 * Every configuration the log has held, by the index of the entry that introduced it, so that
 * the configuration at any index can be read. A configuration is in force as soon as its entry
 * is in the log, committed or not (§4.1), so truncating the entry reverts to the one before.
 */
export class ConfigHistory {
  #history: ConfigAt[]

  constructor(base: ClusterConfig, baseIndex: LogIndex) {
    this.#history = [{ index: baseIndex, config: base }]
  }

  /** The configuration in force now: the latest one in the log. */
  get latest(): ClusterConfig {
    return this.#history[this.#history.length - 1]!.config
  }

  /** The index of the entry that introduced the latest configuration (or the base index). */
  get latestIndex(): LogIndex {
    return this.#history[this.#history.length - 1]!.index
  }

  /** The configuration in force at `index`: the latest one introduced at or before it. */
  at(index: LogIndex): ClusterConfig {
    for (let i = this.#history.length - 1; i >= 0; i--) {
      if (this.#history[i]!.index <= index) return this.#history[i]!.config
    }
    return this.#history[0]!.config
  }

  /** Records the configuration entries among `entries` (just appended to the log). */
  appended(entries: readonly Entry[]): boolean {
    let changed = false
    for (const entry of entries) {
      if (entry.kind !== 'config') continue
      assert(
        entry.index > this.latestIndex,
        () => `config entry ${entry.index} not after ${this.latestIndex}`,
      )
      this.#history.push({ index: entry.index, config: entry.config })
      changed = true
    }
    return changed
  }

  /** Forgets configurations introduced at or after `index` (their entries were truncated). */
  truncatedFrom(index: LogIndex): boolean {
    const before = this.#history.length
    while (this.#history.length > 1 && this.#history[this.#history.length - 1]!.index >= index)
      this.#history.pop()
    return this.#history.length !== before
  }

  /** Restarts the history from a snapshot's configuration. */
  reset(base: ClusterConfig, baseIndex: LogIndex): void {
    this.#history = [{ index: baseIndex, config: base }]
  }

  /** Drops configurations superseded before `index` (compaction), keeping the one in force there. */
  compactTo(index: LogIndex): void {
    let keepFrom = 0
    for (let i = 0; i < this.#history.length; i++)
      if (this.#history[i]!.index <= index) keepFrom = i
    this.#history = this.#history.slice(keepFrom)
  }
}

export function isVoter(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id)
}

export function isMember(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.learners.includes(id)
}

export function members(config: ClusterConfig): NodeId[] {
  return [...config.voters, ...config.learners]
}

/**
 * Checks a proposed configuration against the current one: well-formed, and at most one voter
 * added or removed (the single-server rule of §4.1, which keeps any two majorities overlapping).
 * Returns an error message, or undefined when the change is allowed.
 */
export function validateConfigChange(
  current: ClusterConfig,
  next: ClusterConfig,
  unsafe: { readonly multipleVoterChanges: boolean } = { multipleVoterChanges: false },
): string | undefined {
  const voters = new Set(next.voters)
  if (voters.size !== next.voters.length) return 'a voter is listed twice'
  const learners = new Set(next.learners)
  if (learners.size !== next.learners.length) return 'a learner is listed twice'
  for (const id of learners) if (voters.has(id)) return `${id} cannot be both a voter and a learner`
  if (voters.size === 0) return 'a configuration needs at least one voter'
  for (const id of [...voters, ...learners])
    if (id.length === 0) return 'member ids must be non-empty'
  const added = next.voters.filter((id) => !current.voters.includes(id))
  const removed = current.voters.filter((id) => !voters.has(id))
  if (added.length + removed.length === 0 && sameMembers(current, next))
    return 'the configuration would not change'
  if (added.length + removed.length > 1 && !unsafe.multipleVoterChanges) {
    return `only one voter may be added or removed at a time (adding ${added.join(',') || 'none'}, removing ${removed.join(',') || 'none'})`
  }
  return undefined
}

function sameMembers(a: ClusterConfig, b: ClusterConfig): boolean {
  const same = (x: readonly NodeId[], y: readonly NodeId[]): boolean =>
    x.length === y.length && x.every((id) => y.includes(id))
  return same(a.voters, b.voters) && same(a.learners, b.learners)
}
