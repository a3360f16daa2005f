/**
 * @module @raftkit/kv — the pure, deterministic key-value state machine that raftkit replicates:
 * put, get, delete and compare-and-set on string keys, with per-key revisions (log indexes),
 * exactly-once client sessions (Raft thesis §6.3), snapshots and a cheap state digest.
 */
export { KvInvariantViolation } from './assert.js'
export { decodeCommand, encodeCommand, validateCommand, type DecodeResult } from './codec.js'
export type {
  CasCommand,
  DeleteCommand,
  GetCommand,
  KvCommand,
  KvOp,
  KvResult,
  PutCommand,
} from './commands.js'
export { KvStateMachine, type KvRecord, type KvStateMachineOptions } from './kv-state-machine.js'
export { kvLimits } from './limits.js'
export { SessionTable, type Session, type SessionVerdict } from './sessions.js'
export { kvSnapshotFormat, type KvSnapshotContent } from './snapshot.js'
export { decodeUtf8, encodeUtf8 } from './utf8.js'
