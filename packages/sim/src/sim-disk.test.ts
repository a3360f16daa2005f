import type { Entry } from '@raftkit/raft'
import { describe, expect, test } from 'vitest'
import { SimDisk } from './sim-disk.js'

const noop = (index: number, term: number): Entry => ({ kind: 'noop', index, term })
const indexes = (disk: SimDisk): string[] =>
  disk.state().entries.map((entry) => `${entry.index}/${entry.term}`)

describe('SimDisk', () => {
  test('entries replace the stored suffix from their first index; hard state is written last', () => {
    const disk = new SimDisk()
    disk.write(undefined, [noop(1, 1), noop(2, 1), noop(3, 1)], { term: 1, vote: 'n1', commit: 1 })
    disk.write(undefined, [noop(2, 2)], { term: 2, vote: 'n2', commit: 1 })
    expect(indexes(disk)).toEqual(['1/1', '2/2'])
    expect(disk.hardState).toEqual({ term: 2, vote: 'n2', commit: 1 })
  })

  test('a torn write keeps a prefix of its entries and never its hard state', () => {
    const disk = new SimDisk()
    disk.write(undefined, [noop(1, 1)], { term: 1, vote: 'n1', commit: 1 })
    disk.writeTorn(undefined, [noop(2, 1), noop(3, 1), noop(4, 1)], true, 2)
    expect(indexes(disk)).toEqual(['1/1', '2/1', '3/1'])
    expect(disk.hardState).toEqual({ term: 1, vote: 'n1', commit: 1 })
    expect(disk.tornWrites).toBe(1)
  })

  test('a snapshot replaces the log; entries after it follow it', () => {
    const disk = new SimDisk()
    disk.write(undefined, [noop(1, 1), noop(2, 1)], undefined)
    const snapshot = {
      meta: { index: 5, term: 2, config: { voters: ['n1'], learners: [] } },
      data: new Uint8Array(),
    }
    disk.write(snapshot, [noop(6, 2)], undefined)
    expect(disk.state().snapshot).toBe(snapshot)
    expect(indexes(disk)).toEqual(['6/2'])
    expect(disk.lastIndex).toBe(6)
    expect(() => disk.write(undefined, [noop(9, 2)], undefined)).toThrow(/gap/)
  })

  test('forget-vote (unsafe) drops only the vote', () => {
    const disk = new SimDisk()
    disk.write(undefined, [], { term: 3, vote: 'n2', commit: 0 })
    expect(disk.state(true).hardState).toEqual({ term: 3, vote: undefined, commit: 0 })
    expect(disk.state().hardState.vote).toBe('n2')
  })
})
