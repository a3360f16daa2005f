import type { Message } from './messages.js'
import type { ClusterConfig, LogIndex, NodeId, Role, Term } from './types.js'

/**
 * The typed event stream of one node: what it did and why, in the order it happened. Logs,
 * metrics, the simulator's trace and Raft Lab all consume it. Each event names the node and its
 * term when the event happened; `rule` names the part of the Raft paper that made it happen.
 */
export type RaftEvent =
  | {
      readonly type: 'role-changed'
      readonly node: NodeId
      readonly term: Term
      readonly from: Role
      readonly to: Role
      readonly leaderId: NodeId | undefined
      readonly rule: string
    }
  | {
      readonly type: 'term-changed'
      readonly node: NodeId
      readonly from: Term
      readonly to: Term
      readonly rule: string
    }
  | {
      readonly type: 'election-started'
      readonly node: NodeId
      readonly term: Term
      readonly preVote: boolean
      readonly transfer: boolean
      readonly rule: string
    }
  | {
      readonly type: 'vote-cast'
      readonly node: NodeId
      readonly term: Term
      readonly candidate: NodeId
      readonly granted: boolean
      readonly preVote: boolean
      readonly rule: string
    }
  | {
      readonly type: 'message-sent'
      readonly node: NodeId
      readonly term: Term
      readonly message: Message
    }
  | {
      readonly type: 'message-received'
      readonly node: NodeId
      readonly term: Term
      readonly message: Message
    }
  | {
      readonly type: 'message-dropped'
      readonly node: NodeId
      readonly term: Term
      readonly message: Message
      readonly rule: string
    }
  | {
      readonly type: 'committed'
      readonly node: NodeId
      readonly term: Term
      readonly from: LogIndex
      readonly to: LogIndex
      readonly rule: string
    }
  | {
      readonly type: 'applied'
      readonly node: NodeId
      readonly term: Term
      readonly from: LogIndex
      readonly to: LogIndex
    }
  | {
      readonly type: 'log-truncated'
      readonly node: NodeId
      readonly term: Term
      readonly fromIndex: LogIndex
      readonly rule: string
    }
  | {
      /**
       * A leader and a follower disagree about what the follower stored: the follower lacks
       * entries it acknowledged. Outside Raft's model (durable writes do not vanish), so it is
       * reported loudly; the leader re-sends the entries instead of either node stopping.
       */
      readonly type: 'entries-missing'
      readonly node: NodeId
      readonly term: Term
      readonly peer: NodeId
      /** The index the leader believed the follower held. */
      readonly expectedIndex: LogIndex
      /** The follower's last index, as it reported it. */
      readonly lastIndex: LogIndex
      readonly rule: string
    }
  | {
      readonly type: 'proposal-refused'
      readonly node: NodeId
      readonly term: Term
      readonly reason: string
      readonly leaderId: NodeId | undefined
    }
  | {
      readonly type: 'config-changed'
      readonly node: NodeId
      readonly term: Term
      readonly index: LogIndex
      readonly config: ClusterConfig
    }
  | {
      readonly type: 'snapshot-installed'
      readonly node: NodeId
      readonly term: Term
      readonly index: LogIndex
      readonly snapshotTerm: Term
    }
  | {
      readonly type: 'snapshot-taken'
      readonly node: NodeId
      readonly term: Term
      readonly index: LogIndex
    }
  | {
      readonly type: 'transfer-started' | 'transfer-aborted'
      readonly node: NodeId
      readonly term: Term
      readonly target: NodeId
      readonly reason: string
    }

export type RaftEventType = RaftEvent['type']
