import { assert, unreachable } from './assert.js'
import { configError, electionTimeoutTicksMax, type RaftConfig, type RaftTuning } from './config.js'
import {
  ConfigHistory,
  isMember,
  isVoter,
  members,
  validateConfigChange,
} from './config-history.js'
import { catchUpLag } from './progress.js'
import type { RaftEvent } from './events.js'
import { RaftLog } from './log.js'
import type {
  AppendEntries,
  AppendEntriesReply,
  Heartbeat,
  HeartbeatReply,
  InstallSnapshot,
  InstallSnapshotReply,
  Message,
  Propose,
  ReadIndexReply,
  ReadIndexRequest,
  RequestVote,
  RequestVoteReply,
} from './messages.js'
import { Progress } from './progress.js'
import { majority, majorityMatchIndex, tallyVotes } from './quorum.js'
import type {
  ConfigChangeOptions,
  ConfigChangeResult,
  ReloadResult,
  TransferResult,
} from './raw-node.js'
import { ReadIndexTracker } from './read-index.js'
import type { ReadFailure, ReadState, Ready, SoftState } from './ready.js'
import type { ProposeResult } from './results.js'
import { SnapshotReceiver } from './snapshot-receiver.js'
import type { Status } from './status.js'
import {
  entryBytes,
  type ClusterConfig,
  type Entry,
  type HardState,
  type LogIndex,
  type NodeId,
  type PersistedState,
  type Role,
  type Snapshot,
  type Term,
} from './types.js'

/** Message payloads: the envelope (from, to, term) is filled in by `send`. */
type Outgoing = Message extends infer M
  ? M extends Message
    ? Omit<M, 'from' | 'term'>
    : never
  : never

/**
 * The Raft state machine (the paper's Figure 2, plus pre-vote, check-quorum, flow control,
 * snapshots, single-server membership changes, leadership transfer and ReadIndex reads).
 *
 * It is driven only by `tick`, `step` and the proposal/read/transfer calls, and only hands work
 * back through `takeReady`. Everything it does is a function of those inputs and the injected
 * random source, so a seed replays a run exactly.
 */
export class Raft {
  readonly id: NodeId
  readonly log: RaftLog
  #config: RaftConfig
  readonly #configs: ConfigHistory
  readonly #emit: ((event: RaftEvent) => void) | undefined

  #term: Term
  #vote: NodeId | undefined
  #role: Role = 'follower'
  #leaderId: NodeId | undefined
  #electionElapsed = 0
  #heartbeatElapsed = 0
  #randomizedElectionTimeout = 0
  #votes = new Map<NodeId, boolean>()
  #progress = new Map<NodeId, Progress>()
  /** Leader: followers whose replication must be (re)sent at the next Ready (batches proposals). */
  #replicationDue = false
  /** Leader: bytes appended in this term and not yet committed (bounded by maxUncommittedBytes). */
  #uncommittedBytes = 0
  #transferTarget: NodeId | undefined
  #transferElapsed = 0
  readonly #reads: ReadIndexTracker
  readonly #snapshotReceiver = new SnapshotReceiver()

  #messages: Message[] = []
  #readStates: ReadState[] = []
  #readFailures: ReadFailure[] = []
  #lastHardState: HardState
  #lastSoftState: SoftState
  #awaitingAdvance = false

