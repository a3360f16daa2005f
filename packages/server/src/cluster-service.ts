import type { ClusterConfig, NodeId } from '@raftkit/raft'
import type { Replica } from '@raftkit/replica'
import { ApiError } from './errors.js'
import { toError } from './kv-service.js'
import {
  encodeServerCommand,
  type ServerResult,
  type NodeStateMachine,
} from './server-state-machine.js'
import type { ClusterService, MemberView, ServiceResult } from './service-types.js'

export interface ClusterServiceDependencies {
  readonly nodeId: NodeId
  readonly replica: Replica<ServerResult>
  readonly state: NodeStateMachine
  readonly requestTimeoutMs: number
  /** Peer and client addresses known from configuration (the founding members). */
  readonly initialPeers: ReadonlyMap<NodeId, string>
  readonly initialClientUrls: ReadonlyMap<NodeId, string>
}

/** Cluster administration: the view of members, the leader, and membership changes. */
export function createClusterService(deps: ClusterServiceDependencies): ClusterService & {
  clientUrlOf(id: NodeId): string | undefined
  peerAddrOf(id: NodeId): string | undefined
} {
  const clientUrlOf = (id: NodeId): string | undefined =>
    deps.state.member(id)?.clientUrl ?? deps.initialClientUrls.get(id)
  const peerAddrOf = (id: NodeId): string | undefined =>
    deps.state.member(id)?.peerAddr ?? deps.initialPeers.get(id)

  async function changeConfig(config: ClusterConfig): Promise<ServiceResult<{ index: number }>> {
    const outcome = await deps.replica.proposeConfigChange(config, deps.requestTimeoutMs)
    if (!outcome.ok) throw toError(outcome, clientUrlOf)
    return { ok: true, value: { index: outcome.index } }
  }

  async function recordMember(member: {
    id: string
    peerAddr: string
    clientUrl: string
    promote: boolean
  }): Promise<void> {
    const outcome = await deps.replica.propose(
      encodeServerCommand({ t: 'member', member }),
      deps.requestTimeoutMs,
    )
    if (!outcome.ok) throw toError(outcome, clientUrlOf)
  }

  return {
    clientUrlOf,
    peerAddrOf,
    view() {
      const status = deps.replica.status()
      const members: MemberView[] = []
      for (const [list, voter] of [
        [status.config.voters, true],
        [status.config.learners, false],
      ] as const) {
        for (const id of list) {
          const progress = status.progress?.[id]
          const state =
            id === status.leaderId
              ? 'leader'
              : id === deps.nodeId
                ? status.role
                : progress?.recentActive === false
                  ? 'unreachable'
                  : 'follower'
          const view: MemberView = {
            id,
            peerAddr: peerAddrOf(id) ?? '',
            clientUrl: clientUrlOf(id) ?? null,
            voter,
            state: voter ? state : `learner (${state})`,
            ...(progress !== undefined ? { matchIndex: progress.matchIndex } : {}),
          }
          members.push(view)
        }
      }
      return {
        leaderId: status.leaderId ?? null,
        term: status.term,
        commitIndex: status.commitIndex,
        appliedIndex: status.appliedIndex,
        members,
      }
    },
    leader() {
      const leaderId = deps.replica.status().leaderId
      return leaderId === undefined ? undefined : { id: leaderId, clientUrl: clientUrlOf(leaderId) }
    },
    ready() {
      const status = deps.replica.status()
      return status.leaderId !== undefined && status.appliedIndex >= status.commitIndex
    },
    async addMember(member) {
      const config = deps.replica.status().config
      if (config.voters.includes(member.id) || config.learners.includes(member.id)) {
        throw new ApiError('conflict', `${member.id} is already a member`)
      }
      // Addresses first, so every node can reach the new member once the change lands.
      await recordMember({
        id: member.id,
        peerAddr: member.peerAddr,
        clientUrl: member.clientUrl,
        promote: !member.learner,
      })
      return changeConfig({ voters: [...config.voters], learners: [...config.learners, member.id] })
    },
    async removeMember(id) {
      const config = deps.replica.status().config
      if (!config.voters.includes(id) && !config.learners.includes(id))
        throw new ApiError('not_found', `${id} is not a member`)
      const result = await changeConfig({
        voters: config.voters.filter((v) => v !== id),
        learners: config.learners.filter((l) => l !== id),
      })
      return result
    },
    async transferLeadership(to) {
      const status = deps.replica.status()
      if (status.role !== 'leader')
        throw toError({ ok: false, error: 'not-leader', leaderId: status.leaderId }, clientUrlOf)
      const target = to ?? pickTransferTarget(status.config.voters, status.progress, deps.nodeId)
      if (target === undefined)
        throw new ApiError('conflict', 'no other voter is caught up enough to take over')
      const result = deps.replica.transferLeadership(target)
      if (!result.ok) {
        if (result.error === 'rejected') throw new ApiError('conflict', result.message)
        throw toError(result, clientUrlOf)
      }
      return { ok: true, value: { to: target } }
    },
  }
}

function pickTransferTarget(
  voters: readonly NodeId[],
  progress: Readonly<Record<NodeId, { matchIndex: number }>> | undefined,
  self: NodeId,
): NodeId | undefined {
  let best: NodeId | undefined
  let bestMatch = -1
  for (const voter of voters) {
    if (voter === self) continue
    const match = progress?.[voter]?.matchIndex ?? -1
    if (match > bestMatch) {
      best = voter
      bestMatch = match
    }
  }
  return best
}

export { ApiError }
