import { describe, expect, test } from 'vitest'
import { ByteReader, ByteWriter, DecodeError } from './bytes.js'
import {
  decodeEntries,
  decodeHardState,
  decodeSnapshotMeta,
  encodeEntries,
  encodeHardState,
  encodeSnapshotMeta,
} from './entry-codec.js'
import type { Entry, HardState } from './raft-types.js'
import { InvariantViolation } from './raft-types.js'

function roundTripEntries(entries: readonly Entry[]): Entry[] {
  const writer = new ByteWriter(1)
  encodeEntries(entries, writer)
  const reader = new ByteReader(writer.view())
  const decoded = decodeEntries(reader)
  reader.end()
  return decoded
}

describe('entry encoding', () => {
  test('round-trips every entry kind', () => {
    const entries: Entry[] = [
      { kind: 'noop', index: 1, term: 1 },
      { kind: 'command', index: 2, term: 1, data: new Uint8Array(0) },
      { kind: 'command', index: 3, term: 300, data: Uint8Array.from({ length: 1000 }, (_, i) => i % 256) },
      { kind: 'config', index: 4, term: 300, config: { voters: ['a', 'ü-β'], learners: ['z'] } },
    ]
    expect(roundTripEntries(entries)).toEqual(entries)
  })

  test('round-trips indexes and terms up to 2^53 - 1', () => {
    const max = Number.MAX_SAFE_INTEGER
    const entries: Entry[] = [{ kind: 'noop', index: max - 1, term: max - 1 }, { kind: 'noop', index: max, term: max }]
    expect(roundTripEntries(entries)).toEqual(entries)
  })

  test('is compact: small noops take 2 bytes each after a 2-byte batch header', () => {
    const writer = new ByteWriter()
    encodeEntries([{ kind: 'noop', index: 5, term: 2 }, { kind: 'noop', index: 6, term: 2 }], writer)
    expect(writer.length).toBe(2 + 2 * 2)
  })

  test('decoded command data is a plain Uint8Array copy, not a view of the segment', () => {
    const writer = new ByteWriter()
    encodeEntries([{ kind: 'command', index: 1, term: 1, data: Uint8Array.of(1, 2, 3) }], writer)
    const [entry] = decodeEntries(new ByteReader(writer.view()))
    expect(entry?.kind === 'command' && entry.data.buffer.byteLength).toBe(3)
  })

  test('rejects every truncation of a valid encoding', () => {
    const writer = new ByteWriter()
    encodeEntries([
      { kind: 'command', index: 7, term: 3, data: Uint8Array.of(9, 9) },
      { kind: 'config', index: 8, term: 3, config: { voters: ['n1'], learners: [] } },
    ], writer)
    const bytes = writer.view().slice()
    for (let length = 0; length < bytes.length; length++) {
      expect(() => {
        const reader = new ByteReader(bytes, 0, length)
        decodeEntries(reader)
        reader.end()
      }).toThrow(DecodeError)
    }
  })

  test('refuses to encode a node id it could not read back', () => {
    expect(() => encodeEntries([{ kind: 'config', index: 1, term: 1, config: { voters: ['x'.repeat(2000)], learners: [] } }], new ByteWriter()))
      .toThrow(InvariantViolation)
  })
})

describe('hard state and snapshot metadata encoding', () => {
  test('round-trips a hard state with and without a vote', () => {
    for (const hardState of [{ term: 5, vote: 'n2', commit: 9 }, { term: 0, vote: undefined, commit: 0 }] satisfies HardState[]) {
      const writer = new ByteWriter()
      encodeHardState(hardState, writer)
      expect(decodeHardState(new ByteReader(writer.view()))).toEqual(hardState)
    }
  })

  test('round-trips snapshot metadata', () => {
    const meta = { index: 1234, term: 7, config: { voters: ['n1', 'n2'], learners: ['n3'] } }
    const writer = new ByteWriter()
    encodeSnapshotMeta(meta, writer)
    expect(decodeSnapshotMeta(new ByteReader(writer.view()))).toEqual(meta)
  })
})
