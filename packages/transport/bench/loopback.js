#!/usr/bin/env node
// Peer transport throughput over loopback: two TcpTransports in one process (so each number
// pays for both ends: encode, frame, write, read, checksum, decode, validate). Prints numbers;
// it is not a test. Run `npx tsc -b packages/transport` first (it imports the built package).
//
//   node packages/transport/bench/loopback.js
import console from 'node:console'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { setImmediate } from 'node:timers'
import { createCodec, TcpTransport } from '@raftkit/transport'

const workloads = [
  { name: 'heartbeat', count: 200_000, make: (i) => heartbeat(i) },
  { name: 'append 64x256B', count: 20_000, make: (i) => append(i, 64, 256) },
  { name: 'snapshot 256KiB chunk', count: 2_000, make: (i) => snapshotChunk(i, 256 << 10) },
]

function heartbeat(i) {
  return { type: 'Heartbeat', from: 'n1', to: 'n2', term: 7, commit: i, readContext: 0 }
}

const payload256 = new Uint8Array(256).fill(42)
function append(i, entryCount, entryBytes) {
  const data = entryBytes === 256 ? payload256 : new Uint8Array(entryBytes)
  const prevLogIndex = i * entryCount
  const entries = Array.from({ length: entryCount }, (_, k) => ({
    kind: 'command',
    term: 7,
    index: prevLogIndex + 1 + k,
    data,
  }))
  return {
    type: 'AppendEntries',
    from: 'n1',
    to: 'n2',
    term: 7,
    prevLogIndex,
    prevLogTerm: 7,
    entries,
    leaderCommit: prevLogIndex,
  }
}

const chunk = new Uint8Array(256 << 10).fill(7)
function snapshotChunk(i, bytes) {
  return {
    type: 'InstallSnapshot',
    from: 'n1',
    to: 'n2',
    term: 7,
    snapshotIndex: 100,
    snapshotTerm: 7,
    config: { voters: ['n1', 'n2', 'n3'], learners: [] },
    offset: 0,
    totalBytes: bytes,
    chunk,
  }
}

/** Codec alone: encode + decode (with validation) per second, no sockets. */
function codecRate(codecName, make, count) {
  const codec = createCodec(codecName)
  for (let i = 0; i < 1_000; i++) codec.decode(codec.encode(make(i)))
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const result = codec.decode(codec.encode(make(i)))
    if (!result.ok) throw new Error(result.reason)
  }
  return count / ((performance.now() - started) / 1000)
}

async function transportRate(codecName, make, count) {
  const n2 = new TcpTransport({
    nodeId: 'n2',
    listen: { host: '127.0.0.1', port: 0 },
    codec: codecName,
  })
  await n2.start()
  const n1 = new TcpTransport({
    nodeId: 'n1',
    listen: { host: '127.0.0.1', port: 0 },
    codec: codecName,
    peers: new Map([['n2', `127.0.0.1:${n2.address.port}`]]),
    limits: { sendQueueMessagesMax: 1 << 20, sendQueueBytesMax: 1 << 30 },
  })
  await n1.start()
  let received = 0
  let done
  const finished = new Promise((resolve) => (done = resolve))
  n2.onMessage(() => {
    if (++received === count) done()
  })
  // Warm up the connection, then send in batches of 500 per turn of the event loop, the way a
  // replica sends each Ready's messages, keeping at most ~20 batches in flight.
  n1.send(make(0))
  while (received < 1) await new Promise((resolve) => setImmediate(resolve))
  received = 0
  const started = performance.now()
  for (let sent = 0; sent < count;) {
    for (const end = Math.min(count, sent + 500); sent < end; sent++) n1.send(make(sent))
    while (sent - received > 10_000) await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
  }
  await finished
  const seconds = (performance.now() - started) / 1000
  const stats = n1.stats()
  await Promise.all([n1.close(), n2.close()])
  const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0)
  return { perSecond: count / seconds, bytesPerSecond: stats.bytesSent / seconds, dropped }
}

export async function loopbackBench() {
  const rows = []
  for (const codecName of ['msgpack', 'json']) {
    for (const { name, count, make } of workloads) {
      const scaled = codecName === 'json' ? Math.ceil(count / 4) : count
      const codec = codecRate(codecName, make, scaled)
      const wire = await transportRate(codecName, make, scaled)
      rows.push({
        codec: codecName,
        workload: name,
        'codec msg/s': Math.round(codec).toLocaleString('en-US'),
        'tcp msg/s': Math.round(wire.perSecond).toLocaleString('en-US'),
        'tcp MB/s': (wire.bytesPerSecond / 1e6).toFixed(1),
        dropped: wire.dropped,
      })
    }
  }
  console.table(rows)
}

if (import.meta.url === `file://${process.argv[1]}`) await loopbackBench()
