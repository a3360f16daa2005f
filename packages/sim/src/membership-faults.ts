import type { NodeId, RaftEvent } from '@raftkit/raft'
import type { PRNG } from './prng.js'
import type { SimCluster } from './sim-cluster.js'
import { clusterLimits } from './sim-membership.js'

/** How the `membership` fault changes the cluster. Probabilities per decision. */
export interface MembershipFaultOptions {
  /** Of the membership decisions, the share that are leadership transfers (the rest add or remove). */
  readonly transferProbability: number
  /** Probability that a removal picks the leader (when there is one) rather than any member. */
  readonly removeLeaderProbability: number
  /**
   * Probability that a change adds or removes two voters in one entry. The core refuses it (one
   * voter at a time, §4.1) unless the unsafe rule `two-voter-changes` is on.
   */
  readonly doubleChangeProbability: number
  /**
   * Probability that a removal goes ahead although it leaves fewer than a majority of the new
   * configuration's voters running. Mostly the schedule keeps a live majority, so the cluster
   * makes progress between faults.
   */
  readonly removeBeyondMajorityProbability: number
  /**
   * Probability that a freshly elected leader is asked for a change at once, before it has
   * committed an entry of its term. The core refuses (Ongaro's fix) unless the unsafe rule
   * `config-before-term-commit` is on.
   */
  readonly changeOnElectionProbability: number
  /**
   * Probability that a leader crashes moments after it appended a configuration entry, leaving it
   * on only some logs: the setting of the single-server membership bug.
   */
  readonly crashAfterConfigProbability: number
  /**
   * Probability that an accepted change is followed at once by a network split: the leader with
   * just enough voters of the new configuration to be a majority of it, against the rest. With
   * single-server changes every majority of the old configuration overlaps that side, so nothing
   * can go wrong; with two voters changed at once the rest can be a majority of the old one.
   */
  readonly splitAfterChangeProbability: number
  /**
   * An addition or removal refused for the moment (no leader, the leader's first commit or an
   * earlier change still pending) is tried again, as an operator would, up to this many times:
   * a little later, and as soon as a leader has committed the first entry of its term.
   */
  readonly retriesMax: number
  /** Timed retries come [min, max] ms apart. */
  readonly retryMsMin: number
  readonly retryMsMax: number
}

export const defaultMembershipFaultOptions: MembershipFaultOptions = {
  transferProbability: 0.3,
  removeLeaderProbability: 0.3,
  doubleChangeProbability: 0.3,
  removeBeyondMajorityProbability: 0.1,
  changeOnElectionProbability: 0.3,
  crashAfterConfigProbability: 0.25,
  splitAfterChangeProbability: 0.3,
  retriesMax: 8,
  retryMsMin: 20,
  retryMsMax: 120,
}

/**
 * The `membership` fault: members added (as learners; the cluster promotes them once caught up)
 * and removed at random, the leader included, and leadership transfers to random voters (a
 * lagging one is refused by the core, which is part of the test). The cluster's size stays in
 * 1..9 and drifts around the size it started with.
 *
 * It also places changes at the moments the membership rules exist for: right after an
 * election (before the leader's first commit), and a leader crash right after a configuration
 * entry was appended.
 */
export class MembershipFaults {
  readonly #cluster: SimCluster
  readonly #random: PRNG
  readonly #options: MembershipFaultOptions
  readonly #targetSize: number
  /** Whether crashes are among the faults (for the crash placed after a configuration entry). */
  readonly #crashes: boolean
  readonly #crash: (id: NodeId) => void
  readonly #split: ((side: readonly NodeId[]) => void) | undefined
  #active = false
  #attempts = 0
  /** Retries left for the change that is waiting for a leader, or 0 when none is. */
  #pendingRetries = 0
  /** Leaders whose first commit of their term is still to come (node id → term). */
  readonly #newLeaders = new Map<NodeId, number>()

  constructor(
    cluster: SimCluster,
    random: PRNG,
    crash: ((id: NodeId) => void) | undefined,
    split: ((side: readonly NodeId[]) => void) | undefined,
    options: Partial<MembershipFaultOptions> = {},
  ) {
    this.#split = split
    this.#cluster = cluster
    this.#random = random
    this.#options = { ...defaultMembershipFaultOptions, ...options }
    this.#targetSize = cluster.founders.length
    this.#crashes = crash !== undefined
    this.#crash = crash ?? (() => {})
    cluster.observe({ raftEvent: (event) => this.#onRaftEvent(event) })
  }

  /** Membership changes and transfers attempted (accepted or refused). */
  get attempts(): number {
    return this.#attempts
  }

  start(): void {
    this.#active = true
  }

  stop(): void {
    this.#active = false
  }

  /** One decision of the fault schedule. Returns whether the cluster took a change. */
  act(): boolean {
    if (this.#random.chance(this.#options.transferProbability)) return this.#transfer()
    return this.#change(this.#options.retriesMax)
  }

  /** Adds or removes a member; a refusal is retried a little later, `retries` more times. */
  #change(retries: number): boolean {
    const random = this.#random
    const config = this.#cluster.latestConfig()
    const size = config.voters.length + config.learners.length
    // Drift around the starting size: grow when smaller, shrink when larger, either when equal.
    const growth = size < this.#targetSize ? 0.75 : size > this.#targetSize ? 0.25 : 0.5
    const add = size <= 1 || (size < clusterLimits.membersMax && random.chance(growth))
    const done = add ? this.#add() : this.#remove()
    this.#pendingRetries = done ? 0 : retries
    if (!done && retries > 0) {
      const { retryMsMin, retryMsMax } = this.#options
      this.#cluster.schedule(random.intBetween(retryMsMin, retryMsMax), () => {
        if (this.#active && this.#pendingRetries === retries) this.#change(retries - 1)
      })
    }
    return done
  }

  #add(): boolean {
    const result = this.#cluster.addMember()
    return this.#record('add', result.ok ? result.id : undefined, result)
  }

