/**
 * The protocol types the page uses. Until `@raftkit/lab/protocol` lands on this branch they are
 * mirrored here from `docs/lab-protocol.md`; afterwards this file only re-exports them.
 */
export type NodeId = string
export type UnsafeRuleName = 'commit-old-term' | 'forget-vote' | 'stale-read'
export const unsafeRuleNames: readonly UnsafeRuleName[] = ['commit-old-term', 'forget-vote', 'stale-read']

export interface Bilingual {
  readonly en: string
  readonly zh: string
}

export type NodeRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader'

export interface LogEntryView {
  readonly index: number
  readonly term: number
  readonly kind: 'command' | 'config' | 'noop'
  readonly text: string
}

export interface NodeView {
  readonly id: NodeId
  readonly up: boolean
  readonly role: NodeRole
  readonly term: number
  readonly votedFor?: NodeId
  readonly leaderId?: NodeId
  readonly voter: boolean
  readonly member: boolean
  readonly electionElapsedMs: number
  readonly electionTimeoutMs: number
  readonly commitIndex: number
  readonly appliedIndex: number
  readonly snapshotIndex: number
  readonly lastIndex: number
  readonly log: readonly LogEntryView[]
  readonly logFrom: number
  readonly kv: Readonly<Record<string, string>>
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
  readonly deliverAt: number
  readonly summary: string
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
  readonly groups: readonly (readonly NodeId[])[] | null
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
  readonly step: number
  readonly steps: number
  readonly text: Bilingual
  readonly waiting: boolean
  readonly freePlay: boolean
}

export interface RecipeEntry {
  readonly at: { readonly time: number; readonly step: number }
  readonly command: Command
}

export interface Recipe {
  readonly version: 1
  readonly seed: number
  readonly settings: Readonly<Record<string, unknown>>
  readonly commands: readonly RecipeEntry[]
  readonly scenario?: string
}

export interface State {
  readonly id: string
  readonly kind: 'simulated' | 'live'
  readonly recipe: Recipe | null
  readonly time: number
  readonly steps: number
  readonly eventSeq: number
  readonly playing: boolean
  readonly speed: number
  readonly stopped: boolean
  readonly futureCommands: number
  readonly horizon: number
  readonly settings: Readonly<Record<string, unknown>>
  readonly nodes: readonly NodeView[]
  readonly network: NetworkView
  readonly inFlight: readonly MessageView[]
  readonly terms: readonly TermSpan[]
  readonly violations: readonly ViolationView[]
  readonly clients: readonly ClientOpView[]
  readonly workload: { readonly writesPerSecond: number; readonly keys: number }
  readonly scenario?: ScenarioProgress
  readonly faults?: boolean
}

export interface LabEvent {
  readonly seq: number
  readonly time: number
  readonly step: number
  readonly node?: NodeId
  readonly type: string
  readonly text: Bilingual
  readonly rule?: { readonly section?: string; readonly text: Bilingual }
  readonly data: Readonly<Record<string, unknown>>
}

export interface ScenarioSummary {
  readonly id: string
  readonly title: Bilingual
  readonly summary: Bilingual
  readonly steps: number
}

export type ClientOp = 'put' | 'get' | 'cas' | 'delete'

export type Command =
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step'; count?: number }
  | { type: 'speed'; factor: number }
  | { type: 'seek'; time: number }
  | { type: 'seek'; event: number }
  | { type: 'scenario'; id: string }
  | { type: 'scenarioStep'; step?: number }
  | { type: 'crash'; node: NodeId }
  | { type: 'restart'; node: NodeId }
  | { type: 'partition'; groups: NodeId[][] }
  | { type: 'cut'; from: NodeId; to: NodeId }
  | { type: 'heal' }
  | { type: 'link'; from: NodeId; to: NodeId; lossRate: number; delayMs?: number; bothWays?: boolean }
  | { type: 'timeout'; node: NodeId; electionTimeoutMs: number }
  | { type: 'campaign'; node: NodeId }
  | { type: 'addMember'; node?: NodeId }
  | { type: 'removeMember'; node: NodeId }
  | { type: 'transfer'; to: NodeId }
  | {
      type: 'client'
      op: ClientOp
      key: string
      value?: string
      expected?: string | null
      via?: NodeId
    }
  | { type: 'workload'; writesPerSecond: number; keys?: number }
  | { type: 'settings'; preVote?: boolean; checkQuorum?: boolean; unsafe?: UnsafeRuleName | null }

export interface ErrorDetail {
  readonly code: string
  readonly message: string
  readonly issues?: readonly { readonly path: string; readonly message: string }[]
}

export type ServerFrame =
  | { readonly type: 'hello'; readonly state: State; readonly protocol: 1 }
  | { readonly type: 'events'; readonly events: readonly LabEvent[] }
  | { readonly type: 'state'; readonly state: State }
  | { readonly type: 'reply'; readonly commandId: string | null; readonly ok: true }
  | {
      readonly type: 'reply'
      readonly commandId: string | null
      readonly ok: false
      readonly error: ErrorDetail
    }
  | { readonly type: 'lagging'; readonly resumeAfter: number }
  | { readonly type: 'closed'; readonly reason: string }

export interface CreateSessionBody {
  nodes?: number
  seed?: number
  electionTimeoutMs?: number
  heartbeatMs?: number
  preVote?: boolean
  checkQuorum?: boolean
  unsafe?: UnsafeRuleName | null
  snapshotEvery?: number
  scenario?: string
  recipe?: Recipe
  playing?: boolean
  speed?: number
}

export interface CreateSessionResponse {
  readonly id: string
  readonly recipe: Recipe
  readonly state: State
  readonly wsPath: string
}

export interface EventsResponse {
  readonly events: readonly LabEvent[]
  readonly next: number
  readonly firstRetained: number
  readonly last: number
}
