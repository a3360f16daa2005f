import type { Recipe } from './recipe.js'
import type { NodeId } from './settings.js'

/**
 * What the page draws. Produced by the server (simulated sessions and the live view alike);
 * plain JSON, no schema needed on the page's side.
 */

/** A text in both of the Lab's languages. */
export interface Bilingual {
  readonly en: string
  readonly zh: string
}

export type NodeRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader'

export interface LogEntryView {
  readonly index: number
  readonly term: number
  readonly kind: 'command' | 'config' | 'noop'
  /** `put k=v`, `noop`, `config voters=(n1,n2) learners=()`. */
  readonly text: string
}

export interface NodeView {
  readonly id: NodeId
  /** False while crashed. A crashed node shows what its disk holds (term, vote, log). */
  readonly up: boolean
  readonly role: NodeRole
  readonly term: number
  readonly votedFor?: NodeId
  readonly leaderId?: NodeId
  /** Whether it votes in the latest configuration it knows (false for a learner or a removed node). */
  readonly voter: boolean
  /** Whether it is in the cluster's configuration at all (a removed node stays visible). */
  readonly member: boolean
  /** Left the cluster for good (its removal committed, or its addition was lost). */
  readonly retired?: boolean
  readonly electionElapsedMs: number
  readonly electionTimeoutMs: number
  readonly commitIndex: number
  readonly appliedIndex: number
  readonly snapshotIndex: number
  readonly lastIndex: number
  /** The entries after `logFrom - 1`; in `State` at most the last 200 (the node route gives them all). */
  readonly log: readonly LogEntryView[]
  /** Index of the first entry in `log` (entries before it are in the snapshot or left out). */
  readonly logFrom: number
  readonly kv: Readonly<Record<string, string>>
  /** On a leader: how it sees each follower. */
  readonly progress?: Readonly<
    Record<NodeId, { readonly match: number; readonly next: number; readonly state: string }>
  >
}

export interface MessageView {
  readonly id: number
  readonly type: string
  readonly from: NodeId
  readonly to: NodeId
  readonly term: number
  readonly sentAt: number
  /** When it will arrive (virtual ms); an estimate (`sentAt` + the latency bound) until it does. */
  readonly deliverAt: number
  /** One line: `AppendEntries prev=3/1 commit=3 entries=[4/2 put x=1]`. */
  readonly summary: string
  /** On RequestVote and its reply: whether it is a pre-vote (§9.6). */
  readonly preVote?: boolean
  /** Set when the network lost it (it stays in the list briefly so the page can show it fall). */
  readonly dropped?: boolean
  readonly dropReason?: string
}

export interface LinkView {
  readonly from: NodeId
  readonly to: NodeId
  readonly lossRate: number
  readonly delayMs: number
}

export interface NetworkView {
  /** Partition groups, if the last network change was a partition. */
  readonly groups: readonly (readonly NodeId[])[] | null
  /** Every blocked directed link (from partitions and cuts). */
  readonly cuts: readonly { readonly from: NodeId; readonly to: NodeId }[]
  readonly links: readonly LinkView[]
}

export interface TermSpan {
  readonly term: number
  readonly leader?: NodeId
  readonly from: number
  readonly to?: number
}

export interface ViolationView {
  readonly kind: string
  readonly message: string
  readonly time: number
  readonly eventSeq: number
}

export interface ClientOpView {
  readonly id: number
  readonly op: 'put' | 'get' | 'cas' | 'delete'
  readonly key: string
  readonly value?: string
  readonly via: NodeId
  readonly status: 'pending' | 'ok' | 'failed' | 'indeterminate'
  readonly result?: string
  readonly sentAt: number
  readonly doneAt?: number
}

export interface ScenarioProgress {
  readonly id: string
  readonly title: Bilingual
  /** The step the run is at (0-based) and how many there are; past the last one is free play. */
  readonly step: number
  readonly steps: number
  readonly text: Bilingual
  /** Whether the next step waits for the user (`scenarioStep`) or starts by itself in time. */
  readonly waiting: boolean
  readonly freePlay: boolean
}

export interface State {
  readonly id: string
  readonly kind: 'simulated' | 'live'
  readonly recipe: Recipe | null
  /** Virtual ms (live: ms since the Lab started watching). */
  readonly time: number
  readonly steps: number
  /** The last event's sequence number (0: none yet). */
  readonly eventSeq: number
  readonly playing: boolean
  readonly speed: number
  /** The run ended: the safety checker stopped it at a violation. Seek back to continue. */
  readonly stopped: boolean
  /** Recorded commands after the current time (after a seek back); a new command drops them. */
  readonly futureCommands: number
  /** The furthest virtual time this run has reached (the end of the timeline). */
  readonly horizon: number
  /** The run's settings and seed, with pre-vote, check-quorum and unsafe as in force now. */
  readonly settings: Readonly<Record<string, unknown>>
  /** The rules in force now (after any `settings` command). */
  readonly rules: {
    readonly preVote: boolean
    readonly checkQuorum: boolean
    readonly unsafe: string | null
  }
  readonly nodes: readonly NodeView[]
  readonly network: NetworkView
  readonly inFlight: readonly MessageView[]
  readonly terms: readonly TermSpan[]
  readonly violations: readonly ViolationView[]
  readonly clients: readonly ClientOpView[]
  readonly workload: { readonly writesPerSecond: number; readonly keys: number }
  readonly scenario?: ScenarioProgress
  /** Live view only: whether the nodes accept fault injection. */
  readonly faults?: boolean
}

/** One thing that happened, told for a person. */
export interface LabEvent {
  /** 1, 2, 3, ... in order, per session. */
  readonly seq: number
  /** Virtual ms. */
  readonly time: number
  readonly step: number
  readonly node?: NodeId
  /** `raft.role-changed`, `raft.vote-cast`, `fault.crash`, `client.done`, `violation`, `command`, ... */
  readonly type: string
  readonly text: Bilingual
  /** The Raft rule behind it, e.g. "§5.2", with its meaning in both languages. */
  readonly rule?: { readonly section?: string; readonly text: Bilingual }
  readonly data: Readonly<Record<string, unknown>>
}

export interface ScenarioSummary {
  readonly id: string
  readonly title: Bilingual
  readonly summary: Bilingual
  readonly steps: number
}
