/**
 * The compact binary encoding of what the WAL stores: entry batches, hard states, snapshot
 * markers and snapshot metadata. Record framing (length, type, checksum) is in `wal-record.ts`;
 * this file only turns values into payload bytes and back.
 *
 * Entry batch payload:
 *   varint firstIndex, varint count, then per entry (index = firstIndex + position):
 *     u8 kind (0 noop, 1 command, 2 config), varint term, then
 *     command: varint length, data bytes
 *     config:  varint voterCount, voter ids, varint learnerCount, learner ids (varint length + UTF-8)
 * Hard state payload: varint term, varint commit, u8 hasVote, [vote id].
 * Snapshot marker payload: varint index, varint term.
 */
import { ByteReader, ByteWriter, DecodeError } from './bytes.js'
import { limits } from './limits.js'
import type { ClusterConfig, Entry, HardState, LogIndex, SnapshotMeta, Term } from './raft-types.js'
import { assert, unreachable } from './raft-types.js'

const entryKindCode = { noop: 0, command: 1, config: 2 } as const satisfies Record<Entry['kind'], number>

/** A snapshot's position in the log: everything up to `index` (of `term`) is in the snapshot. */
export interface SnapshotMarker {
  readonly index: LogIndex
  readonly term: Term
}

export function encodeEntries(entries: readonly Entry[], writer: ByteWriter): void {
  const first = entries[0]
  if (first === undefined) throw new RangeError('an entry batch is never empty')
  writer.varint(first.index)
  writer.varint(entries.length)
  for (const entry of entries) {
    writer.u8(entryKindCode[entry.kind])
    writer.varint(entry.term)
    switch (entry.kind) {
      case 'noop':
        break
      case 'command':
        writer.lengthPrefixed(entry.data)
        break
      case 'config':
        encodeConfig(entry.config, writer)
        break
      default:
        unreachable(entry)
    }
  }
}

export function decodeEntries(reader: ByteReader): Entry[] {
  const firstIndex = reader.varint()
  const count = reader.varint()
  if (firstIndex < 1) throw new DecodeError(`entry batch starts at index ${firstIndex}`)
  // Every entry takes at least two bytes, so a count beyond that is a corrupt field, not a
  // reason to allocate.
  if (count < 1 || count > reader.remaining / 2) throw new DecodeError(`bad entry count ${count}`)
  const entries: Entry[] = []
  for (let position = 0; position < count; position++) {
    const index = firstIndex + position
    const kindCode = reader.u8()
    const term = reader.varint()
    switch (kindCode) {
      case entryKindCode.noop:
        entries.push({ kind: 'noop', term, index })
        break
      case entryKindCode.command:
        entries.push({ kind: 'command', term, index, data: reader.lengthPrefixed(limits.recordPayloadBytesMax) })
        break
      case entryKindCode.config:
        entries.push({ kind: 'config', term, index, config: decodeConfig(reader) })
        break
      default:
        throw new DecodeError(`unknown entry kind ${kindCode}`)
    }
  }
  return entries
}

export function encodeHardState(hardState: HardState, writer: ByteWriter): void {
  writer.varint(hardState.term)
  writer.varint(hardState.commit)
  if (hardState.vote === undefined) {
    writer.u8(0)
  } else {
    writer.u8(1)
    writer.string(hardState.vote, limits.nodeIdBytesMax)
  }
}

export function decodeHardState(reader: ByteReader): HardState {
  const term = reader.varint()
  const commit = reader.varint()
  const hasVote = reader.u8()
  if (hasVote > 1) throw new DecodeError(`bad vote flag ${hasVote}`)
  const vote = hasVote === 1 ? reader.string(limits.nodeIdBytesMax) : undefined
  return { term, vote, commit }
}

export function encodeSnapshotMarker(marker: SnapshotMarker, writer: ByteWriter): void {
  writer.varint(marker.index)
  writer.varint(marker.term)
}

export function decodeSnapshotMarker(reader: ByteReader): SnapshotMarker {
  return { index: reader.varint(), term: reader.varint() }
}

export function encodeSnapshotMeta(meta: SnapshotMeta, writer: ByteWriter): void {
  encodeSnapshotMarker(meta, writer)
  encodeConfig(meta.config, writer)
}

export function decodeSnapshotMeta(reader: ByteReader): SnapshotMeta {
  const { index, term } = decodeSnapshotMarker(reader)
  return { index, term, config: decodeConfig(reader) }
}

function encodeConfig(config: ClusterConfig, writer: ByteWriter): void {
  const members = config.voters.length + config.learners.length
  assert(members <= limits.configMembersMax, () => `${members} members in a configuration`)
  writer.varint(config.voters.length)
  for (const voter of config.voters) writer.string(voter, limits.nodeIdBytesMax)
  writer.varint(config.learners.length)
  for (const learner of config.learners) writer.string(learner, limits.nodeIdBytesMax)
}

function decodeConfig(reader: ByteReader): ClusterConfig {
  const voters = decodeNodeIds(reader)
  const learners = decodeNodeIds(reader)
  return { voters, learners }
}

function decodeNodeIds(reader: ByteReader): string[] {
  const count = reader.varint()
  if (count > limits.configMembersMax) throw new DecodeError(`${count} members in a configuration`)
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push(reader.string(limits.nodeIdBytesMax))
  return ids
}
