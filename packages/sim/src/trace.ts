import type { KvCommand, KvResult } from '@raftkit/kv'
import type { Message, NodeId, RaftEvent } from '@raftkit/raft'
import type { ClusterReadOutcome, ClusterTuning } from './sim-cluster.js'
import type { LinkFaults, LossReason } from './network.js'
import type { Violation } from './options.js'
import type { CrashedWrite } from './sim-node.js'

/**
 * What happened in a simulation, one record per thing, in order: the core's own events (tagged
 * with the node and virtual time), and what the simulator did around them — faults, lost
 * messages, client operations. A terminal or browser viewer renders these; nothing in the
 * simulator depends on anyone listening.
 */
export type TraceBody =
  | { readonly type: 'raft'; readonly event: RaftEvent }
  | { readonly type: 'crash'; readonly node: NodeId; readonly write: CrashedWrite }
  | { readonly type: 'restart'; readonly node: NodeId; readonly forgotVote: boolean }
  | { readonly type: 'partition'; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly type: 'cut'; readonly from: NodeId; readonly to: NodeId }
  | { readonly type: 'heal' }
  | {
      readonly type: 'link-faults'
      readonly faults: LinkFaults
      readonly link: { readonly from: NodeId; readonly to: NodeId } | undefined
    }
  | { readonly type: 'message-lost'; readonly message: Message; readonly reason: LossReason }
  | {
      readonly type: 'client-op'
      readonly client: number
      readonly node: NodeId
      readonly command: KvCommand
      /** How the node took it: appended, forwarded, or refused with a reason. */
      readonly outcome: string
    }
  | {
      readonly type: 'op-result'
      readonly client: number
      readonly seq: number
      readonly outcome: 'ok' | 'failed' | 'indeterminate'
      readonly result: KvResult | undefined
      readonly reason: string
    }
  | { readonly type: 'violation'; readonly violation: Violation }
  /** A fresh node was started to join as a learner; its entry is at `index` in the leader's log. */
  | { readonly type: 'member-added'; readonly node: NodeId; readonly index: number }
  /** A node left the cluster for good. */
  | { readonly type: 'retire'; readonly node: NodeId; readonly reason: string }
  | { readonly type: 'read-result'; readonly outcome: ClusterReadOutcome }
  /** The membership fault tried a change: what, and how the cluster answered. */
  | {
      readonly type: 'membership-fault'
      readonly action: 'add' | 'remove' | 'remove-two' | 'transfer'
      readonly target: NodeId | undefined
      readonly ok: boolean
      readonly error: string | undefined
    }
  /** Runtime settings changed: one node's election timeout, or the cluster's (`node` undefined). */
  | {
      readonly type: 'tuning'
      readonly node: NodeId | undefined
      readonly tuning:
        | ClusterTuning
        | {
            readonly electionTimeoutTicks: number
            readonly electionTimeoutTicksMax: number | undefined
          }
    }
  | { readonly type: 'phase'; readonly phase: string }

export type TraceRecord = TraceBody & {
  /** Virtual time in ms. */
  readonly time: number
  /** The simulator step that produced it. */
  readonly step: number
}

export type TraceListener = (record: TraceRecord) => void
