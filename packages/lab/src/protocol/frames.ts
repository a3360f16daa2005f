import { z } from 'zod'
import type { LabEvent, State } from './state.js'

/** Browser → server over the session's WebSocket. */
export const clientFrameSchema = z
  .object({
    type: z.literal('command'),
    /** Echoed in the reply; the page picks it (1..64 characters). */
    commandId: z.string().min(1).max(64),
    /** Validated against `commandSchema` separately, so a bad command is answered by its id. */
    command: z.unknown(),
  })
  .strict()

export type ClientFrame = z.infer<typeof clientFrameSchema>

export interface ErrorDetail {
  readonly code: string
  readonly message: string
  /** For validation errors: which field, and what was wrong with it. */
  readonly issues?: readonly { readonly path: string; readonly message: string }[]
}

/** Server → browser. */
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
  /**
   * The socket's send buffer passed its limit, so the server stopped queueing events for this
   * client. Fetch `GET .../events?after=resumeAfter` until caught up; the stream resumes by
   * itself (with a fresh `state`) once the buffer has drained.
   */
  | { readonly type: 'lagging'; readonly resumeAfter: number }
  /** The session is gone (expired or deleted); the socket closes after this. */
  | { readonly type: 'closed'; readonly reason: string }

/** How often (real ms) the server sends batched events and state at most. */
export const frameIntervalMs = 50
