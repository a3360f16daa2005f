import { describeEntry, type ClusterConfig, type Entry, type NodeId } from '@raftkit/raft'
import { assert } from './assert.js'
import { chainHash, entryHash } from './entry-hash.js'
import type { ViolationKind } from './options.js'

/** A read-only view of a node's in-memory log (RawNode.status / entries provide it). */
export interface LogView {
  /** Entries at or below this index are compacted into a snapshot. */
  readonly snapshotIndex: number
  readonly lastIndex: number
  /** Entries in [from, to), within (snapshotIndex, lastIndex]. */
  entries(from: number, to: number): readonly Entry[]
}

/** What a node holds when it starts: its stored snapshot position, log and commit index. */
export interface RecoveredLog {
  readonly snapshotIndex: number
  readonly snapshotTerm: number
  readonly entries: readonly Entry[]
  readonly commitIndex: number
}

export type ViolationReporter = (kind: ViolationKind, message: string) => void

/** Called when an index holding a configuration entry is first seen committed. */
export type ConfigCommitListener = (index: number, config: ClusterConfig) => void

/** The checker's mirror of one node. */
interface NodeTrack {
  readonly id: NodeId
  /** chain[i]: hash of the node's log prefix up to index i, as last written. */
  chain: number[]
  terms: number[]
  /** The chain is known from this index on (0, or a snapshot index the checker could place). */
  base: number
  /** False when the node's log starts at a snapshot whose prefix the checker never saw. */
  baseKnown: boolean
  lastIndex: number
  commitIndex: number
  appliedIndex: number
  /** Commit advances seen during the current step, checked against the log after it. */
  pendingCommitFrom: number
  pendingCommitTo: number
  /** The term in which the node became leader during the current step, or -1. */
  pendingLeaderTerm: number
}

const none = -1

/**
 * Raft's safety properties (Figure 3 of the paper), checked incrementally after every simulator
 * step, so that a violation is caught at the step that causes it and the check stays cheap:
 *
 * - Election Safety: at most one leader per term (from role changes).
 * - Log Matching: two logs with an entry of the same index and term are identical up to it. Each
 *   node's log is mirrored as a chain of prefix hashes, and every (index, term) ever written
 *   records the chain hash it had; only the indexes a write touched are compared.
 * - Leader Completeness: a new leader holds every entry committed so far (by any node).
 * - State Machine Safety: no two nodes apply different entries at one index, and their state
 *   machines agree after applying it; each committed entry is handed out once, in order.
 * - Commits never move back, and a committed entry never changes.
 *
 * Nodes are numbered 0..n-1 in the order they joined (`addNode` for members added later);
 * violations are reported by node id with terms and indexes. The checker also follows the
 * configuration entries as they commit: `committedConfig` is the configuration in force at the
 * highest committed configuration entry.
 */
export class SafetyChecker {
  readonly #nodes: NodeTrack[]
  readonly #report: ViolationReporter
  readonly #leaderByTerm = new Map<number, number>()
  /** Per index: flat [term, chain, node] triples, one per distinct term written there. */
  readonly #logRecords: (number[] | undefined)[] = []
  /** Per committed index: the entry's hash and term, and the first node seen committing it. */
  readonly #committedHash: number[] = []
  readonly #committedTerm: number[] = []
  readonly #committedBy: number[] = []
  #committedIndex = 0
  /** Per applied index: the entry's hash, the first node that applied it, its state digest. */
  readonly #appliedHash: number[] = []
  readonly #appliedBy: number[] = []
  readonly #appliedDigest: (string | undefined)[] = []
  #dirty: number[] = []
  #committedConfig: ClusterConfig
  #committedConfigIndex = 0
  #configChangesCommitted = 0
  readonly #onConfigCommitted: ConfigCommitListener | undefined

  constructor(
    ids: readonly NodeId[],
    report: ViolationReporter,
    options: {
      /** The bootstrap configuration (default: every id a voter). */
      readonly initialConfig?: ClusterConfig
      readonly onConfigCommitted?: ConfigCommitListener
    } = {},
  ) {
    this.#report = report
    this.#nodes = ids.map((id) => freshTrack(id))
    this.#committedConfig = options.initialConfig ?? { voters: [...ids], learners: [] }
    this.#onConfigCommitted = options.onConfigCommitted
  }

  /** Starts watching a node that joins with an empty log. Returns its index. */
  addNode(id: NodeId): number {
    this.#nodes.push(freshTrack(id))
    return this.#nodes.length - 1
  }

