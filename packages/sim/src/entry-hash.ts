import type { Entry } from '@raftkit/raft'

/**
 * 32-bit fingerprints of log entries, for the safety checker. An entry's identity is its term,
 * kind and content (its index is where it sits, not what it is). The simulator never serializes
 * entries, but the hash reads the bytes anyway so that a core that copied entries would still be
 * checked correctly. Hash collisions can only hide a violation, never invent one.
 */
export function entryHash(entry: Entry): number {
  let h = mix(0x2f0b3c5d, entry.term)
  switch (entry.kind) {
    case 'noop':
      return fmix32(mix(h, 1))
    case 'config': {
      h = mix(h, 2)
      for (const voter of entry.config.voters) h = mixString(h, voter)
      h = mix(h, 0x7fff)
      for (const learner of entry.config.learners) h = mixString(h, learner)
      return fmix32(h)
    }
    case 'command': {
      h = mix(h, 3)
      const data = entry.data
      h = mix(h, data.length)
      for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193)
      return fmix32(h)
    }
  }
}

/** The hash of a log prefix: the previous prefix's hash extended by one entry's hash. */
export function chainHash(previous: number, entry: number): number {
  return fmix32(Math.imul(previous ^ 0x9e3779b9, 0x85ebca6b) ^ entry)
}

function mix(hash: number, value: number): number {
  return Math.imul(hash ^ (value | 0), 0x01000193) ^ Math.floor(value / 0x1_0000_0000)
}

function mixString(hash: number, text: string): number {
  let h = mix(hash, text.length)
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h
}

function fmix32(value: number): number {
  let h = value | 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
