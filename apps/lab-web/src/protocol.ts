/**
 * The Lab protocol as the page uses it: types only, from `@raftkit/lab/protocol` (the server's
 * schemas stay out of the bundle). `docs/lab-protocol.md` explains them.
 */
import type { CommandInput, CreateSessionBody as ServerCreateSessionBody, UnsafeRuleName } from '@raftkit/lab/protocol'

export type {
  Bilingual,
  ClientOpView,
  CreateSessionResponse,
  ErrorDetail,
  EventsResponse,
  LabEvent,
  LinkView,
  LogEntryView,
  MessageView,
  NetworkView,
  NodeId,
  NodeRole,
  NodeView,
  Recipe,
  RecipeEntry,
  ScenarioProgress,
  ScenarioSummary,
  ServerFrame,
  State,
  TermSpan,
  UnsafeRuleName,
  ViolationView,
} from '@raftkit/lab/protocol'

/** What the page sends: the commands' input shape (fields with defaults may be left out). */
export type Command = CommandInput
export type ClientOp = Extract<Command, { type: 'client' }>['op']
export type CreateSessionBody = ServerCreateSessionBody

/** Mirrors the server's `unsafeRuleSchema` options (kept here so zod stays out of the page). */
export const unsafeRuleNames = ['commit-old-term', 'forget-vote', 'stale-read'] as const satisfies readonly UnsafeRuleName[]
