import { resolveConfig, type RaftOptions, type RaftTuning } from './config.js'
import type { Message } from './messages.js'
import { Raft } from './raft.js'
import type { Ready } from './ready.js'
import type { ProposeResult } from './results.js'
import type { Status } from './status.js'
import type {
  ClusterConfig,
  Entry,
  LogIndex,
  NodeId,
  PersistedState,
  Snapshot,
  Term,
} from './types.js'

export interface RawNodeOptions extends RaftOptions {
  /**
   * The configuration the cluster was bootstrapped with (every founding member is given the same
   * one). It applies until a snapshot or a configuration entry in the log replaces it.
   */
  readonly initialConfig: ClusterConfig
  /**
   * The index the application's (durable) state machine has already applied. Committed entries
   * up to it are not handed out again after a restart. Defaults to the snapshot index, which is
   * right for a state machine that is rebuilt from the snapshot and the log.
   */
  readonly appliedIndex?: LogIndex
}

export type ConfigChangeResult =
  { readonly ok: true; readonly index: LogIndex } | { readonly ok: false; readonly error: string }

export interface ConfigChangeOptions {
  /**
   * Compare-and-set (hashicorp's prevIndex): the change is refused unless the latest
   * configuration in the leader's log is still the one introduced at this index (see
   * `Status.configIndex`). Two administrators who both read the configuration and then change
   * it cannot silently undo each other's change.
   */
  readonly expectedConfigIndex?: LogIndex
}

export type TransferResult = { readonly ok: true } | { readonly ok: false; readonly error: string }

export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly error: string }

/**
 * The public face of the Raft core: a synchronous, pure state machine.
 *
 * The caller feeds it `tick()` at a steady rate and `step(message)` for each message from a peer,
 * and asks for work with `hasReady()`/`ready()`. Nothing inside waits, reads a clock, draws
 * randomness other than the injected `random`, or touches a socket or a file, so the simulator
 * and a real node drive exactly the same code. See `Ready` for the order in which the work must
 * be done.
 */
export class RawNode {
  readonly #raft: Raft

  constructor(options: RawNodeOptions, persisted?: PersistedState) {
    this.#raft = new Raft(
      resolveConfig(options),
      options.initialConfig,
      persisted,
      options.appliedIndex,
    )
  }

  get id(): NodeId {
    return this.#raft.id
  }

  /** Advances the logical clock by one tick. Timeouts are counted in ticks, never in milliseconds. */
  tick(): void {
    this.#raft.tick()
  }

  /** Feeds one message from a peer. Messages for another node, or from a stale term, are dropped. */
  step(message: Message): void {
    this.#raft.step(message)
  }

  /** Proposes a command to be replicated. See `ProposeResult` for what can happen to it. */
  propose(command: Uint8Array): ProposeResult {
    return this.#raft.propose(command)
  }

  /**
   * Proposes a new cluster configuration. Only the leader accepts it, and only:
   * - once it has committed an entry of its own term (Ongaro's fix to single-server changes);
   * - when no earlier change is still uncommitted (one change at a time);
   * - when it adds or removes at most one voter against the latest configuration in its log,
   *   committed or not (§4.1; etcd-io/raft#80), learners being free to come and go;
   * - when every new voter is a learner already, and caught up (§4.2.1).
   * The configuration is in force as soon as its entry is in a log (§4.1). A leader that is not
   * a voter of the new configuration steps down once it is committed (§4.2.2).
   */
  proposeConfigChange(config: ClusterConfig, options?: ConfigChangeOptions): ConfigChangeResult {
    return this.#raft.proposeConfigChange(config, options)
  }

  /**
   * Changes the settings that may change while the node runs (timing, pre-vote, check-quorum,
   * forwarding, unsafe rules). Invalid settings are refused and change nothing.
   */
  reloadConfig(tuning: Partial<RaftTuning>): ReloadResult {
    return this.#raft.reloadConfig(tuning)
  }

  /** The runtime-tunable settings in force now. */
  tuning(): RaftTuning {
    return this.#raft.tuning()
  }

  /**
   * Starts a linearizable read (§6.4). The answer comes back as a ReadState (serve the read once
   * the state machine has applied its index) or a ReadFailure in a later Ready; a read that gets
   * no answer within an election timeout fails with `timeout`. Use a fresh `requestId` for every
   * attempt: it names the answer.
   *
   * Lease-based reads (answering without the heartbeat round while a leader lease holds) are not
   * offered: they are only safe if clocks drift less than the lease's margin, which the core,
   * counting ticks, cannot check (etcd's ReadOnlyLeaseBased carries the same caveat).
   */
  readIndex(requestId: number): void {
    this.#raft.readIndex(requestId)
  }

  /** Asks the leader to hand leadership to `target` (§3.10). */
  transferLeadership(target: NodeId): TransferResult {
    return this.#raft.transferLeadership(target)
  }

  /** Starts an election now, as if the election timer had fired (with pre-vote, if enabled). */
  campaign(): void {
    this.#raft.campaign()
  }

  /**
   * Tells the core that the application took a snapshot of its state at `snapshot.meta.index`
   * (which must be applied). The log before it is discarded, and laggards receive the snapshot.
   */
  compact(snapshot: Snapshot): void {
    this.#raft.compact(snapshot)
  }

  hasReady(): boolean {
    return this.#raft.hasReady()
  }

  /** Returns the work the caller must do now; handle it in order, then call `advance`. */
  ready(): Ready {
    return this.#raft.takeReady()
  }

  /** Acknowledges that a Ready was handled: its state is durable, sent and applied. */
  advance(ready: Ready): void {
    this.#raft.advance(ready)
  }

  status(): Status {
    return this.#raft.status()
  }

  /** The cluster configuration in force at `index` (the latest one introduced at or before it). */
  configAt(index: LogIndex): ClusterConfig {
    return this.#raft.configAt(index)
  }

  /** The term of the entry at `index`, or undefined if it is compacted away or beyond the log. */
  termAt(index: LogIndex): Term | undefined {
    return this.#raft.log.termAt(index)
  }

  /** The entries in [from, to), which must lie within the log after the snapshot. For inspection. */
  entries(from: LogIndex, to: LogIndex): readonly Entry[] {
    return this.#raft.log.slice(from, to)
  }
}