  constructor(
    config: RaftConfig,
    initialConfig: ClusterConfig,
    persisted: PersistedState | undefined,
    applied: LogIndex | undefined,
  ) {
    this.id = config.id
    this.#config = config
    this.#emit = config.onEvent
    const hardState = persisted?.hardState ?? { term: 0, vote: undefined, commit: 0 }
    const snapshot = persisted?.snapshot
    this.log = new RaftLog(snapshot, persisted?.entries ?? [], hardState.commit, applied)
    this.#configs = new ConfigHistory(
      snapshot?.meta.config ?? initialConfig,
      snapshot?.meta.index ?? 0,
    )
    this.#configs.appended(this.log.slice(this.log.firstIndex(), this.log.lastIndex() + 1))
    // A torn write may have stored entries of a term whose hard state did not make it to disk.
    // Adopting that term is safe (terms only need to grow), but not with no vote: the lost hard
    // state may have held a vote in that term. A node that was the only voter of its
    // configuration votes for itself and leads at once, and its first Ready holds both the vote
    // and its no-op; were the no-op to survive without the vote, the node could vote again in
    // that term for a candidate of an overlapping configuration, and the term would have two
    // leaders. So the node counts itself as having voted (for itself) in the adopted term:
    // refusing votes is always safe.
    this.#term = Math.max(hardState.term, this.log.lastTerm())
    this.#vote = this.#term === hardState.term ? hardState.vote : this.id
    this.#reads = new ReadIndexTracker(() => config.random.nextInt(2 ** 30))
    this.#lastHardState = hardState
    this.#lastSoftState = { role: 'follower', leaderId: undefined }
    this.#resetElectionTimeout()
  }

  // ===================================================================== inputs

  tick(): void {
    if (this.#reads.size > 0) this.#expireReads()
    if (this.#role === 'leader') this.#tickLeader()
    else this.#tickElection()
  }

  #tickElection(): void {
    this.#electionElapsed++
    // Only a node that may campaign restarts its timer. A learner's keeps running, so that its
    // leader lease (§4.2.3) runs out when the leader goes quiet, and it grants votes again.
    if (this.#electionElapsed >= this.#randomizedElectionTimeout && this.#isPromotable()) {
      this.#electionElapsed = 0
      this.campaign()
    }
  }

  #tickLeader(): void {
    this.#heartbeatElapsed++
    this.#electionElapsed++
    for (const [peer, progress] of this.#progress) {
      if (progress.state !== 'snapshot') continue
      progress.snapshotIdleTicks++
      // A lost chunk (or reply) is re-sent from the offset the follower last acknowledged.
      if (progress.snapshotIdleTicks >= this.#config.heartbeatIntervalTicks * 3)
        this.#sendSnapshotChunk(peer, progress)
    }
    if (this.#transferTarget !== undefined) {
      this.#transferElapsed++
      if (this.#transferElapsed >= this.#config.electionTimeoutTicks) {
        this.#abortTransfer('the target did not take over within an election timeout')
      }
    }
    if (this.#electionElapsed >= this.#config.electionTimeoutTicks) {
      this.#electionElapsed = 0
      if (this.#config.checkQuorum && !this.#quorumActive()) {
        this.#becomeFollower(
          this.#term,
          undefined,
          'check-quorum: no word from a quorum within an election timeout (§6.2)',
        )
        return
      }
    }
    if (this.#heartbeatElapsed >= this.#config.heartbeatIntervalTicks) {
      this.#heartbeatElapsed = 0
      this.#broadcastHeartbeat(this.#reads.latestContext())
    }
  }

  step(message: Message): void {
    if (message.to !== this.id) {
      this.#drop(message, 'addressed to another node')
      return
    }
    this.#emitEvent(() => ({ type: 'message-received', node: this.id, term: this.#term, message }))
    if (message.term > this.#term) {
      if (!this.#stepHigherTerm(message)) return
    } else if (message.term < this.#term) {
      this.#stepLowerTerm(message)
      return
    }
    this.#stepCurrentTerm(message)
  }

  /** Handles a message from a higher term. Returns false if the message must go no further. */
  #stepHigherTerm(message: Message): boolean {
    if (message.type === 'RequestVote') {
      const inLease =
        this.#config.checkQuorum &&
        this.#leaderId !== undefined &&
        this.#electionElapsed < this.#config.electionTimeoutTicks
      if (inLease && !message.transfer) {
        // A follower that hears from a live leader ignores candidates: a node that was cut off
        // cannot depose a healthy leader (§4.2.3, leader lease under check-quorum).
        this.#drop(message, 'a live leader is known (leader lease, §4.2.3)')
        return false
      }
      // A pre-vote rehearses term+1 without anyone moving to it (§9.6).
      if (message.preVote) return true
    }
    if (message.type === 'RequestVoteReply' && message.preVote && message.granted) return true
    const leader =
      message.type === 'AppendEntries' ||
      message.type === 'Heartbeat' ||
      message.type === 'InstallSnapshot'
        ? message.from
        : undefined
    this.#becomeFollower(
      message.term,
      leader,
      `saw term ${message.term} from ${message.from} (§5.1)`,
    )
    return true
  }

  #stepLowerTerm(message: Message): void {
    if (
      (this.#config.checkQuorum || this.#config.preVote) &&
      (message.type === 'AppendEntries' || message.type === 'Heartbeat')
    ) {
      // A stale leader may be unable to learn of the new term any other way: with pre-vote and
      // check-quorum, nodes that heard of the new term ignore it. Tell it, so it steps down.
      this.#send({
        type: 'AppendEntriesReply',
        to: message.from,
        success: false,
        matchIndex: 0,
        rejectedIndex: 0,
        hintIndex: 0,
        hintTerm: 0,
      })
      this.#drop(message, 'stale term; replied with the current term (§5.1)')
      return
    }
    if (message.type === 'RequestVote' && message.preVote) {
      this.#send({ type: 'RequestVoteReply', to: message.from, preVote: true, granted: false })
      this.#drop(message, 'pre-vote from a lower term (§9.6)')
      return
    }
    this.#drop(message, 'stale term (§5.1)')
  }

  #stepCurrentTerm(message: Message): void {
    switch (message.type) {
      case 'RequestVote':
        return this.#onRequestVote(message)
      case 'RequestVoteReply':
        return this.#onRequestVoteReply(message)
      case 'AppendEntries':
        this.#followLeader(message.from)
        return this.#onAppendEntries(message)
      case 'Heartbeat':
        this.#followLeader(message.from)
        return this.#onHeartbeat(message)
      case 'InstallSnapshot':
        this.#followLeader(message.from)
        return this.#onInstallSnapshot(message)
      case 'AppendEntriesReply':
        return this.#onAppendEntriesReply(message)
      case 'HeartbeatReply':
        return this.#onHeartbeatReply(message)
      case 'InstallSnapshotReply':
        return this.#onInstallSnapshotReply(message)
      case 'Propose':
        return this.#onPropose(message)
      case 'TimeoutNow':
        return this.#onTimeoutNow(message)
      case 'ReadIndexRequest':
        return this.#onReadIndexRequest(message)
      case 'ReadIndexReply':
        return this.#onReadIndexReply(message)
      default:
        return unreachable(message)
    }
  }

  // ===================================================================== elections

  /** Starts an election now: a pre-vote round first when enabled (§9.6), then a real one (§5.2). */
  campaign(transfer = false): void {
    if (this.#role === 'leader' && !transfer) return
    if (!this.#isPromotable()) return
    if (this.#config.preVote && !transfer) this.#becomePreCandidate()
    else this.#becomeCandidate(transfer)
  }

  #becomePreCandidate(): void {
    const from = this.#role
    this.#role = 'pre-candidate'
    this.#leaderId = undefined
    this.#votes = new Map([[this.id, true]])
    this.#electionElapsed = 0
    this.#resetElectionTimeout()
    this.#emitRole(from, 'election timeout: rehearse the election with a pre-vote (§9.6)')
    this.#emitEvent(() => ({
      type: 'election-started',
      node: this.id,
      term: this.#term + 1,
      preVote: true,
      transfer: false,
      rule: '§9.6',
    }))
    if (tallyVotes(this.#voters(), this.#votes) === 'won') return this.#becomeCandidate(false)
    this.#requestVotes(true, false)
  }

  #becomeCandidate(transfer: boolean): void {
    const from = this.#role
    this.#setTerm(this.#term + 1, 'a candidate increments its term (§5.2)')
    this.#vote = this.id
    this.#role = 'candidate'
    this.#leaderId = undefined
    // The candidate's vote for itself counts once it is durable (see `advance`), like anyone
    // else's: a node that is a quorum on its own must not lead on a vote it could forget.
    this.#votes = new Map()
    this.#electionElapsed = 0
    this.#resetElectionTimeout()
    this.#emitRole(
      from,
      transfer ? 'told to take over by the leader (§3.10)' : 'election timeout (§5.2)',
    )
    this.#emitEvent(() => ({
      type: 'election-started',
      node: this.id,
      term: this.#term,
      preVote: false,
      transfer,
      rule: '§5.2',
    }))
    this.#requestVotes(false, transfer)
  }

  /** The candidate's own vote reached stable storage: count it (§5.2). */
  #selfVoteDurable(): void {
    this.#votes.set(this.id, true)
    const outcome = tallyVotes(this.#voters(), this.#votes)
    if (outcome === 'won') this.#becomeLeader()
  }

  #requestVotes(preVote: boolean, transfer: boolean): void {
    const term = preVote ? this.#term + 1 : this.#term
    for (const voter of this.#voters()) {
      if (voter === this.id) continue
      this.#sendWithTerm(term, {
        type: 'RequestVote',
        to: voter,
        preVote,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
        transfer,
      })
    }
  }

  /**
   * Decides whether to grant a vote (§5.2, §5.4.1). A vote is granted at most once per term (the
   * vote is persisted before the reply leaves), and only to a candidate whose log is at least as
   * up-to-date as ours, so that a new leader holds every committed entry (Leader Completeness).
   * A pre-vote is granted on the same log check for a term above ours, and changes nothing here.
   */
  #onRequestVote(message: RequestVote): void {
    const canVote =
      this.#vote === message.from ||
      (this.#vote === undefined && this.#leaderId === undefined) ||
      (message.preVote && message.term > this.#term)
    const upToDate = this.log.isUpToDate(message.lastLogIndex, message.lastLogTerm)
    const granted = canVote && upToDate
    const rule = granted
      ? message.preVote
        ? 'pre-vote granted: candidate log is up to date (§9.6)'
        : 'vote granted: first request this term and log up to date (§5.2, §5.4.1)'
      : !upToDate
        ? 'vote refused: candidate log is behind ours (§5.4.1)'
        : 'vote refused: already voted or following a leader this term (§5.2)'
    this.#emitEvent(() => ({
      type: 'vote-cast',
      node: this.id,
      term: this.#term,
      candidate: message.from,
      granted,
      preVote: message.preVote,
      rule,
    }))
    if (granted && !message.preVote) {
      this.#electionElapsed = 0
      this.#vote = message.from
    }
    // A granted pre-vote answers in the rehearsed term; every refusal answers in ours, so a
    // candidate from an older term learns it is behind.
    this.#sendWithTerm(granted && message.preVote ? message.term : this.#term, {
      type: 'RequestVoteReply',
      to: message.from,
      preVote: message.preVote,
      granted,
    })
  }

  #onRequestVoteReply(message: RequestVoteReply): void {
    const expecting =
      (this.#role === 'pre-candidate' && message.preVote) ||
      (this.#role === 'candidate' && !message.preVote)
    if (!expecting) {
      this.#drop(message, 'not campaigning for this kind of vote')
      return
    }
    this.#votes.set(message.from, message.granted)
    switch (tallyVotes(this.#voters(), this.#votes)) {
      case 'won':
        if (this.#role === 'pre-candidate') this.#becomeCandidate(false)
        else this.#becomeLeader()
        return
      case 'lost':
        this.#becomeFollower(this.#term, undefined, 'lost the election: a majority refused (§5.2)')
        return
      case 'pending':
        return
    }
  }

  #onTimeoutNow(message: Message): void {
    if (!this.#isPromotable()) {
      this.#drop(message, 'not a voter: cannot take over leadership')
      return
    }
    this.campaign(true)
  }

  #becomeFollower(term: Term, leaderId: NodeId | undefined, rule: string): void {
    const from = this.#role
    const leaderBefore = this.#leaderId
    if (term !== this.#term) this.#setTerm(term, rule)
    this.#role = 'follower'
    this.#leaderId = leaderId
    this.#electionElapsed = 0
    this.#resetElectionTimeout()
    this.#votes.clear()
    if (from === 'leader') this.#stopLeading()
    if (from !== 'follower' || leaderBefore !== leaderId) this.#emitRole(from, rule)
    this.#failFollowerReads(leaderId === undefined ? 'no-leader' : 'not-leader')
  }

  /** Called on any message from the leader of the current term (§5.2: a candidate steps down). */
  #followLeader(leaderId: NodeId): void {
    this.#electionElapsed = 0
    if (this.#role !== 'follower' || this.#leaderId !== leaderId) {
      assert(
        this.#role !== 'leader',
        () => `${this.id}: two leaders in term ${this.#term} (${leaderId} and ${this.id})`,
      )
      this.#becomeFollower(
        this.#term,
        leaderId,
        `heard from leader ${leaderId} of term ${this.#term} (§5.2)`,
      )
    }
  }

  #becomeLeader(): void {
    assert(this.#role === 'candidate', () => `${this.id} became leader from ${this.#role}`)
    const from = this.#role
    this.#role = 'leader'
    this.#leaderId = this.id
    this.#heartbeatElapsed = 0
    this.#electionElapsed = 0
    this.#uncommittedBytes = 0
    this.#transferTarget = undefined
    this.#progress = new Map()
    for (const member of members(this.#configs.latest)) this.#addProgress(member)
    for (const member of members(this.#configs.at(this.log.committed))) this.#addProgress(member)
    this.#emitRole(from, 'won the votes of a majority (§5.2)')
    // A new leader commits entries of earlier terms only by committing one of its own (§5.4.2),
    // so it appends an empty entry at once (§8).
    this.#appendOwn([{ kind: 'noop', term: this.#term, index: this.log.lastIndex() + 1 }])
  }

  #stopLeading(): void {
    this.#progress = new Map()
    this.#transferTarget = undefined
    this.#replicationDue = false
    this.#failLeaderReads()
  }

  #addProgress(member: NodeId): void {
    if (member === this.id || this.#progress.has(member)) return
    this.#progress.set(
      member,
      new Progress(
        this.log.lastIndex() + 1,
        this.#config.maxInflightMessages,
        this.#config.maxInflightBytes,
      ),
    )
  }

  /**
   * Whether this node may start elections: a voter of its latest configuration — or a node that
   * an uncommitted entry removes, for it may still be needed to commit that entry (§4.2.2: "a
   * server that is not part of its own latest configuration should still start new elections").
   * Its own vote then does not count: votes are tallied among the latest configuration's voters.
   */
  #isPromotable(): boolean {
    if (isVoter(this.#configs.latest, this.id)) return true
    return (
      this.#configs.latestIndex > this.log.committed &&
      isVoter(this.#configs.at(this.log.committed), this.id)
    )
  }

  #voters(): readonly NodeId[] {
    return this.#configs.latest.voters
  }

  #quorumActive(): boolean {
    let active = 0
    for (const voter of this.#voters()) {
      if (voter === this.id) active++
      else if (this.#progress.get(voter)?.recentActive === true) active++
    }
    for (const progress of this.#progress.values()) progress.recentActive = false
    return active >= majority(this.#voters().length)
  }

  // ===================================================================== replication (follower side)

  /**
   * The follower's half of §5.3: accept entries only if the log holds (prevLogIndex, prevLogTerm);
   * then drop any conflicting suffix, append what is new, and commit what the leader committed
   * (but no further than this message proves the logs match).
   */
  #onAppendEntries(message: AppendEntries): void {
    if (message.prevLogIndex < this.log.committed) {
      // Everything up to our commit index matches the leader already (committed entries never
      // change), so this is an old or duplicated message. Tell the leader where we are.
      this.#replyAppend(message.from, true, this.log.committed)
      return
    }
    if (!this.log.matches(message.prevLogIndex, message.prevLogTerm)) {
      this.#rejectAppend(message)
      return
    }
    const conflictAt = this.log.mergeFrom(message.entries)
    if (conflictAt !== undefined) {
      this.#configs.truncatedFrom(conflictAt)
      this.#emitEvent(() => ({
        type: 'log-truncated',
        node: this.id,
        term: this.#term,
        fromIndex: conflictAt,
        rule: 'conflicting entries are replaced by the leader’s (§5.3)',
      }))
    }
    this.#noteConfigEntries(message.entries)
    const lastNew = message.prevLogIndex + message.entries.length
    this.#commitTo(Math.min(message.leaderCommit, lastNew), 'the leader’s commit index (§5.3)')
    this.#replyAppend(message.from, true, lastNew)
  }

  #rejectAppend(message: AppendEntries): void {
    // Fast back-tracking: name the last index at or before prevLogIndex whose term is at most
    // prevLogTerm. Entries with a greater term cannot match the leader there (its terms only grow
    // along its log), so the leader can skip straight past them.
    const searchFrom = Math.min(message.prevLogIndex, this.log.lastIndex())
    const [hintIndex, hintTerm] = this.#findConflictByTerm(searchFrom, message.prevLogTerm)
    this.#send({
      type: 'AppendEntriesReply',
      to: message.from,
      success: false,
      matchIndex: 0,
      rejectedIndex: message.prevLogIndex,
      hintIndex,
      hintTerm,
    })
  }

  #replyAppend(to: NodeId, success: boolean, matchIndex: LogIndex): void {
    this.#send({
      type: 'AppendEntriesReply',
      to,
      success,
      matchIndex,
      rejectedIndex: 0,
      hintIndex: 0,
      hintTerm: 0,
    })
  }

  /** The largest index ≤ `index` whose term is ≤ `term`, with that term (0 when compacted away). */
  #findConflictByTerm(index: LogIndex, term: Term): [LogIndex, Term] {
    for (let i = index; i >= this.log.snapshotIndex; i--) {
      const t = this.log.termAt(i)
      if (t === undefined) return [i, 0]
      if (t <= term) return [i, t]
    }
    return [index, 0]
  }

  #onHeartbeat(message: Heartbeat): void {
    // The leader sends min(its commit, our match), so everything up to it is in our log — unless
    // this node lost entries it had acknowledged (a WAL cut short behind the storage model's
    // back). Then only our own log is known to match; the leader finds the gap when its next
    // probe is rejected at the match it believes in, and sends the missing entries again.
    const lastIndex = this.log.lastIndex()
    if (message.commit > lastIndex) {
      this.#emitEvent(() => ({
        type: 'entries-missing',
        node: this.id,
        term: this.#term,
        peer: message.from,
        expectedIndex: message.commit,
        lastIndex,
        rule: 'the leader believes entries are stored here that are not: storage lost acknowledged writes',
      }))
    }
    this.#commitTo(
      Math.min(message.commit, lastIndex),
      'the leader’s commit index via heartbeat (§5.3)',
    )
    this.#send({ type: 'HeartbeatReply', to: message.from, readContext: message.readContext })
  }

  #onInstallSnapshot(message: InstallSnapshot): void {
    const complete = this.#snapshotReceiver.receive(message)
    if (complete === undefined) {
      this.#send({
        type: 'InstallSnapshotReply',
        to: message.from,
        snapshotIndex: message.snapshotIndex,
        receivedBytes: this.#snapshotReceiver.receivedBytes(message),
        done: false,
      })
      return
    }
    const meta = complete.meta
    if (meta.index <= this.log.committed) {
      // Nothing new: we already hold (and committed) everything the snapshot covers.
    } else if (this.log.matches(meta.index, meta.term)) {
      this.#commitTo(meta.index, 'snapshot matches our log: commit up to it (§7)')
    } else {
      this.log.restore(complete)
      this.#configs.reset(meta.config, meta.index)
      this.#emitEvent(() => ({
        type: 'snapshot-installed',
        node: this.id,
        term: this.#term,
        index: meta.index,
        snapshotTerm: meta.term,
      }))
    }
    this.#send({
      type: 'InstallSnapshotReply',
      to: message.from,
      snapshotIndex: meta.index,
      receivedBytes: message.totalBytes,
      done: true,
    })
  }

  // ===================================================================== replication (leader side)

  #onAppendEntriesReply(message: AppendEntriesReply): void {
    const progress = this.#leaderProgress(message)
    if (progress === undefined) return
    progress.recentActive = true
    if (!message.success) {
      this.#onAppendRejected(message, progress)
      return
    }
    const wasProbing = progress.state === 'probe'
    if (progress.maybeUpdate(message.matchIndex)) {
      if (wasProbing) progress.becomeReplicate()
      else if (progress.state === 'snapshot' && progress.matchIndex >= progress.snapshotIndex)
        progress.becomeProbe()
      progress.inflights.freeLE(message.matchIndex)
      this.#maybeCommit()
      if (message.from === this.#transferTarget && progress.matchIndex === this.log.lastIndex()) {
        this.#send({ type: 'TimeoutNow', to: message.from })
      }
    } else {
      progress.inflights.freeLE(message.matchIndex)
    }
    this.#fillWindow(message.from, progress)
  }

  /** Sends appends while flow control allows and there is something new to send. */
  #fillWindow(to: NodeId, progress: Progress): void {
    while (progress.state === 'replicate' && progress.nextIndex <= this.log.lastIndex()) {
      if (!this.#sendAppend(to, progress, false)) return
    }
    if (progress.state === 'probe') this.#sendAppend(to, progress, false)
  }

  #onAppendRejected(message: AppendEntriesReply, progress: Progress): void {
    if (message.rejectedIndex === 0) {
      this.#drop(message, 'rejection carries no index (stale-term notice)')
      return
    }
    if (progress.state === 'replicate') {
      // A rejection at or below the match is from an old pipeline round: ignore it.
      if (message.rejectedIndex <= progress.matchIndex)
        return this.#drop(message, 'stale rejection')
      progress.becomeProbe()
    } else {
      // In probe state only the reply to the one outstanding probe counts.
      if (message.rejectedIndex !== progress.nextIndex - 1)
        return this.#drop(message, 'stale rejection')
      if (message.rejectedIndex <= progress.matchIndex) {
        // The follower no longer holds an entry it acknowledged: its storage lost writes. The
        // match it earned is void; commits already made stay made (they never move back), and
        // the follower is probed from its own hint and repaired like any lagging follower.
        this.#emitEvent(() => ({
          type: 'entries-missing',
          node: this.id,
          term: this.#term,
          peer: message.from,
          expectedIndex: progress.matchIndex,
          lastIndex: message.hintIndex,
          rule: 'a follower rejected an entry it had acknowledged: its storage lost writes',
        }))
        progress.matchIndex = 0
      }
      let probeAt = message.hintIndex
      if (message.hintTerm > 0)
        probeAt = this.#findConflictByTerm(message.hintIndex, message.hintTerm)[0]
      progress.nextIndex = Math.max(
        Math.min(message.rejectedIndex, probeAt + 1),
        progress.matchIndex + 1,
      )
      progress.probeSent = false
    }
    this.#sendAppend(message.from, progress, true)
  }

  #onHeartbeatReply(message: HeartbeatReply): void {
    const progress = this.#leaderProgress(message)
    if (progress === undefined) return
    progress.recentActive = true
    // A heartbeat reply un-pauses a probing follower: the probe or its reply may have been lost.
    progress.probeSent = false
    if (progress.matchIndex < this.log.lastIndex()) {
      // A follower in replicate state whose match has not moved for a whole heartbeat round has
      // likely lost appends in flight — and with a full window nothing would ever free them.
      // Fall back to probing from its match (etcd frees one inflight slot here to the same end).
      // While the match moves, the pipeline is healthy and is left alone.
      const stalled = progress.matchIndex === progress.matchAtLastHeartbeat
      progress.matchAtLastHeartbeat = progress.matchIndex
      if (progress.state === 'replicate' && stalled) progress.becomeProbe()
      if (progress.state === 'probe') this.#sendAppend(message.from, progress, true)
    }
    if (message.readContext > 0 && isVoter(this.#configs.latest, message.from)) {
      const released = this.#reads.acknowledge(message.from, message.readContext, (acks) =>
        this.#hasVoterQuorum(acks),
      )
      for (const read of released) this.#releaseRead(read.requestId, read.from, read.index)
    }
  }

  #onInstallSnapshotReply(message: InstallSnapshotReply): void {
    const progress = this.#leaderProgress(message)
    if (progress === undefined) return
    progress.recentActive = true
    if (progress.state !== 'snapshot' || message.snapshotIndex !== progress.snapshotIndex) {
      this.#drop(message, 'reply for a snapshot no longer being sent')
      return
    }
    if (message.done) {
      progress.matchIndex = Math.max(progress.matchIndex, message.snapshotIndex)
      progress.becomeProbe()
      this.#maybeCommit()
      this.#sendAppend(message.from, progress, true)
      return
    }
    progress.snapshotOffset = message.receivedBytes
    this.#sendSnapshotChunk(message.from, progress)
  }

  #leaderProgress(message: Message): Progress | undefined {
    if (this.#role !== 'leader') {
      this.#drop(message, 'reply for a leader, and this node is not one')
      return undefined
    }
    const progress = this.#progress.get(message.from)
    if (progress === undefined) this.#drop(message, 'from a node that is not a member')
    return progress
  }

  /**
   * Sends the next AppendEntries to one follower if its flow control allows: one probe at a time
   * in probe state, up to the inflight window in replicate state; a snapshot when the entries it
   * needs were compacted away. Batches up to maxEntriesPerMessage / maxBytesPerMessage.
   */
  #sendAppend(to: NodeId, progress: Progress, sendIfEmpty: boolean): boolean {
    if (progress.isPaused()) return false
    const prevLogIndex = progress.nextIndex - 1
    const prevLogTerm = this.log.termAt(prevLogIndex)
    if (prevLogTerm === undefined) {
      const snapshot = this.log.snapshot
      assert(snapshot !== undefined, () => `${this.id}: no term at ${prevLogIndex} and no snapshot`)
      progress.becomeSnapshot(snapshot.meta.index)
      this.#sendSnapshotChunk(to, progress)
      return true
    }
    const entries = this.#entriesToSend(progress.nextIndex)
    if (entries.length === 0 && !sendIfEmpty) return false
    this.#send({
      type: 'AppendEntries',
      to,
      prevLogIndex,
      prevLogTerm,
      entries,
      leaderCommit: this.log.committed,
    })
    if (progress.state === 'replicate') {
      if (entries.length > 0) {
        const last = entries[entries.length - 1]!.index
        progress.nextIndex = last + 1
        let bytes = 0
        for (const entry of entries) bytes += entryBytes(entry)
        progress.inflights.add(last, bytes)
      }
    } else {
      progress.probeSent = true
    }
    return true
  }

  #entriesToSend(from: LogIndex): Entry[] {
    const to = Math.min(this.log.lastIndex() + 1, from + this.#config.maxEntriesPerMessage)
    const entries = this.log.slice(from, to)
    let bytes = 0
    for (let i = 0; i < entries.length; i++) {
      bytes += entryBytes(entries[i]!)
      if (bytes > this.#config.maxBytesPerMessage && i > 0) return entries.slice(0, i)
    }
    return entries
  }

  #sendSnapshotChunk(to: NodeId, progress: Progress): void {
    const snapshot = this.log.snapshot
    assert(snapshot !== undefined, () => `${this.id}: snapshot state without a snapshot`)
    if (snapshot.meta.index !== progress.snapshotIndex) progress.becomeSnapshot(snapshot.meta.index)
    const offset = Math.min(progress.snapshotOffset, snapshot.data.byteLength)
    const chunk = snapshot.data.subarray(offset, offset + this.#config.snapshotChunkBytes)
    progress.snapshotIdleTicks = 0
    this.#send({
      type: 'InstallSnapshot',
      to,
      snapshotIndex: snapshot.meta.index,
      snapshotTerm: snapshot.meta.term,
      config: snapshot.meta.config,
      offset,
      totalBytes: snapshot.data.byteLength,
      chunk,
    })
  }

  #broadcastHeartbeat(readContext: number): void {
    for (const [peer, progress] of this.#progress) {
      this.#send({
        type: 'Heartbeat',
        to: peer,
        commit: Math.min(progress.matchIndex, this.log.committed),
        readContext,
      })
    }
  }

  /**
   * The leader's commit rule (§5.3, §5.4.2): the highest index stored on a majority of voters is
   * committed, but only if its entry is from the current term. Entries of earlier terms are
   * committed indirectly, never by counting replicas (Figure 8 shows why). The leader counts its
   * own log only up to what it has made durable.
   */
  #maybeCommit(): void {
    const index = majorityMatchIndex(this.#voters(), (id) =>
      id === this.id ? this.log.stable : (this.#progress.get(id)?.matchIndex ?? 0),
    )
    if (index <= this.log.committed) return
    const ownTerm = this.log.termAt(index) === this.#term
    if (!ownTerm && this.#config.unsafe.commitOldTerm !== true) return
    this.#commitTo(
      index,
      ownTerm
        ? 'stored on a majority, entry of the current term (§5.3, §5.4.2)'
        : 'UNSAFE: counted replicas of an old-term entry (the Figure 8 bug)',
    )
  }

  #commitTo(index: LogIndex, rule: string): void {
    const from = this.log.committed
    if (!this.log.commitTo(index)) return
    this.#emitEvent(() => ({
      type: 'committed',
      node: this.id,
      term: this.#term,
      from,
      to: index,
      rule,
    }))
    if (this.#role === 'leader') {
      for (let i = from + 1; i <= index; i++) {
        const entry = this.log.entryAt(i)
        if (entry !== undefined && entry.term === this.#term)
          this.#uncommittedBytes -= entryBytes(entry)
      }
      // Followers learn the new commit index with the next append (sent at the next Ready).
      this.#replicationDue = true
      this.#releaseReadsWaitingForCommit()
      this.#afterConfigCommitted()
    }
  }

  // ===================================================================== proposals

  propose(command: Uint8Array): ProposeResult {
    if (this.#role !== 'leader') return this.#proposeOnFollower([command])
    if (this.#transferTarget !== undefined) {
      this.#refuse('leadership transfer in progress', this.#transferTarget)
      return { ok: false, error: 'transfer-in-progress', leaderId: this.#transferTarget }
    }
    const bytes = command.byteLength + 24
    if (
      this.#uncommittedBytes + bytes > this.#config.maxUncommittedBytes &&
      this.#uncommittedBytes > 0
    ) {
      this.#refuse('too many uncommitted bytes', this.id)
      return { ok: false, error: 'overloaded' }
    }
    const index = this.log.lastIndex() + 1
    this.#appendOwn([{ kind: 'command', term: this.#term, index, data: command }])
    return { ok: true, outcome: 'appended', index, term: this.#term }
  }

  #proposeOnFollower(commands: readonly Uint8Array[]): ProposeResult {
    if (this.#leaderId === undefined) {
      this.#refuse('no leader is known', undefined)
      return { ok: false, error: 'no-leader' }
    }
    if (!this.#config.forwardProposals) {
      this.#refuse('not the leader', this.#leaderId)
      return { ok: false, error: 'not-leader', leaderId: this.#leaderId }
    }
    this.#send({ type: 'Propose', to: this.#leaderId, commands })
    return { ok: true, outcome: 'forwarded', leaderId: this.#leaderId }
  }

  #onPropose(message: Propose): void {
    if (this.#role !== 'leader') {
      // The sender's leader hint was stale. Pass it on once if we know better, else refuse.
      this.#drop(message, 'forwarded proposal reached a node that is not the leader')
      return
    }
    if (!isMember(this.#configs.latest, message.from)) {
      // A removed node may still run and forward its clients' writes; they must not apply, or
      // a node outside the cluster could still change it (etcd refuses removed members too).
      this.#drop(message, `forwarded proposal from ${message.from}, which is not a member`)
      return
    }
    for (const command of message.commands) {
      const result = this.propose(command)
      if (!result.ok) {
        this.#drop(message, `forwarded proposal refused: ${result.error}`)
        return
      }
    }
  }

  #appendOwn(entries: Entry[]): void {
    this.log.append(entries)
    for (const entry of entries) this.#uncommittedBytes += entryBytes(entry)
    this.#noteConfigEntries(entries)
    this.#replicationDue = true
  }

  #refuse(reason: string, leaderId: NodeId | undefined): void {
    this.#emitEvent(() => ({
      type: 'proposal-refused',
      node: this.id,
      term: this.#term,
      reason,
      leaderId,
    }))
  }

  // ===================================================================== membership

  proposeConfigChange(next: ClusterConfig, options: ConfigChangeOptions = {}): ConfigChangeResult {
    if (this.#role !== 'leader')
      return { ok: false, error: `not the leader (leader: ${this.#leaderId ?? 'unknown'})` }
    const expected = options.expectedConfigIndex
    if (expected !== undefined && expected !== this.#configs.latestIndex) {
      return {
        ok: false,
        error: `the configuration changed: the latest is the one at index ${this.#configs.latestIndex}, not ${expected}`,
      }
    }
    const unsafe = this.#config.unsafe
    if (
      this.log.termAt(this.log.committed) !== this.#term &&
      unsafe.configChangeBeforeTermCommit !== true
    ) {
      // Ongaro's fix to single-server changes: a leader must commit an entry of its own term
      // before it changes the configuration, or two changes from different terms can overlap.
      return {
        ok: false,
        error: 'the leader has not yet committed an entry of its term; retry shortly',
      }
    }
    if (this.#configs.latestIndex > this.log.committed) {
      return {
        ok: false,
        error: `a configuration change is still in progress (index ${this.#configs.latestIndex})`,
      }
    }
    if (this.#transferTarget !== undefined)
      return { ok: false, error: 'a leadership transfer is in progress' }
    const error = validateConfigChange(this.#configs.latest, next, {
      multipleVoterChanges: unsafe.multipleVoterChanges === true,
    })
    if (error !== undefined) return { ok: false, error }
    for (const voter of next.voters) {
      if (isVoter(this.#configs.latest, voter)) continue
      // A new voter joins as a learner first and is promoted once it holds (nearly) the whole
      // log, so that it does not leave the cluster unable to commit while it catches up (§4.2.1).
      const progress = this.#progress.get(voter)
      if (progress === undefined || !this.#configs.latest.learners.includes(voter))
        return { ok: false, error: `${voter} must join as a learner before it becomes a voter` }
      const lag = this.#catchUpLag(progress)
      if (lag !== undefined)
        return { ok: false, error: `learner ${voter} is not caught up (${lag}); retry once it is` }
    }
    const index = this.log.lastIndex() + 1
    const config: ClusterConfig = { voters: [...next.voters], learners: [...next.learners] }
    this.#appendOwn([{ kind: 'config', term: this.#term, index, config }])
    return { ok: true, index }
  }

  /** Adopts configuration entries as soon as they are in the log (§4.1). */
  #noteConfigEntries(entries: readonly Entry[]): void {
    const configEntries = entries.filter(
      (entry) => entry.kind === 'config' && entry.index > this.#configs.latestIndex,
    )
    if (!this.#configs.appended(configEntries)) return
    const config = this.#configs.latest
    for (const entry of configEntries) {
      this.#emitEvent(() => ({
        type: 'config-changed',
        node: this.id,
        term: this.#term,
        index: entry.index,
        config,
      }))
    }
    if (this.#role !== 'leader') return
    for (const member of members(config)) this.#addProgress(member)
    this.#pruneProgress()
  }

  /**
   * Stops replicating to nodes that are members neither of the latest configuration nor of the
   * committed one. A node that an uncommitted entry removes still gets the log and, once the
   * removal commits, one more message carrying the new commit index (this is called after each
   * Ready's replication): it learns that it is out, and does not campaign to finish the change
   * (§4.2.2). Only if that message is lost does it campaign, and pre-vote or the leader lease of
   * the remaining voters keep it from disrupting them (§4.2.3).
   */
  #pruneProgress(): void {
    const latest = this.#configs.latest
    const committed = this.#configs.at(this.log.committed)
    for (const peer of [...this.#progress.keys()])
      if (!isMember(latest, peer) && !isMember(committed, peer)) this.#progress.delete(peer)
  }

  /**
   * A leader that removed itself steps down once the change is committed (§4.2.2). Before it
   * goes, it tells the voter that holds its whole log to take over at once (TimeoutNow), so the
   * cluster does not sit out an election timeout (etcd-io/raft#83).
   */
  #afterConfigCommitted(): void {
    if (this.#configs.latestIndex > this.log.committed) return
    if (isVoter(this.#configs.latest, this.id)) return
    const successor = this.#configs.latest.voters.find(
      (voter) => this.#progress.get(voter)?.matchIndex === this.log.lastIndex(),
    )
    if (successor !== undefined) {
      this.#emitEvent(() => ({
        type: 'transfer-started',
        node: this.id,
        term: this.#term,
        target: successor,
        reason: 'removed from the configuration: hand over to a caught-up voter (§4.2.2)',
      }))
      this.#send({ type: 'TimeoutNow', to: successor })
    }
    this.#becomeFollower(
      this.#term,
      undefined,
      'removed from the configuration: step down (§4.2.2)',
    )
  }

  configAt(index: LogIndex): ClusterConfig {
    return this.#configs.at(index)
  }

  // ===================================================================== leadership transfer

  transferLeadership(target: NodeId): TransferResult {
    if (this.#role !== 'leader')
      return { ok: false, error: `not the leader (leader: ${this.#leaderId ?? 'unknown'})` }
    if (target === this.id) return { ok: false, error: 'already the leader' }
    if (!isVoter(this.#configs.latest, target))
      return { ok: false, error: `${target} is not a voter` }
    const progress = this.#progress.get(target)
    assert(progress !== undefined, () => `${this.id}: no progress for voter ${target}`)
    const lag = this.#catchUpLag(progress)
    if (lag !== undefined)
      return { ok: false, error: `${target} is not caught up (${lag}); retry once it is` }
    this.#transferTarget = target
    this.#transferElapsed = 0
    this.#emitEvent(() => ({
      type: 'transfer-started',
      node: this.id,
      term: this.#term,
      target,
      reason: 'requested',
    }))
    if (progress.matchIndex === this.log.lastIndex()) this.#send({ type: 'TimeoutNow', to: target })
    else this.#sendAppend(target, progress, false)
    return { ok: true }
  }

  /**
   * Why a member does not count as caught up, or undefined when it does: it replicates normally
   * and lacks at most one full message of entries (see `catchUpLag`).
   */
  #catchUpLag(progress: Progress): string | undefined {
    return catchUpLag(progress, this.log.lastIndex(), this.#config.maxEntriesPerMessage)
  }

  #abortTransfer(reason: string): void {
    const target = this.#transferTarget
    if (target === undefined) return
    this.#transferTarget = undefined
    this.#emitEvent(() => ({
      type: 'transfer-aborted',
      node: this.id,
      term: this.#term,
      target,
      reason,
    }))
  }

  // ===================================================================== linearizable reads

  /**
   * ReadIndex (§6.4): the leader records its commit index, confirms with a heartbeat round that
   * it is still the leader, and the read may be served once the state machine has applied up to
   * that index. A follower asks the leader for the index. `requestId` must be unique per attempt.
   */
  readIndex(requestId: number): void {
    if (this.#reads.full) {
      this.#readFailures.push({ requestId, reason: 'overloaded', leaderId: this.#leaderId })
      return
    }
    if (this.#role === 'leader') {
      this.#leaderReadIndex(requestId, this.id)
      return
    }
    if (this.#leaderId === undefined) {
      this.#readFailures.push({ requestId, reason: 'no-leader', leaderId: undefined })
      return
    }
    const wireId = this.#reads.forward(requestId)
    this.#send({ type: 'ReadIndexRequest', to: this.#leaderId, requestId: wireId })
  }

  #leaderReadIndex(requestId: number, from: NodeId): void {
    // Until it commits an entry of its term, a new leader does not know the latest commit index
    // (etcd-io/etcd#7331); the read waits for that first commit.
    const committedOwn = this.log.termAt(this.log.committed) === this.#term
    const voters = this.#voters()
    // Alone in the configuration, the leader is its own quorum. (A leader that removed itself
    // is not: its reads are confirmed by the voters of the new configuration, §4.2.2.)
    if (voters.length === 1 && voters[0] === this.id) {
      if (committedOwn) this.#releaseRead(requestId, from, this.log.committed)
      else this.#reads.waitForCommit(requestId, from)
      return
    }
    if (!committedOwn) {
      this.#reads.waitForCommit(requestId, from)
      return
    }
    const context = this.#reads.start(requestId, from, this.log.committed, this.id)
    this.#broadcastHeartbeat(context)
  }

  #releaseReadsWaitingForCommit(): void {
    if (this.log.termAt(this.log.committed) !== this.#term) return
    for (const waiting of this.#reads.takeWaitingForCommit())
      this.#leaderReadIndex(waiting.requestId, waiting.from)
  }

  #releaseRead(requestId: number, from: NodeId, index: LogIndex): void {
    if (from === this.id) this.#readStates.push({ requestId, index })
    else this.#send({ type: 'ReadIndexReply', to: from, requestId, index })
  }

  #onReadIndexRequest(message: ReadIndexRequest): void {
    if (this.#role !== 'leader' || this.#reads.full) {
      this.#send({
        type: 'ReadIndexReply',
        to: message.from,
        requestId: message.requestId,
        index: undefined,
      })
      return
    }
    this.#leaderReadIndex(message.requestId, message.from)
  }

  #onReadIndexReply(message: ReadIndexReply): void {
    const requestId = this.#reads.answered(message.requestId)
    if (requestId === undefined) {
      this.#drop(message, 'reply to a read that is no longer pending')
      return
    }
    if (message.index === undefined) {
      this.#readFailures.push({ requestId, reason: 'not-leader', leaderId: this.#leaderId })
    } else {
      this.#readStates.push({ requestId, index: message.index })
    }
  }

  /** Fails the reads that found no answer within an election timeout (their messages were lost). */
  #expireReads(): void {
    const expired = this.#reads.tick(this.#config.electionTimeoutTicks)
    for (const read of expired.leaderReads) {
      if (read.from === this.id)
        this.#readFailures.push({
          requestId: read.requestId,
          reason: 'timeout',
          leaderId: this.#leaderId,
        })
      else
        this.#send({
          type: 'ReadIndexReply',
          to: read.from,
          requestId: read.requestId,
          index: undefined,
        })
    }
    for (const requestId of expired.forwarded)
      this.#readFailures.push({ requestId, reason: 'timeout', leaderId: this.#leaderId })
  }

  /** Whether the voters among `acks` are a majority of the configuration in force now. */
  #hasVoterQuorum(acks: ReadonlySet<NodeId>): boolean {
    let count = 0
    for (const voter of this.#voters()) if (acks.has(voter)) count++
    return count >= majority(this.#voters().length)
  }

  #failLeaderReads(): void {
    for (const read of this.#reads.takeAllLeaderReads()) {
      if (read.from === this.id)
        this.#readFailures.push({
          requestId: read.requestId,
          reason: 'step-down',
          leaderId: undefined,
        })
      else
        this.#send({
          type: 'ReadIndexReply',
          to: read.from,
          requestId: read.requestId,
          index: undefined,
        })
    }
  }

  #failFollowerReads(reason: 'no-leader' | 'not-leader'): void {
    for (const requestId of this.#reads.takeForwarded()) {
      this.#readFailures.push({ requestId, reason, leaderId: this.#leaderId })
    }
  }

  // ===================================================================== snapshots

  compact(snapshot: Snapshot): void {
    this.log.compact(snapshot)
    this.#configs.compactTo(snapshot.meta.index)
    this.#emitEvent(() => ({
      type: 'snapshot-taken',
      node: this.id,
      term: this.#term,
      index: snapshot.meta.index,
    }))
  }

  // ===================================================================== Ready

  hasReady(): boolean {
    if (this.#awaitingAdvance) return false
    return (
      this.#messages.length > 0 ||
      this.#replicationDue ||
      this.log.hasUnstable() ||
      this.log.hasNextCommitted() ||
      this.#readStates.length > 0 ||
      this.#readFailures.length > 0 ||
      this.#hardStateChanged() ||
      this.#softStateChanged()
    )
  }

  takeReady(): Ready {
    assert(!this.#awaitingAdvance, () => `${this.id}: ready() called again before advance()`)
    if (this.#replicationDue && this.#role === 'leader') {
      for (const [peer, progress] of this.#progress) {
        // One append even if empty, so followers learn a new commit index (and a probing one is
        // probed); then fill the window.
        if (this.#sendAppend(peer, progress, true)) this.#fillWindow(peer, progress)
      }
      this.#pruneProgress()
    }
    this.#replicationDue = false
    const hardState = this.#hardStateChanged() ? this.#hardState() : undefined
    const softState = this.#softStateChanged()
      ? { role: this.#role, leaderId: this.#leaderId }
      : undefined
    const snapshot = this.log.pendingSnapshot
    const entries = this.log.unstableEntries()
    const committedEntries = this.log.nextCommitted(this.#config.maxCommittedEntriesPerReady)
    this.log.markHandedOut(entries, committedEntries)
    if (snapshot !== undefined) this.log.snapshotHandedOut()
    const ready: Ready = {
      softState,
      hardState,
      snapshot,
      entries,
      messages: this.#messages,
      committedEntries,
      readStates: this.#readStates,
      readFailures: this.#readFailures,
    }
    if (hardState !== undefined) this.#lastHardState = hardState
    if (softState !== undefined) this.#lastSoftState = softState
    this.#messages = []
    this.#readStates = []
    this.#readFailures = []
    this.#awaitingAdvance = true
    return ready
  }

  advance(ready: Ready): void {
    assert(this.#awaitingAdvance, () => `${this.id}: advance() without a ready()`)
    this.#awaitingAdvance = false
    const hardState = ready.hardState
    if (
      this.#role === 'candidate' &&
      hardState !== undefined &&
      hardState.term === this.#term &&
      hardState.vote === this.id &&
      !this.#votes.has(this.id)
    )
      this.#selfVoteDurable()
    if (ready.entries.length > 0) {
      this.log.stableTo(ready.entries[ready.entries.length - 1]!.index)
      // The leader counts its own copy toward a quorum only now that it is durable (etcd#14370).
      if (this.#role === 'leader') this.#maybeCommit()
    }
    const committed = ready.committedEntries
    if (committed.length > 0) {
      const from = committed[0]!.index
      const to = committed[committed.length - 1]!.index
      this.#emitEvent(() => ({ type: 'applied', node: this.id, term: this.#term, from, to }))
    }
  }

  #hardState(): HardState {
    return { term: this.#term, vote: this.#vote, commit: this.log.committed }
  }

  #hardStateChanged(): boolean {
    const last = this.#lastHardState
    return (
      last.term !== this.#term || last.vote !== this.#vote || last.commit !== this.log.committed
    )
  }

  #softStateChanged(): boolean {
    return (
      this.#lastSoftState.role !== this.#role || this.#lastSoftState.leaderId !== this.#leaderId
    )
  }

  status(): Status {
    let progress: Record<NodeId, ReturnType<Progress['toStatus']>> | undefined
    if (this.#role === 'leader') {
      progress = {}
      for (const [peer, p] of this.#progress) progress[peer] = p.toStatus()
    }
    return {
      id: this.id,
      role: this.#role,
      term: this.#term,
      vote: this.#vote,
      leaderId: this.#leaderId,
      commitIndex: this.log.committed,
      appliedIndex: this.log.applied,
      snapshotIndex: this.log.snapshotIndex,
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      config: this.#configs.latest,
      configIndex: this.#configs.latestIndex,
      electionElapsedTicks: this.#electionElapsed,
      electionTimeoutTicks: this.#randomizedElectionTimeout,
      progress,
      transferTarget: this.#transferTarget,
    }
  }

  // ===================================================================== plumbing

  #send(message: Outgoing): void {
    this.#sendWithTerm(this.#term, message)
  }

  #sendWithTerm(term: Term, payload: Outgoing): void {
    const message = { ...payload, from: this.id, term } as Message
    this.#messages.push(message)
    this.#emitEvent(() => ({ type: 'message-sent', node: this.id, term: this.#term, message }))
  }

  #drop(message: Message, rule: string): void {
    this.#emitEvent(() => ({
      type: 'message-dropped',
      node: this.id,
      term: this.#term,
      message,
      rule,
    }))
  }

  #setTerm(term: Term, rule: string): void {
    assert(
      term > this.#term,
      () => `${this.id}: term would move back from ${this.#term} to ${term}`,
    )
    const from = this.#term
    this.#term = term
    this.#vote = undefined
    this.#emitEvent(() => ({ type: 'term-changed', node: this.id, from, to: term, rule }))
  }

  #resetElectionTimeout(): void {
    const base = this.#config.electionTimeoutTicks
    const spread = electionTimeoutTicksMax(this.#config) - base + 1
    this.#randomizedElectionTimeout = base + this.#config.random.nextInt(spread)
  }

  // ===================================================================== runtime tuning

  /**
   * Changes the settings that may change at run time (hashicorp's ReloadConfig). Invalid settings
   * are refused and change nothing. A new election timeout takes effect at once (the current
   * timer is redrawn); turning pre-vote or check-quorum on or off applies from the next election
   * and the next check-quorum round.
   */
  reloadConfig(tuning: Partial<RaftTuning>): ReloadResult {
    const next: RaftConfig = { ...this.#config, ...tuning }
    const error = configError(next)
    if (error !== undefined) return { ok: false, error }
    const before = this.#config
    this.#config = next
    if (
      before.electionTimeoutTicks !== next.electionTimeoutTicks ||
      electionTimeoutTicksMax(before) !== electionTimeoutTicksMax(next)
    )
      this.#resetElectionTimeout()
    return { ok: true }
  }

  /** The settings in force now. */
  tuning(): RaftTuning {
    const c = this.#config
    return {
      electionTimeoutTicks: c.electionTimeoutTicks,
      electionTimeoutTicksMax: c.electionTimeoutTicksMax,
      heartbeatIntervalTicks: c.heartbeatIntervalTicks,
      preVote: c.preVote,
      checkQuorum: c.checkQuorum,
      forwardProposals: c.forwardProposals,
      unsafe: c.unsafe,
    }
  }

  #emitRole(from: Role, rule: string): void {
    this.#emitEvent(() => ({
      type: 'role-changed',
      node: this.id,
      term: this.#term,
      from,
      to: this.#role,
      leaderId: this.#leaderId,
      rule,
    }))
  }

  #emitEvent(make: () => RaftEvent): void {
    if (this.#emit !== undefined) this.#emit(make())
  }
}
