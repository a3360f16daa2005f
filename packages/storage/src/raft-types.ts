/** The one place this package reaches into `@raftkit/raft`: the vocabulary it persists. */
export type {
  ClusterConfig,
  CommandEntry,
  ConfigEntry,
  Entry,
  HardState,
  LogIndex,
  NodeId,
  NoopEntry,
  PersistedState,
  Snapshot,
  SnapshotMeta,
  Term,
} from '@raftkit/raft'
export { assert, InvariantViolation, unreachable } from '@raftkit/raft'
export { emptyHardState, entryBytes } from '@raftkit/raft'
