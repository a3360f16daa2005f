/**
 * Snapshot files. One file per snapshot, named by index and term, written atomically: a temp
 * file is written and fsynced, renamed into place, and the directory fsynced. A reader therefore
 * sees a whole snapshot or none; the checksums catch later damage.
 *
 *   offset  size  field
 *        0     8  magic "RAFTKSNP"
 *        8     4  format version (u32 LE)
 *       12     4  metaBytes (u32 LE)
 *       16     8  dataBytes (u64 LE)
 *       24     4  bodyChecksum: CRC-32C of meta then data
 *       28     4  headerChecksum: CRC-32C of bytes [0, 28)
 *       32     m  meta: varint index, varint term, configuration (see entry-codec.ts)
 *     32+m     d  data: the state machine's bytes
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { join } from 'node:path'
import { ByteReader, ByteWriter, DecodeError, readU32, readU64, writeU32, writeU64 } from './bytes.js'
import { crc32c } from './crc32c.js'
import { decodeSnapshotMeta, encodeSnapshotMeta } from './entry-codec.js'
import { SnapshotCorruptionError } from './errors.js'
import { snapshotFileName, tempSuffix, type SnapshotName } from './file-names.js'
import type { StorageFileSystem } from './file-system.js'
import type { Snapshot } from './raft-types.js'

const snapshotMagic = new TextEncoder().encode('RAFTKSNP')
const snapshotFormatVersion = 1
const headerBytes = 32
/** Checksums over big snapshots yield to the event loop between chunks of this size. */
const checksumChunkBytes = 1024 * 1024

/** Writes `snapshot` to `directory` atomically and durably; returns the file's name. */
export async function writeSnapshotFile(
  fileSystem: StorageFileSystem,
  directory: string,
  snapshot: Snapshot,
): Promise<string> {
  const name = snapshotFileName(snapshot.meta)
  const finalPath = join(directory, name)
  const tempPath = finalPath + tempSuffix
  const metaWriter = new ByteWriter()
  encodeSnapshotMeta(snapshot.meta, metaWriter)
  const meta = metaWriter.view()
  const bodyChecksum = await checksumInChunks(snapshot.data, crc32c(meta))
  const head = new Uint8Array(headerBytes + meta.length)
  head.set(snapshotMagic, 0)
  writeU32(head, 8, snapshotFormatVersion)
  writeU32(head, 12, meta.length)
  writeU64(head, 16, snapshot.data.length)
  writeU32(head, 24, bodyChecksum)
  writeU32(head, 28, crc32c(head, 0, 28))
  head.set(meta, headerBytes)

  const file = await fileSystem.open(tempPath, 'overwrite')
  try {
    await file.write(head, 0)
    await file.write(snapshot.data, head.length)
    await file.sync()
  } finally {
    await file.close()
  }
  await fileSystem.rename(tempPath, finalPath)
  await fileSystem.syncDirectory(directory)
  return name
}

/** Reads and verifies a snapshot file; throws SnapshotCorruptionError on any mismatch. */
export async function readSnapshotFile(
  fileSystem: StorageFileSystem,
  path: string,
  expected: SnapshotName,
): Promise<Snapshot> {
  const bytes = await fileSystem.readFile(path)
  const fail = (offset: number, reason: string): never => {
    throw new SnapshotCorruptionError(path, offset, reason)
  }
  if (bytes.length < headerBytes) fail(0, `short snapshot header (${bytes.length} bytes)`)
  if (!snapshotMagic.every((byte, i) => bytes[i] === byte)) fail(0, 'not a raftkit snapshot file')
  if (readU32(bytes, 28) !== crc32c(bytes, 0, 28)) fail(0, 'snapshot header checksum mismatch')
  const version = readU32(bytes, 8)
  if (version !== snapshotFormatVersion) fail(8, `snapshot format version ${version}`)
  const metaBytes = readU32(bytes, 12)
  const dataBytes = readU64(bytes, 16)
  if (bytes.length !== headerBytes + metaBytes + dataBytes) {
    fail(0, `snapshot file has ${bytes.length} bytes, its header says ${headerBytes + metaBytes + dataBytes}`)
  }
  if (readU32(bytes, 24) !== (await checksumInChunks(bytes.subarray(headerBytes), 0))) {
    fail(headerBytes, 'snapshot body checksum mismatch')
  }
  let meta: Snapshot['meta'] | undefined
  try {
    const reader = new ByteReader(bytes, headerBytes, headerBytes + metaBytes)
    meta = decodeSnapshotMeta(reader)
    reader.end()
  } catch (error) {
    if (error instanceof DecodeError) fail(headerBytes, `undecodable snapshot metadata: ${error.message}`)
    throw error
  }
  if (meta.index !== expected.index || meta.term !== expected.term) {
    fail(headerBytes, `snapshot metadata says ${meta.index}/${meta.term}, the file name ${expected.index}/${expected.term}`)
  }
  // A view: the file was read into its own buffer, and the data is nearly all of it.
  return { meta, data: bytes.subarray(headerBytes + metaBytes) }
}

async function checksumInChunks(bytes: Uint8Array, previous: number): Promise<number> {
  let checksum = previous
  for (let start = 0; start < bytes.length; start += checksumChunkBytes) {
    if (start > 0) await yieldToEventLoop()
    checksum = crc32c(bytes, start, Math.min(bytes.length, start + checksumChunkBytes), checksum)
  }
  return checksum
}
