/**
 * CRC-32C (Castagnoli), the checksum of every WAL record and snapshot file.
 *
 * Why CRC-32C rather than CRC-32: it detects more error patterns at the lengths we use, and it
 * is what etcd, hashicorp/raft-wal, RocksDB and ext4 use for the same job, so the check values
 * can be compared with their tools. Table-driven, slicing-by-8 (eight lookups per 8 bytes).
 */

/** The reflected Castagnoli polynomial 0x1EDC6F41. */
const polynomialReflected = 0x82f63b78
const tableCount = 8

const tables: readonly Uint32Array[] = buildTables()

function buildTables(): Uint32Array[] {
  const result = Array.from({ length: tableCount }, () => new Uint32Array(256))
  const first = result[0]!
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomialReflected : crc >>> 1
    first[byte] = crc >>> 0
  }
  for (let byte = 0; byte < 256; byte++) {
    let crc = first[byte]!
    for (let slice = 1; slice < tableCount; slice++) {
      crc = (crc >>> 8) ^ first[crc & 0xff]!
      result[slice]![byte] = crc >>> 0
    }
  }
  return result
}

/**
 * Returns the CRC-32C of `bytes[start, end)`. Pass a previous result as `previous` to continue a
 * checksum over data that arrives in pieces: `crc32c(b, 0, b.length, crc32c(a))` equals the CRC
 * of `a` followed by `b`.
 */
export function crc32c(
  bytes: Uint8Array,
  start = 0,
  end: number = bytes.length,
  previous = 0,
): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [
    Uint32Array, Uint32Array, Uint32Array, Uint32Array,
    Uint32Array, Uint32Array, Uint32Array, Uint32Array,
  ]
  let crc = ~previous >>> 0
  let i = start
  const end8 = start + ((end - start) & ~7)
  while (i < end8) {
    const lo = (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0
    crc =
      t7[lo & 0xff]! ^ t6[(lo >>> 8) & 0xff]! ^ t5[(lo >>> 16) & 0xff]! ^ t4[lo >>> 24]! ^
      t3[bytes[i + 4]!]! ^ t2[bytes[i + 5]!]! ^ t1[bytes[i + 6]!]! ^ t0[bytes[i + 7]!]!
    i += 8
  }
  while (i < end) crc = (crc >>> 8) ^ t0[(crc ^ bytes[i++]!) & 0xff]!
  return ~crc >>> 0
}