  /** The configuration of the highest committed configuration entry (or the bootstrap one). */
  get committedConfig(): ClusterConfig {
    return this.#committedConfig
  }

  /** How many configuration entries have been seen committed. */
  get configChangesCommitted(): number {
    return this.#configChangesCommitted
  }

  /** The highest index any node is known to have committed. */
  get committedIndex(): number {
    return this.#committedIndex
  }

  /** How many terms had a leader. */
  get leaderTerms(): number {
    return this.#leaderByTerm.size
  }

  // ------------------------------------------------------------------ election safety

  /** A node became leader of `term` (from its role-changed event). */
  leaderElected(node: number, term: number): void {
    const existing = this.#leaderByTerm.get(term)
    if (existing !== undefined && existing !== node) {
      this.#report(
        'election-safety',
        `two leaders in term ${term}: ${this.#id(existing)} and ${this.#id(node)} (§5.2: one vote per term)`,
      )
      return
    }
    this.#leaderByTerm.set(term, node)
    this.#nodes[node]!.pendingLeaderTerm = term
    this.#markDirty(node)
  }

  // ------------------------------------------------------------------ log matching

  /**
   * A node's log changed: `entries` (a Ready's entries) replace its log from their first index on.
   * Compares each touched (index, term) with what every other node ever held there.
   */
  logWritten(node: number, entries: readonly Entry[]): void {
    if (entries.length === 0) return
    const track = this.#nodes[node]!
    const first = entries[0]!.index
    if (first > track.lastIndex + 1) {
      this.#report(
        'log-matching',
        `${track.id} wrote entries from index ${first} but its log ends at ${track.lastIndex}: a gap`,
      )
      return
    }
    if (first <= track.base) {
      // Entries inside a snapshot the node already holds cannot change anything it stores.
      return
    }
    // One report per write: every later index of a diverged log would repeat it.
    let diverged = false
    for (const entry of entries) diverged = this.#extend(node, track, entry, diverged) || diverged
    track.lastIndex = entries[entries.length - 1]!.index
    track.chain.length = track.lastIndex + 1
    track.terms.length = track.lastIndex + 1
  }

  /** Extends the node's mirror by one entry; returns true if it diverges from a record. */
  #extend(node: number, track: NodeTrack, entry: Entry, quiet: boolean): boolean {
    const index = entry.index
    const chain = chainHash(track.chain[index - 1]!, entryHash(entry))
    track.chain[index] = chain
    track.terms[index] = entry.term
    if (!track.baseKnown) return false
    const records = this.#logRecords[index]
    if (records === undefined) {
      this.#logRecords[index] = [entry.term, chain, node]
      return false
    }
    for (let i = 0; i < records.length; i += 3) {
      if (records[i] !== entry.term) continue
      if (records[i + 1] === chain) return false
      if (!quiet) this.#reportDivergence(node, entry, records[i + 2]!)
      return true
    }
    records.push(entry.term, chain, node)
    return false
  }

  #reportDivergence(node: number, entry: Entry, other: number): void {
    const mine = this.#nodes[node]!
    const theirs = this.#nodes[other]!
    let where = ''
    const top = Math.min(entry.index, theirs.lastIndex)
    if (theirs.terms[entry.index] === entry.term) {
      // Find the first index at which the two mirrored logs differ, for the report.
      for (let i = Math.max(mine.base, theirs.base) + 1; i <= top; i++) {
        if (mine.chain[i] !== theirs.chain[i]) {
          where = `; they first differ at index ${i} (${mine.id} has term ${mine.terms[i]}, ${theirs.id} has term ${theirs.terms[i]})`
          break
        }
      }
    }
    this.#report(
      'log-matching',
      `${mine.id} and ${theirs.id} both hold an entry at index ${entry.index} with term ` +
        `${entry.term}, but their logs up to it are not identical (§5.3)${where}`,
    )
  }

  // ------------------------------------------------------------------ commits

  /** A node's commit index moved from `from` to `to` (from its committed event). */
  commitAdvanced(node: number, from: number, to: number): void {
    const track = this.#nodes[node]!
    if (to <= from || from < track.commitIndex) {
      this.#report(
        'commit-regression',
        `${track.id}: commit index moved back, from ${Math.max(from, track.commitIndex)} to ${to}`,
      )
      return
    }
    if (track.pendingCommitFrom === none) track.pendingCommitFrom = track.commitIndex
    track.pendingCommitTo = to
    track.commitIndex = to
    this.#markDirty(node)
  }

  // ------------------------------------------------------------------ state machine

  /**
   * A node handed `entry` to its state machine; `digest` is the state machine's fingerprint after
   * applying it (undefined for entries that do not touch the state machine).
   */
  entryApplied(node: number, entry: Entry, digest: string | undefined): void {
    const track = this.#nodes[node]!
    const index = entry.index
    if (index !== track.appliedIndex + 1) {
      this.#report(
        'state-machine-safety',
        `${track.id} applied index ${index} right after ${track.appliedIndex}: committed entries ` +
          `must be applied exactly once, in order`,
      )
      track.appliedIndex = Math.max(track.appliedIndex, index)
      return
    }
    track.appliedIndex = index
    if (index > track.commitIndex) {
      this.#report(
        'state-machine-safety',
        `${track.id} applied index ${index} beyond its commit index ${track.commitIndex}`,
      )
    }
    const hash = entryHash(entry)
    const recorded = this.#appliedHash[index]
    if (recorded === undefined) {
      this.#appliedHash[index] = hash
      this.#appliedBy[index] = node
      this.#appliedDigest[index] = digest
      return
    }
    const other = this.#id(this.#appliedBy[index]!)
    if (recorded !== hash) {
      this.#report(
        'state-machine-safety',
        `${track.id} applied ${describeEntry(entry)} at index ${index}, but ${other} applied a ` +
          `different entry there (§5.4.3)`,
      )
      return
    }
    const recordedDigest = this.#appliedDigest[index]
    if (digest !== undefined && recordedDigest !== undefined && digest !== recordedDigest) {
      this.#report(
        'state-machine-safety',
        `the state machines of ${track.id} and ${other} differ after applying index ${index} ` +
          `(digest ${digest} vs ${recordedDigest}): the state machine is not deterministic`,
      )
    } else if (recordedDigest === undefined) {
      this.#appliedDigest[index] = digest
    }
  }

  /** A node's state machine was replaced by a snapshot taken at `index`. */
  snapshotApplied(node: number, index: number, digest: string): void {
    const track = this.#nodes[node]!
    track.appliedIndex = index
    const recorded = this.#appliedDigest[index]
    if (recorded !== undefined && recorded !== digest) {
      this.#report(
        'state-machine-safety',
        `${track.id} restored a snapshot at index ${index} whose state (digest ${digest}) differs ` +
          `from what ${this.#id(this.#appliedBy[index]!)} had there (${recorded})`,
      )
    }
  }

  /** A node's log now starts at a snapshot it installed from the leader. */
  snapshotInstalled(node: number, index: number, term: number, commitIndex: number): void {
    const track = this.#nodes[node]!
    this.#placeBase(track, index, term)
    track.lastIndex = index
    track.commitIndex = Math.max(track.commitIndex, commitIndex)
  }

  // ------------------------------------------------------------------ crash and restart

  /** A node stopped: checks pending for it are moot (its volatile state is gone). */
  nodeCrashed(node: number): void {
    const track = this.#nodes[node]!
    track.pendingCommitFrom = none
    track.pendingCommitTo = none
    track.pendingLeaderTerm = none
  }

  /** The last index the node handed to its state machine. */
  appliedIndex(node: number): number {
    return this.#nodes[node]!.appliedIndex
  }

  /** A node (re)started from stable storage. */
  nodeRestarted(node: number, recovered: RecoveredLog): void {
    const track = this.#nodes[node]!
    this.#placeBase(track, recovered.snapshotIndex, recovered.snapshotTerm)
    track.lastIndex = recovered.snapshotIndex
    let diverged = false
    for (const entry of recovered.entries) {
      if (entry.index <= track.base) continue
      diverged = this.#extend(node, track, entry, diverged) || diverged
      track.lastIndex = entry.index
    }
    track.commitIndex = recovered.commitIndex
    track.appliedIndex = recovered.snapshotIndex
    track.pendingCommitFrom = none
    track.pendingCommitTo = none
    track.pendingLeaderTerm = none
  }

  #placeBase(track: NodeTrack, index: number, term: number): void {
    track.base = index
    track.chain = []
    track.terms = []
    track.terms[index] = term
    if (index === 0) {
      track.chain[0] = 0
      track.baseKnown = true
      return
    }
    // Find the chain hash some node had for (index, term); without it, stop comparing this node.
    const records = this.#logRecords[index]
    track.baseKnown = false
    if (records === undefined) return
    for (let i = 0; i < records.length; i += 3) {
      if (records[i] !== term) continue
      track.chain[index] = records[i + 1]!
      track.baseKnown = true
    }
  }

  // ------------------------------------------------------------------ per step

  /**
   * Finishes the checks of one simulator step against the nodes' real logs: entries newly
   * committed must agree with what was committed before, and a new leader must hold every
   * committed entry. `view` returns a running node's log.
   */
  afterStep(view: (node: number) => LogView | undefined): void {
    if (this.#dirty.length === 0) return
    const dirty = this.#dirty
    this.#dirty = []
    for (const node of dirty) {
      const track = this.#nodes[node]!
      const log = view(node)
      if (log === undefined) continue
      if (track.pendingCommitFrom !== none) this.#checkCommitted(node, track, log)
    }
    for (const node of dirty) {
      const track = this.#nodes[node]!
      const log = view(node)
      if (log !== undefined && track.pendingLeaderTerm !== none) this.#checkLeader(track, log)
      track.pendingLeaderTerm = none
    }
  }

  #checkCommitted(node: number, track: NodeTrack, log: LogView): void {
    const from = Math.max(track.pendingCommitFrom, log.snapshotIndex) + 1
    const to = track.pendingCommitTo
    track.pendingCommitFrom = none
    track.pendingCommitTo = none
    if (to > log.lastIndex) {
      this.#report(
        'commit-regression',
        `${track.id} committed up to ${to} but its log ends at ${log.lastIndex}`,
      )
      return
    }
    if (from > to) return
    const entries = log.entries(from, to + 1)
    for (const entry of entries) {
      const index = entry.index
      const hash = entryHash(entry)
      const recorded = this.#committedHash[index]
      if (recorded === undefined) {
        this.#committedHash[index] = hash
        this.#committedTerm[index] = entry.term
        this.#committedBy[index] = node
        if (entry.kind === 'config') this.#configCommitted(index, entry.config)
      } else if (recorded !== hash) {
        this.#report(
          'commit-regression',
          `a committed entry changed: ${track.id} committed ${describeEntry(entry)} at index ` +
            `${index}, but ${this.#id(this.#committedBy[index]!)} had committed an entry of ` +
            `term ${this.#committedTerm[index]} there`,
        )
        return
      }
    }
    if (to > this.#committedIndex) this.#committedIndex = to
  }

  #checkLeader(track: NodeTrack, log: LogView): void {
    const term = track.pendingLeaderTerm
    const committed = this.#committedIndex
    if (log.lastIndex < committed) {
      let index = log.lastIndex + 1
      while (this.#committedBy[index] === undefined && index < committed) index++
      this.#report(
        'leader-completeness',
        `${track.id} became leader of term ${term} with a log ending at ${log.lastIndex}, but ` +
          `index ${index} (term ${this.#committedTerm[index]}) was already committed by ` +
          `${this.#id(this.#committedBy[index]!)} (§5.4)`,
      )
      return
    }
    const from = log.snapshotIndex + 1
    if (from > committed) return
    for (const entry of log.entries(from, committed + 1)) {
      const index = entry.index
      const recorded = this.#committedHash[index]
      // An index committed only inside a snapshot has no record; the snapshot vouches for it.
      if (recorded === undefined || entryHash(entry) === recorded) continue
      this.#report(
        'leader-completeness',
        `${track.id} became leader of term ${term} holding ${describeEntry(entry)} at index ` +
          `${index}, but ${this.#id(this.#committedBy[index]!)} had committed an entry of term ` +
          `${this.#committedTerm[index]} there (§5.4)`,
      )
      return
    }
  }

  #configCommitted(index: number, config: ClusterConfig): void {
    this.#configChangesCommitted++
    if (index > this.#committedConfigIndex) {
      this.#committedConfigIndex = index
      this.#committedConfig = config
    }
    this.#onConfigCommitted?.(index, config)
  }

  #markDirty(node: number): void {
    if (!this.#dirty.includes(node)) this.#dirty.push(node)
  }

  #id(node: number): NodeId {
    const track = this.#nodes[node]
    assert(track !== undefined, () => `unknown node index ${node}`)
    return track.id
  }
}

function freshTrack(id: NodeId): NodeTrack {
  return {
    id,
    chain: [0],
    terms: [0],
    base: 0,
    baseKnown: true,
    lastIndex: 0,
    commitIndex: 0,
    appliedIndex: 0,
    pendingCommitFrom: none,
    pendingCommitTo: none,
    pendingLeaderTerm: none,
  }
}
