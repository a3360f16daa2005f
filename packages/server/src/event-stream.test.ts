import type { Message, RaftEvent } from '@raftkit/raft'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { EventHub, type EventSocket } from './event-stream.js'

class FakeSocket implements EventSocket {
  readonly frames: Record<string, any>[] = []
  bufferedAmount = 0
  closed: { code: number; reason: string } | undefined
  send(text: string): void {
    this.frames.push(JSON.parse(text) as Record<string, any>)
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason }
  }
  events(): Record<string, any>[] {
    return this.frames.filter((f) => f.type === 'raft-event')
  }
}

const heartbeat: Message = {
  type: 'Heartbeat',
  from: 'n1',
  to: 'n2',
  term: 3,
  commit: 7,
} as Message
const sent = (): RaftEvent => ({ type: 'message-sent', node: 'n1', term: 3, message: heartbeat })
const committed = (from: number, to: number): RaftEvent => ({
  type: 'committed',
  node: 'n1',
  term: 3,
  from,
  to,
  rule: 'quorum',
})
const applied = (from: number, to: number): RaftEvent => ({
  type: 'applied',
  node: 'n1',
  term: 3,
  from,
  to,
})
const roleChanged: RaftEvent = {
  type: 'role-changed',
  node: 'n1',
  term: 3,
  from: 'candidate',
  to: 'leader',
  leaderId: 'n1',
  rule: 'won',
}

function hub(now = () => 1_000): EventHub {
  return new EventHub({ nodeId: 'n1', status: () => ({ role: 'leader', term: 3 }), now })
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the event stream hub', () => {
  test('a new subscriber gets the status at once, then events in order with increasing seq', () => {
    vi.useFakeTimers()
    const events = hub()
    const socket = new FakeSocket()
    expect(events.subscribe(socket, { messages: false }).ok).toBe(true)
    expect(socket.frames[0]).toMatchObject({
      type: 'status',
      node: 'n1',
      status: { role: 'leader', term: 3 },
    })
    events.publish(roleChanged)
    events.publish({ type: 'term-changed', node: 'n1', from: 3, to: 4, rule: 'x' })
    vi.advanceTimersByTime(60)
    const received = socket.events()
    expect(received.map((f) => f.event.type)).toEqual(['role-changed', 'term-changed'])
    expect(received[0]).toMatchObject({ type: 'raft-event', node: 'n1', seq: 1, time: 1_000 })
    expect(received[1]!.seq).toBe(2)
    vi.advanceTimersByTime(1_000)
    expect(socket.frames.filter((f) => f.type === 'status')).toHaveLength(2)
  })

  test('message events only when asked for, and bounded by the rate', () => {
    vi.useFakeTimers()
    let clock = 0
    const events = hub(() => clock)
    const quiet = new FakeSocket()
    const chatty = new FakeSocket()
    events.subscribe(quiet, { messages: false })
    events.subscribe(chatty, { messages: true, messageRate: 40 })
    for (let i = 0; i < 1_000; i++) events.publish(sent())
    vi.advanceTimersByTime(60)
    expect(quiet.events()).toEqual([])
    // A burst gets the bucket (a quarter second's worth, at least 10), not a thousand.
    expect(chatty.events()).toHaveLength(10)
    expect(chatty.events()[0]!.event.message).toMatchObject({
      type: 'Heartbeat',
      describe: expect.stringContaining('n1 -> n2 Heartbeat'),
    })
    clock += 1_000
    for (let i = 0; i < 1_000; i++) events.publish(sent())
    vi.advanceTimersByTime(60)
    expect(chatty.events()).toHaveLength(20)
    vi.advanceTimersByTime(1_000)
    const status = chatty.frames.filter((f) => f.type === 'status').at(-1)!
    expect(status.stream).toMatchObject({ messages: true, messageRate: 40, droppedMessages: 1_980 })
  })

  test('contiguous committed and applied ranges merge while waiting; an apply never precedes its commit', () => {
    vi.useFakeTimers()
    const events = hub()
    const socket = new FakeSocket()
    events.subscribe(socket, { messages: false })
    for (let i = 1; i <= 500; i += 5) {
      events.publish(committed(i, i + 4))
      events.publish(applied(i, i + 4))
    }
    vi.advanceTimersByTime(60)
    const received = socket.events()
    expect(received.map((f) => [f.event.type, f.event.from, f.event.to])).toEqual([
      ['committed', 1, 500],
      ['applied', 1, 500],
    ])
    expect(received[0]).toMatchObject({ seq: 1, coalesced: 100 })
    expect(received[1]!.seq).toBe(2)
    // Another kind of event in between ends the merging.
    events.publish(committed(501, 501))
    events.publish(roleChanged)
    events.publish(committed(502, 502))
    vi.advanceTimersByTime(60)
    expect(
      socket
        .events()
        .slice(2)
        .map((f) => f.event.type),
    ).toEqual(['committed', 'role-changed', 'committed'])
  })

  test('a consumer that does not read loses message events first, then is disconnected', () => {
    vi.useFakeTimers()
    let clock = 0
    const events = hub(() => clock)
    const slow = new FakeSocket()
    events.subscribe(slow, { messages: true, messageRate: 5_000 })
    slow.bufferedAmount = 1 << 20 // past the soft limit
    events.publish(sent())
    events.publish(roleChanged)
    vi.advanceTimersByTime(60)
    expect(slow.events().map((f) => f.event.type)).toEqual(['role-changed'])
    slow.bufferedAmount = 64 << 20 // past the hard limit
    clock += 10
    events.publish(roleChanged)
    vi.advanceTimersByTime(60)
    expect(slow.closed).toMatchObject({ code: 1013 })
    expect(events.subscriberCount).toBe(0)
    expect(events.disconnectedSlow).toBe(1)
    // And nothing is queued for it any more.
    events.publish(roleChanged)
    vi.advanceTimersByTime(60)
    expect(slow.events()).toHaveLength(1)
  })

  test('subscribers are bounded; publishing with none is only a counter', () => {
    const events = new EventHub({
      nodeId: 'n1',
      status: () => ({}),
      limits: { subscribersMax: 2 },
    })
    for (let i = 0; i < 10; i++) events.publish(roleChanged)
    expect(events.seq).toBe(10)
    const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket()]
    const results = sockets.map((s) => events.subscribe(s, { messages: false }))
    expect(results.map((r) => r.ok)).toEqual([true, true, false])
    if (results[0]!.ok) results[0]!.unsubscribe()
    expect(events.subscribe(sockets[2]!, { messages: false }).ok).toBe(true)
    events.close()
    expect(sockets[1]!.closed).toMatchObject({ code: 1001 })
  })
})
