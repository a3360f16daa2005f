import type { LogIndex, NodeId, Term } from './types.js'

/**
 * The outcome of a proposal. Expected failures are values, not exceptions: a proposal is either
 * appended here, forwarded to the known leader, or refused with a reason — never silently lost.
 * (A forwarded proposal can still be lost in the network; the caller learns the outcome by
 * seeing its command applied, and times out otherwise.)
 */
export type ProposeResult =
  | {
      readonly ok: true
      readonly outcome: 'appended'
      readonly index: LogIndex
      readonly term: Term
    }
  | { readonly ok: true; readonly outcome: 'forwarded'; readonly leaderId: NodeId }
  | { readonly ok: false; readonly error: 'not-leader'; readonly leaderId: NodeId | undefined }
  | { readonly ok: false; readonly error: 'no-leader' }
  | { readonly ok: false; readonly error: 'overloaded' }
  | { readonly ok: false; readonly error: 'transfer-in-progress'; readonly leaderId: NodeId }

export type ProposeError = Extract<ProposeResult, { ok: false }>['error']
