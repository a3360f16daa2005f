import type { NodeId, RaftEvent } from '@raftkit/raft'
import { MembershipFaults } from './membership-faults.js'
import { noLinkFaults, type LinkFaults } from './network.js'
import type { FaultKind } from './options.js'
import type { PRNG } from './prng.js'
import type { SimCluster } from './sim-cluster.js'

/** How often and how hard faults strike. Times are virtual milliseconds. */
export interface FaultOptions {
  /** Time between two fault decisions, uniformly in [min, max]. */
  readonly intervalMsMin: number
  readonly intervalMsMax: number
  /** Probability that a crash picks the leader (when there is one) rather than any node. */
  readonly crashLeaderProbability: number
  /** Probability that a crash takes down a second node at the same time. */
  readonly crashPairProbability: number
  /**
   * Probability of a crash even though it leaves fewer than a majority running. Mostly the
   * schedule keeps a majority up so the cluster makes progress between faults; sometimes not.
   */
  readonly crashBeyondMajorityProbability: number
  /** Partitions and link-fault episodes last [min, max] ms. */
  readonly episodeMsMin: number
  readonly episodeMsMax: number
  /**
   * Probability that a node that just granted its vote crashes once the vote is durable, and
   * comes back a few ms later: inside the same election, where a forgotten vote would be cast
   * again. (Fault placement at interesting moments, like FoundationDB's BUGGIFY.)
   */
  readonly crashAfterVoteProbability: number
  /**
   * Probability that a new leader crashes moments after its election, with its no-op entry and
   * recent appends only partly replicated (the opening move of the paper's Figure 8).
   */
  readonly crashNewLeaderProbability: number
  /**
   * Probability that a leader crashes right after the first commit of its term, before
   * followers learn of it: the commit must survive, whatever else the leader had in flight.
   */
  readonly crashAtFirstCommitProbability: number
}

export const defaultFaultOptions: FaultOptions = {
  intervalMsMin: 20,
  intervalMsMax: 250,
  crashLeaderProbability: 0.5,
  crashPairProbability: 0.15,
  crashBeyondMajorityProbability: 0.1,
  episodeMsMin: 50,
  episodeMsMax: 1500,
  crashAfterVoteProbability: 0.25,
  crashNewLeaderProbability: 0.4,
  crashAtFirstCommitProbability: 0.6,
}

type Action =
  'crash' | 'reboot' | 'partition' | 'drop' | 'delay' | 'duplicate' | 'reorder' | 'membership'

/**
 * A seeded schedule of faults. It decides, at random intervals, to crash nodes (the leader more
 * often, sometimes two at once), to bring them back after a downtime that is often very short
 * (a node that restarts within the same election is the one that can betray a forgotten vote),
 * to partition the network (random splits, an isolated leader, one-way cuts), and to start
 * episodes of message loss, delay spikes, duplication and reordering with random rates.
 *
 * With `membership`, members are also added and removed, and leadership transferred, at random
 * (see MembershipFaults).
 *
 * `quiesce()` ends the faulty phase: the network heals, link faults stop, membership stops
 * changing (a change already proposed may still commit) and every crashed node restarts, so that
 * liveness can be judged.
 */
export class FaultScheduler {
  #injected = 0
  readonly #cluster: SimCluster
  readonly #random: PRNG
  readonly #kinds: ReadonlySet<FaultKind>
  readonly #actions: readonly Action[]
  readonly #options: FaultOptions
  #active = false
  /** Bumped by each partition and by quiesce, so an old episode's end does not heal a newer one. */
  #partitionGeneration = 0
  readonly #episodes = new Map<Action, number>()
  /** Leaders whose first commit of their term is still to come (node id → term). */
  readonly #awaitingFirstCommit = new Map<NodeId, number>()
  #linkFaults: LinkFaults = noLinkFaults
  readonly #membership: MembershipFaults | undefined

