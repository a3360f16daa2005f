import type { LogIndex, NodeId } from './types.js'

/** The number of votes that make a majority of `voterCount` voters. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1
}

/**
 * The highest index that a majority of voters have matched: sort matches descending and take the
 * one at position majority - 1. (§5.3: an entry is committed once stored on a majority.)
 */
export function majorityMatchIndex(
  voters: readonly NodeId[],
  matchOf: (id: NodeId) => LogIndex,
): LogIndex {
  if (voters.length === 0) return 0
  const matches = voters.map(matchOf).sort((a, b) => b - a)
  return matches[majority(voters.length) - 1]!
}

export type VoteOutcome = 'won' | 'lost' | 'pending'

/** Counts granted and refused votes among `voters`: won with a majority granted, lost once it can't be. */
export function tallyVotes(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteOutcome {
  let granted = 0
  let refused = 0
  for (const voter of voters) {
    const vote = votes.get(voter)
    if (vote === true) granted++
    else if (vote === false) refused++
  }
  const needed = majority(voters.length)
  if (granted >= needed) return 'won'
  if (refused > voters.length - needed) return 'lost'
  return 'pending'
}