  #record(
    action: 'add' | 'remove' | 'remove-two' | 'transfer',
    target: NodeId | undefined,
    result: { readonly ok: true } | { readonly ok: false; readonly error: string },
  ): boolean {
    this.#attempts++
    if (this.#cluster.tracing) {
      const error = result.ok ? undefined : result.error
      this.#cluster.trace({ type: 'membership-fault', action, target, ok: result.ok, error })
    }
    if (result.ok && action !== 'transfer') this.#maybeSplit(action === 'remove-two')
    return result.ok
  }

  /** See `splitAfterChangeProbability`. */
  #maybeSplit(double: boolean): void {
    const split = this.#split
    const random = this.#random
    // A change of two voters at once is what such a split can break, so it is split more often.
    const probability = double ? 0.9 : this.#options.splitAfterChangeProbability
    if (split === undefined || !random.chance(probability)) return
    const leader = this.#cluster.leader()
    if (leader === undefined) return
    // The leader (which may be leaving) with just a majority of the new configuration's voters.
    const voters = this.#cluster.latestConfig().voters
    const others = random.shuffled(voters.filter((id) => id !== leader))
    const needed = Math.floor(voters.length / 2) + 1 - (voters.includes(leader) ? 1 : 0)
    const side = [leader, ...others.slice(0, needed)]
    this.#cluster.schedule(random.intBetween(1, 10), () => {
      if (this.#active) split(side)
    })
  }

  #transfer(): boolean {
    const cluster = this.#cluster
    const leader = cluster.leader()
    if (leader === undefined) return false
    const voters = cluster.latestConfig().voters.filter((id) => id !== leader)
    if (voters.length === 0) return false
    const target = this.#random.pick(voters)
    return this.#record('transfer', target, cluster.transferLeadership(target))
  }

  #remove(): boolean {
    const cluster = this.#cluster
    const random = this.#random
    const config = cluster.latestConfig()
    const members = [...config.voters, ...config.learners]
    if (members.length <= 1) return false
    const leader = cluster.leader()
    const first =
      leader !== undefined && random.chance(this.#options.removeLeaderProbability)
        ? leader
        : random.pick(members)
    const removed = [first]
    if (config.voters.length > 2 && random.chance(this.#options.doubleChangeProbability)) {
      const second = config.voters.filter((id) => id !== first)
      removed.push(random.pick(second))
    }
    const voters = config.voters.filter((id) => !removed.includes(id))
    if (voters.length === 0) return false
    const live = voters.filter((id) => cluster.isUp(id)).length
    if (
      live < Math.floor(voters.length / 2) + 1 &&
      !random.chance(this.#options.removeBeyondMajorityProbability)
    )
      return false
    if (removed.length === 1) return this.#record('remove', first, cluster.removeMember(first))
    const next = { voters, learners: config.learners.filter((id) => !removed.includes(id)) }
    return this.#record('remove-two', removed.join('+'), cluster.changeMembership(next))
  }

  #onRaftEvent(event: RaftEvent): void {
    if (!this.#active) return
    const random = this.#random
    if (event.type === 'committed' && this.#newLeaders.get(event.node) === event.term) {
      this.#newLeaders.delete(event.node)
      const retries = this.#pendingRetries
      if (retries === 0) return
      // A leader that can take a change at last: try the waiting one now.
      this.#cluster.schedule(random.intBetween(0, 5), () => {
        if (this.#active && this.#pendingRetries === retries) this.#change(retries - 1)
      })
    } else if (event.type === 'role-changed' && event.to === 'leader') {
      this.#newLeaders.set(event.node, event.term)
      if (!random.chance(this.#options.changeOnElectionProbability)) return
      // Before the new leader's no-op can have committed (a round trip takes at least 2 ms).
      this.#cluster.schedule(random.intBetween(0, 1), () => {
        if (this.#active && this.#cluster.leader() === event.node) this.act()
      })
    } else if (event.type === 'config-changed' && this.#crashes) {
      if (this.#cluster.leader() !== event.node) return
      if (!random.chance(this.#options.crashAfterConfigProbability)) return
      // Past the leader's disk write, while the entry is on its way to some followers only.
      this.#cluster.schedule(random.intBetween(3, 8), () => {
        if (this.#active && this.#cluster.isUp(event.node)) this.#crash(event.node)
      })
    }
  }
}
