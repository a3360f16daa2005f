import type { Message } from '@raftkit/raft'
import { describe, expect, test } from 'vitest'
import { noLinkFaults, SimNetwork, type LossReason } from './network.js'
import { PRNG } from './prng.js'

const ids = ['n1', 'n2', 'n3', 'n4', 'n5']

function heartbeat(from: string, to: string, commit = 0): Message {
  return { type: 'Heartbeat', from, to, term: 1, commit, readContext: 0 }
}

function setup(seed = 1) {
  const deliveries: { delayMs: number; message: Message }[] = []
  const losses: LossReason[] = []
  const network = new SimNetwork(ids, new PRNG(seed), {
    scheduleDelivery: (delayMs, message) => deliveries.push({ delayMs, message }),
    lost: (_message, reason) => losses.push(reason),
  })
  const reaches = (from: string, to: string): boolean => {
    const before = deliveries.length
    network.send(heartbeat(from, to))
    return deliveries.length > before
  }
  return { network, deliveries, losses, reaches }
}

describe('SimNetwork', () => {
  test('without faults every message arrives once, within the latency bounds', () => {
    const { network, deliveries } = setup()
    for (let i = 0; i < 200; i++) network.send(heartbeat('n1', 'n2', i))
    expect(deliveries).toHaveLength(200)
    for (const { delayMs } of deliveries) expect(delayMs >= 1 && delayMs <= 8).toBe(true)
  })

  test('a link is first-in, first-out unless reordering is on', () => {
    const { network, deliveries } = setup()
    network.setNow(100)
    for (let i = 0; i < 100; i++) network.send(heartbeat('n1', 'n2', i))
    const arrivals = deliveries.map((d) => d.delayMs)
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b))

    deliveries.length = 0
    network.setLinkFaults({ ...noLinkFaults, reorderJitterMsMax: 30 })
    for (let i = 0; i < 100; i++) network.send(heartbeat('n1', 'n2', i))
    const reordered = deliveries.map((d) => d.delayMs)
    expect(reordered).not.toEqual([...reordered].sort((a, b) => a - b))
  })

  test('partition: groups cannot talk across; unnamed nodes form one more group', () => {
    const { network, reaches } = setup()
    network.partition([['n1', 'n2'], ['n3']])
    expect(reaches('n1', 'n2')).toBe(true)
    expect(reaches('n2', 'n1')).toBe(true)
    expect(reaches('n1', 'n3')).toBe(false)
    expect(reaches('n3', 'n1')).toBe(false)
    expect(reaches('n4', 'n5')).toBe(true)
    expect(reaches('n4', 'n3')).toBe(false)
    expect(reaches('n5', 'n2')).toBe(false)
    network.heal()
    expect(reaches('n1', 'n3') && reaches('n5', 'n2')).toBe(true)
  })

  test('isolating one node: partition([[id]])', () => {
    const { network, reaches } = setup()
    network.partition([['n3']])
    for (const other of ['n1', 'n2', 'n4', 'n5']) {
      expect(reaches('n3', other)).toBe(false)
      expect(reaches(other, 'n3')).toBe(false)
    }
    expect(reaches('n1', 'n5')).toBe(true)
  })

  test('a one-way cut blocks one direction only', () => {
    const { network, reaches, losses } = setup()
    network.cut('n1', 'n2')
    expect(reaches('n1', 'n2')).toBe(false)
    expect(reaches('n2', 'n1')).toBe(true)
    expect(losses).toEqual(['partition'])
    expect(network.blockedLinks()).toEqual([['n1', 'n2']])
    network.uncut('n1', 'n2')
    expect(reaches('n1', 'n2')).toBe(true)
  })

  test('a partition that starts while a message is in flight stops it on arrival', () => {
    const { network, deliveries } = setup()
    network.send(heartbeat('n1', 'n2'))
    expect(deliveries).toHaveLength(1)
    network.partition([['n1']])
    expect(network.admit(deliveries[0]!.message, 1)).toBe(false)
    network.heal()
    expect(network.admit(deliveries[0]!.message, 1)).toBe(true)
  })

  test('drop and duplicate rates are honoured; delay spikes lengthen latency', () => {
    const { network, deliveries, losses } = setup(3)
    network.setLinkFaults({ ...noLinkFaults, dropRate: 0.25, duplicateRate: 0.2 })
    const sent = 10_000
    for (let i = 0; i < sent; i++) network.send(heartbeat('n1', 'n2', i))
    const dropped = losses.filter((reason) => reason === 'drop').length
    expect(Math.abs(dropped / sent - 0.25)).toBeLessThan(0.02)
    // Of the messages that got through, about a fifth arrive twice.
    const duplicated = deliveries.length - (sent - dropped)
    expect(Math.abs(duplicated / (sent - dropped) - 0.2)).toBeLessThan(0.02)
    expect(network.stats.duplicated).toBe(duplicated)

    deliveries.length = 0
    network.setLinkFaults({ ...noLinkFaults, delayRate: 1, delaySpikeMsMax: 200 })
    for (let i = 0; i < 100; i++) network.send(heartbeat('n3', 'n4', i))
    expect(Math.max(...deliveries.map((d) => d.delayMs))).toBeGreaterThan(50)
  })

  test('faults on one link leave the others alone', () => {
    const { network, deliveries, losses } = setup()
    network.setLinkFaults({ ...noLinkFaults, dropRate: 1 }, { from: 'n1', to: 'n2' })
    network.send(heartbeat('n1', 'n2'))
    network.send(heartbeat('n2', 'n1'))
    expect(losses).toEqual(['drop'])
    expect(deliveries.map((d) => d.message.to)).toEqual(['n1'])
    network.clearLinkFaults()
    network.send(heartbeat('n1', 'n2'))
    expect(deliveries).toHaveLength(2)
  })

  test('a message to a node that is not in the cluster is lost', () => {
    const { network, losses } = setup()
    network.send(heartbeat('n1', 'n9'))
    expect(losses).toEqual(['unknown-node'])
  })
})
