import type { CommandEntry, LogIndex, Snapshot, Term } from '@raftkit/raft'
import { encodeRegistryCommand } from '../command-codec.js'
import type { RegistryCommand } from '../commands.js'

/** A committed log entry carrying a registry command, for tests. */
export function entry(index: number, command: RegistryCommand | Uint8Array): CommandEntry {
  return {
    kind: 'command',
    index: index as LogIndex,
    term: 1 as Term,
    data: command instanceof Uint8Array ? command : encodeRegistryCommand(command),
  } as CommandEntry
}

/** A Raft snapshot around a state machine's bytes, for tests. */
export function snapshotAt(index: number, data: Uint8Array): Snapshot {
  return {
    meta: { index: index as LogIndex, term: 1 as Term, config: { voters: [], learners: [] } },
    data,
  } as unknown as Snapshot
}
