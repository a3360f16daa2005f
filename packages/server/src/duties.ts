import type { Replica, Scheduler } from '@raftkit/replica'
import type { TcpTransport } from '@raftkit/transport'
import type { Logger } from 'pino'
import {
  encodeServerCommand,
  type NodeStateMachine,
  type ServerResult,
} from './server-state-machine.js'

export interface DutyDependencies {
  readonly selfId: string
  readonly replica: Replica<ServerResult>
  readonly state: NodeStateMachine
  readonly transport: TcpTransport
  readonly scheduler: Scheduler
  readonly logger: Logger
  readonly requestTimeoutMs: number
  readonly peerAddrOf: (id: string) => string | undefined
  readonly clientUrlOf: (id: string) => string | undefined
  readonly now: () => number
}

/** Expiry proposals per round, and rounds per tick of the expiry timer (bounded work). */
const expiryBatchMax = 64
const expiryRoundsMax = 4

/**
 * The node's background duties, each on its own timer; returns a function that stops them all.
 *
 * - every node: keep the transport's peer addresses in line with the replicated member records;
 * - the leader: record the founders' addresses in the log (members that join later know only a
 *   seed URL), expire keys whose TTL has passed, promote learners that have caught up.
 */
export function startDuties(deps: DutyDependencies): () => void {
  const { replica, state, transport, logger } = deps
  let recordingMembers = false
  let expiring = false
  let promoting = false

  function syncPeers(): void {
    const status = replica.status()
    const missing: { id: string; peerAddr: string; clientUrl: string }[] = []
    for (const id of [...status.config.voters, ...status.config.learners]) {
      const addr = deps.peerAddrOf(id)
      const clientUrl = deps.clientUrlOf(id)
      if (state.member(id) === undefined && addr !== undefined && clientUrl !== undefined) {
        missing.push({ id, peerAddr: addr, clientUrl })
      }
      if (id === deps.selfId) continue
      if (addr !== undefined && transport.peers().get(id) !== addr) transport.setPeer(id, addr)
    }
    if (status.role === 'leader' && missing.length > 0 && !recordingMembers) {
      recordingMembers = true
      void Promise.all(
        missing.map((member) =>
          replica.propose(
            encodeServerCommand({ t: 'member', member: { ...member, promote: false } }),
            deps.requestTimeoutMs,
          ),
        ),
      ).finally(() => {
        recordingMembers = false
      })
    }
  }

  async function expireKeys(): Promise<void> {
    if (expiring || state.keysWithTtl === 0 || replica.status().role !== 'leader') return
    expiring = true
    try {
      for (let round = 0; round < expiryRoundsMax; round++) {
        const due = state.dueForExpiry(deps.now(), expiryBatchMax)
        if (due.length === 0) break
        await Promise.all(
          due.map((d) =>
            replica.propose(
              encodeServerCommand({ t: 'expire', key: d.key, revision: d.revision }),
              deps.requestTimeoutMs,
            ),
          ),
        )
        if (due.length < expiryBatchMax) break
      }
    } finally {
      expiring = false
    }
  }

  async function promoteLearners(): Promise<void> {
    const status = replica.status()
    if (promoting || status.role !== 'leader' || status.config.learners.length === 0) return
    for (const learner of status.config.learners) {
      const member = state.member(learner)
      const progress = status.progress?.[learner]
      if (member?.promote !== true || progress === undefined) continue
      // Caught up: within a few entries of the leader and replicating normally.
      if (progress.state !== 'replicate' || status.lastIndex - progress.matchIndex > 8) continue
      promoting = true
      try {
        const outcome = await replica.proposeConfigChange(
          {
            voters: [...status.config.voters, learner],
            learners: status.config.learners.filter((l) => l !== learner),
          },
          deps.requestTimeoutMs,
        )
        logger.info({ learner, ok: outcome.ok }, 'promoting a caught-up learner to voter')
      } finally {
        promoting = false
      }
      return
    }
  }

  const cancels = [
    deps.scheduler.every(500, syncPeers),
    deps.scheduler.every(100, () => void expireKeys()),
    deps.scheduler.every(500, () => void promoteLearners()),
  ]
  return () => {
    for (const cancel of cancels) cancel()
  }
}