  constructor(
    cluster: SimCluster,
    random: PRNG,
    kinds: readonly FaultKind[],
    options: Partial<FaultOptions> = {},
  ) {
    this.#cluster = cluster
    this.#random = random
    this.#kinds = new Set(kinds)
    this.#options = { ...defaultFaultOptions, ...options }
    const actions: Action[] = []
    if (this.#kinds.has('crash')) actions.push('crash', 'crash')
    else if (this.#kinds.has('restart')) actions.push('reboot')
    if (this.#kinds.has('partition')) actions.push('partition', 'partition')
    for (const kind of ['drop', 'delay', 'duplicate', 'reorder'] as const)
      if (this.#kinds.has(kind)) actions.push(kind)
    if (this.#kinds.has('membership')) {
      actions.push('membership', 'membership')
      this.#membership = new MembershipFaults(
        cluster,
        random.fork('membership'),
        this.#kinds.has('crash') ? (id) => this.#crashNode(id) : undefined,
        this.#kinds.has('partition') ? (side) => this.#isolateSide(side) : undefined,
      )
    }
    this.#actions = actions
    if (this.#kinds.has('crash') || this.#kinds.has('restart')) {
      cluster.observe({ raftEvent: (event) => this.#onRaftEvent(event) })
    }
  }

  /** Faults injected so far (each crash, restart, partition and link-fault episode counts). */
  get injected(): number {
    return this.#injected
  }

  /** Membership changes and transfers the schedule attempted (accepted or refused). */
  get membershipAttempts(): number {
    return this.#membership?.attempts ?? 0
  }

  start(): void {
    if (this.#actions.length === 0) return
    this.#active = true
    this.#membership?.start()
    this.#scheduleNext()
  }

  /** Stops injecting faults, heals the network and restarts every crashed node. */
  quiesce(): void {
    this.#active = false
    this.#membership?.stop()
    this.#partitionGeneration++
    this.#episodes.clear()
    this.#linkFaults = noLinkFaults
    this.#cluster.heal()
    this.#cluster.network.clearLinkFaults()
    this.#cluster.setLinkFaults(noLinkFaults)
    for (const id of this.#cluster.ids) if (!this.#cluster.isUp(id)) this.#cluster.restart(id)
  }

  #scheduleNext(): void {
    const { intervalMsMin, intervalMsMax } = this.#options
    this.#cluster.schedule(this.#random.intBetween(intervalMsMin, intervalMsMax), () => {
      if (!this.#active) return
      this.#inject(this.#random.pick(this.#actions))
      this.#scheduleNext()
    })
  }

  #inject(action: Action): void {
    switch (action) {
      case 'crash':
        return this.#crash()
      case 'reboot':
        return this.#reboot()
      case 'partition':
        return this.#partition()
      case 'drop':
      case 'delay':
      case 'duplicate':
      case 'reorder':
        return this.#linkEpisode(action)
      case 'membership':
        if (this.#membership!.act()) this.#injected++
        return
    }
  }

  // ------------------------------------------------------------------ crashes

  #onRaftEvent(event: RaftEvent): void {
    if (!this.#active) return
    const random = this.#random
    const { crashAfterVoteProbability, crashNewLeaderProbability } = this.#options
    if (event.type === 'vote-cast' && event.granted && !event.preVote) {
      if (!random.chance(crashAfterVoteProbability)) return
      // Past the disk write of the vote (0..3 ms), so the vote reached the candidate.
      this.#cluster.schedule(random.intBetween(4, 8), () => this.#flicker(event.node, 15))
    } else if (event.type === 'committed') {
      if (this.#awaitingFirstCommit.get(event.node) !== event.term) return
      this.#awaitingFirstCommit.delete(event.node)
      if (!random.chance(this.#options.crashAtFirstCommitProbability)) return
      this.#cluster.schedule(random.intBetween(0, 3), () => {
        if (!this.#active || !this.#cluster.isUp(event.node)) return
        this.#crashNode(event.node)
      })
    } else if (event.type === 'role-changed' && event.to === 'leader') {
      this.#awaitingFirstCommit.set(event.node, event.term)
      if (!random.chance(crashNewLeaderProbability)) return
      this.#cluster.schedule(random.intBetween(0, 30), () => {
        if (!this.#active || !this.#cluster.isUp(event.node)) return
        this.#crashNode(event.node)
      })
    }
  }

  /** Crashes a node and restarts it within `downtimeMsMax` (restart faults permitting). */
  #flicker(id: NodeId, downtimeMsMax: number): void {
    if (!this.#active || !this.#cluster.isUp(id)) return
    this.#cluster.crash(id)
    this.#injected++
    if (!this.#kinds.has('restart')) return
    this.#cluster.schedule(this.#random.intBetween(0, downtimeMsMax), () => this.#restart(id))
  }

  #crash(): void {
    const cluster = this.#cluster
    const up = cluster.ids.filter((id) => cluster.isUp(id))
    const down = cluster.ids.length - up.length
    const majority = Math.floor(cluster.ids.length / 2) + 1
    if (up.length === 0) return
    // Judged on the voters: a crash that leaves fewer than a majority of them running stalls the
    // cluster, so it is rare.
    const voters = cluster.latestConfig().voters
    const votersUp = voters.filter((id) => cluster.isUp(id)).length
    if (
      (up.length - 1 < majority || votersUp - 1 < Math.floor(voters.length / 2) + 1) &&
      !this.#random.chance(this.#options.crashBeyondMajorityProbability)
    )
      return
    const leader = cluster.leader()
    const first =
      leader !== undefined && this.#random.chance(this.#options.crashLeaderProbability)
        ? leader
        : this.#random.pick(up)
    this.#crashNode(first)
    const room = up.length - 1 - majority
    if (
      up.length > 1 &&
      (room > 0 || down > 0) &&
      this.#random.chance(this.#options.crashPairProbability)
    ) {
      this.#crashNode(this.#random.pick(up.filter((id) => id !== first)))
    }
  }

  #crashNode(id: NodeId): void {
    this.#cluster.crash(id)
    this.#injected++
    if (this.#kinds.has('restart'))
      this.#cluster.schedule(this.#downtimeMs(), () => this.#restart(id))
  }

  /** Often very short: a node back within the same election exposes a forgotten vote. */
  #downtimeMs(): number {
    const roll = this.#random.nextFloat()
    if (roll < 0.35) return this.#random.intBetween(0, 30)
    if (roll < 0.75) return this.#random.intBetween(30, 400)
    return this.#random.intBetween(400, 2500)
  }

  #restart(id: NodeId): void {
    if (!this.#active || this.#cluster.isUp(id)) return
    this.#cluster.restart(id)
    this.#injected++
  }

  /** With `restart` but not `crash`: a node goes down and comes straight back. */
  #reboot(): void {
    const up = this.#cluster.ids.filter((id) => this.#cluster.isUp(id))
    if (up.length === 0) return
    const leader = this.#cluster.leader()
    const id = leader !== undefined && this.#random.chance(0.5) ? leader : this.#random.pick(up)
    this.#cluster.crash(id)
    this.#injected++
    this.#cluster.schedule(this.#random.intBetween(0, 50), () => this.#restart(id))
  }

  // ------------------------------------------------------------------ partitions

  #partition(): void {
    const cluster = this.#cluster
    const ids = cluster.ids
    if (ids.length < 2) return
    const roll = this.#random.nextFloat()
    const leader = cluster.leader()
    if (roll < 0.35) {
      // A random split into two sides (either may hold a majority, or neither with 3 groups).
      const shuffled = this.#random.shuffled(ids)
      const cut = 1 + this.#random.nextInt(ids.length - 1)
      const groups = [shuffled.slice(0, cut)]
      if (this.#random.chance(0.2) && ids.length - cut >= 2) {
        const second = cut + 1 + this.#random.nextInt(ids.length - cut - 1)
        groups.push(shuffled.slice(cut, second))
      }
      cluster.partition(groups)
    } else if (roll < 0.6) {
      // Isolate the leader (or a random node) from everyone.
      cluster.partition([[leader ?? this.#random.pick(ids)]])
    } else if (roll < 0.8) {
      // One-way cuts between random pairs.
      cluster.heal()
      const cuts = 1 + this.#random.nextInt(ids.length)
      for (let i = 0; i < cuts; i++) {
        const from = this.#random.pick(ids)
        const to = this.#random.pick(ids.filter((id) => id !== from))
        cluster.cut(from, to)
      }
    } else {
      // The leader can still send but hears nothing (or the reverse): check-quorum's case.
      cluster.heal()
      const node = leader ?? this.#random.pick(ids)
      const inbound = this.#random.chance(0.5)
      for (const other of ids) {
        if (other === node) continue
        if (inbound) cluster.cut(other, node)
        else cluster.cut(node, other)
      }
    }
    this.#injected++
    const generation = ++this.#partitionGeneration
    this.#cluster.schedule(this.#episodeMs(), () => {
      if (this.#active && generation === this.#partitionGeneration) cluster.heal()
    })
  }

  /**
   * Cuts `side` off from every other node, for one partition episode: long enough (at least a few
   * election timeouts) for the other side to elect a leader of its own if it can.
   */
  #isolateSide(side: readonly NodeId[]): void {
    this.#cluster.partition([side])
    this.#injected++
    const generation = ++this.#partitionGeneration
    const lengthMs = this.#random.intBetween(300, Math.max(300, this.#options.episodeMsMax))
    this.#cluster.schedule(lengthMs, () => {
      if (this.#active && generation === this.#partitionGeneration) this.#cluster.heal()
    })
  }

  // ------------------------------------------------------------------ link faults

  #linkEpisode(kind: 'drop' | 'delay' | 'duplicate' | 'reorder'): void {
    const random = this.#random
    const faults: Mutable<LinkFaults> = { ...this.#linkFaults }
    switch (kind) {
      case 'drop':
        faults.dropRate = 0.02 + random.nextFloat() * 0.3
        break
      case 'delay':
        faults.delayRate = 0.02 + random.nextFloat() * 0.25
        faults.delaySpikeMsMax = random.intBetween(20, 300)
        break
      case 'duplicate':
        faults.duplicateRate = 0.02 + random.nextFloat() * 0.3
        break
      case 'reorder':
        faults.reorderJitterMsMax = random.intBetween(5, 40)
        break
    }
    this.#setLinkFaults(faults)
    this.#injected++
    const episode = (this.#episodes.get(kind) ?? 0) + 1
    this.#episodes.set(kind, episode)
    this.#cluster.schedule(this.#episodeMs(), () => {
      if (!this.#active || this.#episodes.get(kind) !== episode) return
      this.#setLinkFaults(withoutKind(this.#linkFaults, kind))
    })
  }

  #setLinkFaults(faults: LinkFaults): void {
    this.#linkFaults = faults
    this.#cluster.setLinkFaults(faults)
  }

  #episodeMs(): number {
    return this.#random.intBetween(this.#options.episodeMsMin, this.#options.episodeMsMax)
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

function withoutKind(
  faults: LinkFaults,
  kind: 'drop' | 'delay' | 'duplicate' | 'reorder',
): LinkFaults {
  const next: Mutable<LinkFaults> = { ...faults }
  switch (kind) {
    case 'drop':
      next.dropRate = 0
      break
    case 'delay':
      next.delayRate = 0
      next.delaySpikeMsMax = 0
      break
    case 'duplicate':
      next.duplicateRate = 0
      break
    case 'reorder':
      next.reorderJitterMsMax = 0
      break
  }
  return next
}
