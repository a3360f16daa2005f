import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Proof that a node asking to join knows the cluster secret: HMAC-SHA256 of what it asks for
 * (its id and both addresses), keyed with the secret, in hex. It binds the request, so a proof
 * seen on the wire cannot add a different member. Peers prove the secret again in every
 * transport handshake; this keeps a node without it out of the membership in the first place.
 */
export function joinProof(
  secret: string,
  member: { id: string; peerAddr: string; clientUrl: string },
): string {
  return createHmac('sha256', secret)
    .update(`raftkit-join\0${member.id}\0${member.peerAddr}\0${member.clientUrl}`, 'utf8')
    .digest('hex')
}

export function verifyJoinProof(
  secret: string,
  member: { id: string; peerAddr: string; clientUrl: string },
  proof: string | undefined,
): boolean {
  if (proof === undefined || !/^[0-9a-f]{64}$/.test(proof)) return false
  return timingSafeEqual(Buffer.from(joinProof(secret, member), 'hex'), Buffer.from(proof, 'hex'))
}
