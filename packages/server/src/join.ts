import type { Logger } from 'pino'
import { joinProof } from './join-proof.js'

/**
 * Asks a member of a running cluster (any node: it forwards to the leader) to add this node,
 * retrying with back-off. The leader first records this node's addresses in the log, then adds
 * it as a learner; it is promoted to voter once it has caught up.
 */
export async function joinCluster(
  seedUrl: string,
  self: { id: string; peerAddr: string; clientUrl: string },
  options: {
    logger: Logger
    /** Called for each member the seed names, so this node can answer their appends at once. */
    learnPeer: (id: string, peerAddr: string) => void
    /** Sent as a Bearer token when the cluster requires API keys for administration. */
    apiKey?: string | undefined
    /** Proves this node knows the cluster's secret. */
    clusterSecret?: string | undefined
    attemptsMax?: number
  },
): Promise<void> {
  const { logger } = options
  const auth: Record<string, string> =
    options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }
  const attemptsMax = options.attemptsMax ?? 20
  for (let attempt = 1; attempt <= attemptsMax; attempt++) {
    try {
      const view = await fetch(new URL('/v1/cluster', seedUrl), {
        signal: AbortSignal.timeout(10_000),
      })
      if (view.ok) {
        const body = (await view.json()) as { members: { id: string; peerAddr: string }[] }
        for (const member of body.members)
          if (member.peerAddr !== '') options.learnPeer(member.id, member.peerAddr)
      }
      const response = await fetch(new URL('/v1/cluster/members', seedUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({
          ...self,
          learner: false,
          ...(options.clusterSecret === undefined
            ? {}
            : { proof: joinProof(options.clusterSecret, self) }),
        }),
        signal: AbortSignal.timeout(30_000),
      })
      if (response.ok || response.status === 409) {
        logger.info(
          { seed: seedUrl, status: response.status },
          'joined the cluster as a learner; promotion follows once caught up',
        )
        return
      }
      const body = await response.text()
      if (response.status === 401 || response.status === 403) {
        // Retrying will not make this node know the secret or the key.
        throw new JoinRefused(`the cluster refused to add this node (${response.status}): ${body}`)
      }
      logger.warn({ seed: seedUrl, status: response.status, body }, 'join refused; retrying')
    } catch (error) {
      if (error instanceof JoinRefused) throw error
      logger.warn({ seed: seedUrl, err: (error as Error).message }, 'join failed; retrying')
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)))
  }
  throw new Error(`could not join the cluster through ${seedUrl}`)
}

class JoinRefused extends Error {}
