/**
 * An order-independent, incrementally maintained hash of a set of records (a multiset hash:
 * the sum of the records' hashes, in two independent 32-bit lanes). Adding or removing one record
 * costs one record hash, so a replica can publish a digest of its whole state after every entry
 * and replicas can be compared cheaply. It detects divergence with high probability; it is not
 * cryptographic and must not be used where an adversary chooses the data.
 */
export class MultisetHash {
  #low = 0
  #high = 0

  add(a: string, b: string, n: number): void {
    this.#low = (this.#low + hashRecord(a, b, n, 0x811c9dc5)) | 0
    this.#high = (this.#high + hashRecord(a, b, n, 0x01000193)) | 0
  }

  remove(a: string, b: string, n: number): void {
    this.#low = (this.#low - hashRecord(a, b, n, 0x811c9dc5)) | 0
    this.#high = (this.#high - hashRecord(a, b, n, 0x01000193)) | 0
  }

  clear(): void {
    this.#low = 0
    this.#high = 0
  }

  /** 16 hex digits. */
  hex(): string {
    return hex32(this.#high) + hex32(this.#low)
  }
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0')
}

/** Hashes (a, b, n) with FNV-1a over UTF-16 code units, lengths included, then avalanches. */
function hashRecord(a: string, b: string, n: number, seed: number): number {
  let h = seed
  h = mixString(h, a)
  h = mixString(h, b)
  h = Math.imul(h ^ (n >>> 0), 0x01000193)
  h = Math.imul(h ^ Math.floor(n / 0x1_0000_0000), 0x01000193)
  return fmix32(h)
}

function mixString(hash: number, text: string): number {
  let h = Math.imul(hash ^ text.length, 0x01000193)
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h
}

/** MurmurHash3's finalizer: every input bit affects every output bit. */
function fmix32(value: number): number {
  let h = value
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}
