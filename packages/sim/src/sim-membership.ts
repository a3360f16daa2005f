import type { NodeId, RawNode, Status } from '@raftkit/raft'

/** The simulator's limits on membership (TIGER_STYLE: put a limit on everything). */
export const clusterLimits = {
  /** Members (voters and learners) of one configuration, as for `--nodes`. */
  membersMax: 9,
  /** Nodes one cluster hosts over its life: every member added gets a new, never reused id. */
  nodesEverMax: 64,
  /** Member ids are short printable names. */
  idLengthMax: 32,
} as const

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/** Why `id` cannot name a member, or undefined when it can. */
export function memberIdError(id: string): string | undefined {
  if (id.length === 0 || id.length > clusterLimits.idLengthMax)
    return `a member id has 1 to ${clusterLimits.idLengthMax} characters`
  if (!idPattern.test(id))
    return `member id ${JSON.stringify(id)} must be letters, digits, '.', '_' or '-'`
  return undefined
}

/** Where the configuration entry that adds a member was appended. */
export interface AdditionEntry {
  readonly index: number
  readonly term: number
}

/**
 * Whether the entry that added a member can never commit, judged at a leader whose latest
 * configuration does not hold the member. It is lost once a leader of a later term, whose log
 * lacks it, has committed an entry of its own term: every future leader holds that entry
 * (Leader Completeness), so at the addition's index it holds the current leader's entry, or one
 * of a term at least the current leader's — never the addition, which is of an earlier term.
 */
export function additionIsLost(addition: AdditionEntry, leader: Status, raw: RawNode): boolean {
  if (leader.term <= addition.term) return false
  if (raw.termAt(leader.commitIndex) !== leader.term) return false
  return raw.termAt(addition.index) !== addition.term
}

/** The members of a configuration, voters first. */
export function membersOf(config: {
  readonly voters: readonly NodeId[]
  readonly learners: readonly NodeId[]
}): NodeId[] {
  return [...config.voters, ...config.learners]
}
