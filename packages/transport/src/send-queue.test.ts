import { expect, test } from 'vitest'
import { reconnectDelayMs } from './backoff.js'
import { isLoopbackHost, parsePeerAddress } from './peer-address.js'
import { SendQueue } from './send-queue.js'

const frame = (tag: number, bytes = 10): Uint8Array => new Uint8Array(bytes).fill(tag)

test('the queue keeps the newest frames within its count limit', () => {
  const queue = new SendQueue({ messagesMax: 3, bytesMax: 1_000 })
  const evicted = [1, 2, 3, 4, 5].map((tag) => queue.push(frame(tag)).evicted)
  expect(evicted).toEqual([0, 0, 0, 1, 1])
  expect([queue.shift()![0], queue.shift()![0], queue.shift()![0]]).toEqual([3, 4, 5])
  expect(queue.shift()).toBeUndefined()
  expect(queue.bytes).toBe(0)
})

test('the queue keeps the newest frames within its byte limit, and refuses a frame over it', () => {
  const queue = new SendQueue({ messagesMax: 100, bytesMax: 25 })
  queue.push(frame(1))
  queue.push(frame(2))
  expect(queue.push(frame(3))).toEqual({ accepted: true, evicted: 1 })
  expect(queue.bytes).toBe(20)
  expect(queue.push(frame(4, 26))).toEqual({ accepted: false, evicted: 0 })
  expect(queue.length).toBe(2)
  expect(queue.clear()).toBe(2)
})

test('the queue stays correct across many pushes and shifts', () => {
  const queue = new SendQueue({ messagesMax: 5_000, bytesMax: 1 << 30 })
  for (let i = 0; i < 10_000; i++) queue.push(frame(i % 256, 1))
  const order: number[] = []
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) order.push(f[0]!)
  expect(order).toEqual(Array.from({ length: 5_000 }, (_, i) => (i + 5_000) % 256))
})

test('back-off doubles from the minimum to the maximum, with jitter in the upper half', () => {
  const low = [0, 1, 2, 3, 4, 5, 6, 10, 100].map((attempt) =>
    reconnectDelayMs(attempt, 50, 2_000, () => 0),
  )
  const high = [0, 1, 2, 3, 4, 5, 6, 10, 100].map((attempt) =>
    reconnectDelayMs(attempt, 50, 2_000, () => 0.999_999),
  )
  expect(low).toEqual([25, 50, 100, 200, 400, 800, 1_000, 1_000, 1_000])
  expect(high).toEqual([49, 99, 199, 399, 799, 1_599, 1_999, 1_999, 1_999])
})

test('peer addresses are host:port, with brackets for IPv6', () => {
  expect(parsePeerAddress('127.0.0.1:7101')).toEqual({
    host: '127.0.0.1',
    port: 7101,
    text: '127.0.0.1:7101',
  })
  expect(parsePeerAddress('[::1]:7101')).toMatchObject({ host: '::1', port: 7101 })
  expect(parsePeerAddress('node-2.local:80')).toMatchObject({ host: 'node-2.local', port: 80 })
  for (const bad of ['7101', ':7101', 'host:', 'host:0', 'host:65536', 'host:12ab']) {
    expect(() => parsePeerAddress(bad)).toThrow(RangeError)
  }
  expect([isLoopbackHost('127.0.0.1'), isLoopbackHost('::1'), isLoopbackHost('0.0.0.0')]).toEqual([
    true,
    true,
    false,
  ])
})
