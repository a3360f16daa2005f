/**
 * @module @raftkit/raft — the pure, deterministic Raft consensus core.
 *
 * Drive a `RawNode` with `tick()` and `step(message)`, and handle each `Ready` in the order its
 * documentation states: persist, send, apply, advance.
 */
export { assert, InvariantViolation, unreachable } from './assert.js'
export {
  defaultRaftConfig,
  resolveConfig,
  type RaftConfig,
  type RaftOptions,
  type RaftTuning,
  type Random,
  type UnsafeRules,
} from './config.js'
export type { RaftEvent, RaftEventType } from './events.js'
export { isReply, type Message, type MessageType } from './messages.js'
export type * from './messages.js'
export type { ReadFailure, ReadState, Ready, SoftState } from './ready.js'
export type { ProposeError, ProposeResult } from './results.js'
export {
  RawNode,
  type ConfigChangeOptions,
  type ConfigChangeResult,
  type RawNodeOptions,
  type ReloadResult,
  type TransferResult,
} from './raw-node.js'
export type { ProgressStatus, Status } from './status.js'
export { emptyHardState, entryBytes } from './types.js'
export type * from './types.js'
export { describeEntry, describeMessage } from './describe.js'
