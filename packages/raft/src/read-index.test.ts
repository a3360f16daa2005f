import { describe, expect, test } from 'vitest'
import type { Message, ReadIndexReply } from './messages.js'
import { encode, TestNetwork } from './testing/network.js'

function cluster(ids: string[]): TestNetwork {
  const net = new TestNetwork(ids)
  net.elect(ids[0]!)
  net.node(ids[0]!).propose(encode('x'))
  net.settle()
  net.tickAll(1)
  net.settle()
  return net
}

describe('ReadIndex hardening (§6.4)', () => {
  test('a forwarded read travels under a fresh id: a late answer to an earlier attempt is ignored', () => {
    const net = cluster(['n1', 'n2', 'n3'])
    net.node('n3').readIndex(1)
    net.flush()
    const first = net.outbox.find((m) => m.type === 'ReadIndexRequest')!
    net.settle()
    expect(net.readStates.get('n3')).toHaveLength(1)
    // The caller reuses id 1 for a new attempt (it should not, but the core copes).
    net.node('n3').readIndex(1)
    net.flush()
    const second = net.outbox.find((m) => m.type === 'ReadIndexRequest')!
    expect(second.type === 'ReadIndexRequest' && second.requestId).not.toBe(
      first.type === 'ReadIndexRequest' && first.requestId,
    )
    net.outbox = []
    // A duplicated copy of the first attempt's answer arrives late: it answers nothing.
    const late: ReadIndexReply = {
      type: 'ReadIndexReply',
      from: 'n1',
      to: 'n3',
      term: 1,
      requestId: first.type === 'ReadIndexRequest' ? first.requestId : 0,
      index: 1,
    }
    net.node('n3').step(late)
    net.flush()
    expect(net.readStates.get('n3')).toHaveLength(1)
  })

  test('an unanswered forwarded read fails with a timeout after an election timeout', () => {
    const net = cluster(['n1', 'n2', 'n3'])
    net.cut.add('n3->n1')
    net.node('n3').readIndex(7)
    net.settle()
    net.tick('n3', 9)
    expect(net.readFailures.get('n3')).toEqual([])
    net.tick('n3', 1)
    expect(net.readFailures.get('n3')).toEqual([
      { requestId: 7, reason: 'timeout', leaderId: 'n1' },
    ])
  })

  test('a leader that removed itself does not confirm reads alone (the new voters must)', () => {
    const net = cluster(['n1', 'n2'])
    net.node('n1').proposeConfigChange({ voters: ['n2'], learners: [] })
    net.flush()
    net.outbox = [] // n2 never hears of it; n1 is still leader, and not a voter of its config
    net.node('n1').readIndex(3)
    net.flush()
    expect(net.readStates.get('n1')).toEqual([])
    expect(net.outbox.some((m: Message) => m.type === 'Heartbeat' && m.readContext > 0)).toBe(true)
  })

  test('acknowledgements count only voters of the configuration in force', () => {
    const net = cluster(['n1', 'n2', 'n3', 'n4', 'n5'])
    net.outbox = []
    net.node('n1').readIndex(4)
    net.flush()
    const heartbeats = net.outbox.filter((m) => m.type === 'Heartbeat')
    net.outbox = []
    const ackFrom = (id: string): Message => {
      net.node(id).step(heartbeats.find((m) => m.to === id)!)
      net.flush()
      const ack = net.outbox.find((m) => m.type === 'HeartbeatReply' && m.from === id)!
      net.outbox = []
      return ack
    }
    // n2 acknowledges (n1 + n2: not yet 3 of 5); then n2 is removed. n3's acknowledgement makes
    // three acknowledgements, but only two voters of {n1, n3, n4, n5}: not a quorum of it.
    net.node('n1').step(ackFrom('n2'))
    net.flush()
    net.node('n1').proposeConfigChange({ voters: ['n1', 'n3', 'n4', 'n5'], learners: [] })
    net.flush()
    net.outbox = []
    net.node('n1').step(ackFrom('n3'))
    net.flush()
    expect(net.readStates.get('n1')).toEqual([])
    net.node('n1').step(ackFrom('n4'))
    net.flush()
    expect(net.readStates.get('n1')!.map((r) => r.requestId)).toEqual([4])
  })
})
