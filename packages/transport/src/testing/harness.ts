import { createServer } from 'node:net'
import type { Message, NodeId } from '@raftkit/raft'
import { TcpTransport, type TcpTransportOptions } from '../tcp-transport.js'
import { CaptureLogger } from './capture-logger.js'

export interface TestNode {
  readonly id: NodeId
  readonly transport: TcpTransport
  readonly received: Message[]
  readonly logger: CaptureLogger
  readonly port: number
  readonly address: string
}

/**
 * Starts transports on 127.0.0.1 (port 0 unless told) and closes every one of them, and
 * anything else registered, after each test.
 */
export class Harness {
  readonly #closers: (() => Promise<void> | void)[] = []

  async node(id: NodeId, options: Partial<TcpTransportOptions> = {}): Promise<TestNode> {
    const logger = new CaptureLogger()
    const transport = new TcpTransport({
      nodeId: id,
      listen: { host: '127.0.0.1', port: 0 },
      logger,
      // Fast, deterministic back-off keeps reconnection tests short.
      random: () => 0.5,
      ...options,
      limits: { reconnectDelayMsMin: 10, reconnectDelayMsMax: 100, ...options.limits },
    })
    this.#closers.push(() => transport.close())
    await transport.start()
    const received: Message[] = []
    transport.onMessage((message) => received.push(message))
    const port = transport.address.port
    return { id, transport, received, logger, port, address: `127.0.0.1:${port}` }
  }

  /** Makes every node a peer of every other. */
  connectAll(nodes: readonly TestNode[]): void {
    for (const a of nodes) for (const b of nodes) if (a !== b) a.transport.setPeer(b.id, b.address)
  }

  onCleanup(closer: () => Promise<void> | void): void {
    this.#closers.push(closer)
  }

  async closeAll(): Promise<void> {
    const closers = this.#closers.splice(0)
    await Promise.all(closers.map((close) => close()))
  }
}

/** A port nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
