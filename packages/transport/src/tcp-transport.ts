import { createServer, type Server, type Socket } from 'node:net'
import type { Message, NodeId } from '@raftkit/raft'
import { createCodec, type Codec, type CodecName } from './codec.js'
import type { ConnectionContext } from './connection-context.js'
import { encodeFrame } from './framing.js'
import { InboundConnection } from './inbound-connection.js'
import { resolveLimits, type TransportLimits } from './limits.js'
import { silentLogger, type Logger } from './logger.js'
import { isLoopbackHost, parsePeerAddress } from './peer-address.js'
import { PeerLink } from './peer-link.js'
import { Counters, type DropReason, type PeerStats, type TransportStats } from './stats.js'
import { nodeTimers, type Timers } from './timers.js'

export interface TcpTransportOptions {
  readonly nodeId: NodeId
  /** Where to accept peers. Port 0 picks a free port; read it from `address` after `start()`. */
  readonly listen: { readonly host: string; readonly port: number }
  /** The other members, as `host:port` (`[::1]:7101` for IPv6). Change later with `setPeer`. */
  readonly peers?: ReadonlyMap<NodeId, string> | Iterable<readonly [NodeId, string]> | undefined
  /** How this node encodes what it sends (default `msgpack`). Receiving accepts both. */
  readonly codec?: CodecName | undefined
  /** Peers must name the same cluster id in their hello (a guard against cross-wired clusters). */
  readonly clusterId?: string | undefined
  /**
   * With a secret, peers prove to each other that they know it (HMAC-SHA256 challenge-response)
   * before any message is accepted. Required when listening beyond loopback.
   */
  readonly clusterSecret?: string | undefined
  readonly logger?: Logger | undefined
  readonly limits?: Partial<TransportLimits> | undefined
  /** For back-off jitter: a number in [0, 1). Default `Math.random`. */
  readonly random?: (() => number) | undefined
  readonly timers?: Timers | undefined
}

export type MessageHandler = (message: Message) => void

const clusterSecretLengthMin = 16

/**
 * The peer transport of a raftkit node: Raft messages over TCP, in checksummed, length-prefixed
 * frames (`framing.ts`), after an authenticating handshake (`handshake.ts`).
 *
 * - `send` never blocks and never throws. It queues on the peer's bounded queue, and drops and
 *   counts when it cannot (Raft tolerates loss; see `DropReason`).
 * - Each peer has one outbound connection, opened on first use and re-opened with back-off.
 * - Inbound connections are accepted from any node that completes the handshake; each message
 *   must come from the node that authenticated, addressed to this node.
 * - A frame that does not decode or validate closes that connection only, with a log line.
 *
 * Handlers run from socket callbacks: they should queue the message for the replica's loop
 * (house style §9), not step the core in place. A handler that throws is a bug and is not caught.
 */
export class TcpTransport {
  readonly nodeId: NodeId
  readonly #options: TcpTransportOptions
  readonly #limits: TransportLimits
  readonly #logger: Logger
  readonly #codec: Codec
  readonly #counters = new Counters()
  readonly #context: ConnectionContext
  readonly #links = new Map<NodeId, PeerLink>()
  readonly #inbound = new Set<InboundConnection>()
  readonly #handlers = new Set<MessageHandler>()
  readonly #sockets = new Set<Socket>()
  #blocked: ReadonlySet<NodeId> = new Set()
  #server: Server | undefined
  #closing: Promise<void> | undefined
  #socketsClosed: (() => void) | undefined

  constructor(options: TcpTransportOptions) {
    if (options.nodeId.length === 0) throw new RangeError('nodeId must not be empty')
    const secret = options.clusterSecret
    if (secret !== undefined && secret.length < clusterSecretLengthMin) {
      throw new RangeError(`clusterSecret must be at least ${clusterSecretLengthMin} characters`)
    }
    if (secret === undefined && !isLoopbackHost(options.listen.host)) {
      throw new RangeError(
        `listening on ${options.listen.host} (beyond loopback) requires a clusterSecret`,
      )
    }
    this.nodeId = options.nodeId
    this.#options = options
    this.#limits = resolveLimits(options.limits)
    this.#logger = options.logger ?? silentLogger
    const codecs = new Map<CodecName, Codec>()
    const codecFor = (name: CodecName): Codec => {
      let codec = codecs.get(name)
      if (codec === undefined) codecs.set(name, (codec = createCodec(name, this.#limits)))
      return codec
    }
    this.#codec = codecFor(options.codec ?? 'msgpack')
    this.#context = {
      identity: { nodeId: options.nodeId, clusterId: options.clusterId, clusterSecret: secret },
      codecName: this.#codec.name,
      limits: this.#limits,
      logger: this.#logger,
      counters: this.#counters,
      timers: options.timers ?? nodeTimers,
      random: options.random ?? Math.random,
      track: (socket) => this.#track(socket),
      codec: codecFor,
    }
    for (const [id, address] of options.peers ?? []) this.setPeer(id, address)
  }

  /** Starts listening; resolves once the port is bound (rejects if it cannot be, e.g. EADDRINUSE). */
  start(): Promise<void> {
    if (this.#server !== undefined || this.#closing !== undefined) {
      return Promise.reject(new Error('TcpTransport.start() may be called once, before close()'))
    }
    const server = createServer((socket) => this.#accept(socket))
    this.#server = server
    return new Promise((resolve, reject) => {
      const onStartError = (error: Error): void => reject(error)
      server.once('error', onStartError)
      server.listen({ host: this.#options.listen.host, port: this.#options.listen.port }, () => {
        server.off('error', onStartError)
        server.on('error', (error) =>
          this.#logger.error({ error: error.message }, 'peer listener error'),
        )
        const { port } = this.address
        this.#logger.info(
          { host: this.#options.listen.host, port },
          'listening for peers',
        )
        resolve()
      })
    })
  }

  /** The bound address (the real port when listening on port 0). Valid after `start()`. */
  get address(): { readonly host: string; readonly port: number } {
    const bound = this.#server?.address()
    if (bound === null || bound === undefined || typeof bound === 'string') {
      return { host: this.#options.listen.host, port: this.#options.listen.port }
    }
    return { host: bound.address, port: bound.port }
  }

  /** The bound port (the real one when listening on port 0). Valid after `start()`. */
  get port(): number {
    return this.address.port
  }

  /** Queues a message for `message.to`. Never blocks, never throws; drops and counts instead. */
  send(message: Message): void {
    if (this.#closing !== undefined) return this.#drop('closed')
    if (this.#blocked.has(message.to)) return this.#drop('blocked')
    const link = this.#links.get(message.to)
    if (link === undefined) return this.#drop('unknown-peer')
    let frame: Uint8Array
    try {
      const payload = this.#codec.encodeShared(message)
      if (payload.byteLength > this.#limits.frameBytesMax) {
        this.#logger.error(
          {
            peer: message.to,
            type: message.type,
            bytes: payload.byteLength,
            limit: this.#limits.frameBytesMax,
          },
          "message larger than frameBytesMax dropped; lower the core's message and chunk sizes",
        )
        return this.#drop('too-large')
      }
      frame = encodeFrame(payload)
    } catch (error) {
      this.#logger.error(
        { peer: message.to, type: message.type, error: String(error) },
        'message could not be encoded',
      )
      return this.#drop('encode-failed')
    }
    const result = link.enqueue(frame)
    if (!result.accepted) this.#drop('queue-full')
    this.#counters.dropped['queue-full'] += result.evicted
  }

  /** Subscribes to inbound messages; returns the unsubscribe function. */
  onMessage(handler: MessageHandler): () => void {
    this.#handlers.add(handler)
    return () => this.#handlers.delete(handler)
  }

  /** Adds a peer, or moves it to a new address (membership changes). Throws on a bad address. */
  setPeer(id: NodeId, address: string): void {
    if (id === this.nodeId) throw new RangeError(`setPeer: ${id} is this node`)
    const parsed = parsePeerAddress(address)
    const link = this.#links.get(id)
    if (link === undefined) this.#links.set(id, new PeerLink(id, parsed, this.#context))
    else link.setAddress(parsed)
  }

  /** Forgets a peer: closes its outbound connection and drops what was queued for it. */
  removePeer(id: NodeId): void {
    const link = this.#links.get(id)
    if (link === undefined) return
    this.#links.delete(id)
    this.#counters.dropped['peer-removed'] += link.close()
  }

  /** The peers this node sends to, with their addresses. */
  peers(): Map<NodeId, string> {
    return new Map([...this.#links].map(([id, link]) => [id, link.address.text]))
  }

  /**
   * Fault injection (`--debug-faults`): from now on drop every message to and from these
   * members, as if the network between them and us were cut. Replaces the previous set.
   */
  block(ids: readonly NodeId[]): void {
    this.#blocked = new Set(ids)
    this.#logger.warn({ blocked: [...this.#blocked] }, 'debug fault injection: peers blocked')
  }

  /** Heals what `block` cut. */
  unblock(): void {
    this.#blocked = new Set()
    this.#logger.warn({ blocked: [] }, 'debug fault injection: peers unblocked')
  }

  stats(): TransportStats {
    const peers: Record<NodeId, PeerStats> = {}
    for (const [id, link] of this.#links) {
      peers[id] = {
        address: link.address.text,
        state: link.state,
        queuedMessages: link.queuedMessages,
        queuedBytes: link.queuedBytes,
        inboundConnections: 0,
      }
    }
    for (const connection of this.#inbound) {
      const id = connection.peerId
      const peer = id === undefined ? undefined : peers[id]
      if (peer !== undefined)
        peers[id!] = { ...peer, inboundConnections: peer.inboundConnections + 1 }
    }
    return this.#counters.snapshot(peers)
  }

  /** Closes the listener, every connection and every timer; resolves when all sockets are closed. */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown()
    return this.#closing
  }

  async #shutDown(): Promise<void> {
    for (const link of this.#links.values()) this.#counters.dropped.closed += link.close()
    for (const connection of this.#inbound) connection.close('transport-closed')
    const serverClosed = new Promise<void>((resolve) => {
      if (this.#server === undefined || !this.#server.listening) resolve()
      else this.#server.close(() => resolve())
    })
    const socketsClosed = new Promise<void>((resolve) => {
      this.#socketsClosed = resolve
      this.#checkSocketsClosed()
    })
    for (const socket of this.#sockets) socket.destroy()
    await Promise.all([serverClosed, socketsClosed])
    this.#logger.info({}, 'peer transport closed')
  }

  #accept(socket: Socket): void {
    if (this.#closing !== undefined) {
      socket.destroy()
      return
    }
    if (this.#inbound.size >= this.#limits.inboundConnectionsMax) {
      this.#logger.warn(
        {
          remote: `${socket.remoteAddress}:${socket.remotePort}`,
          limit: this.#limits.inboundConnectionsMax,
        },
        'too many inbound peer connections; refused',
      )
      socket.on('error', () => {})
      socket.destroy()
      return
    }
    this.#track(socket)
    const connection = new InboundConnection(socket, this.#context, {
      onAuthenticated: (authenticated) => this.#onAuthenticated(authenticated),
      onMessage: (from, message) => this.#deliver(from, message),
      onClosed: (closed) => this.#inbound.delete(closed),
    })
    this.#inbound.add(connection)
  }

  /** A peer that reconnects supersedes its older connection (likely half-dead, from before). */
  #onAuthenticated(connection: InboundConnection): void {
    for (const other of this.#inbound) {
      if (other !== connection && other.peerId === connection.peerId) other.close('superseded')
    }
  }

  #deliver(connection: InboundConnection, message: Message): void {
    const peerId = connection.peerId!
    if (message.from !== peerId) {
      // A peer may only speak for itself: its id is what the handshake authenticated.
      if (!connection.spoofLogged) {
        connection.spoofLogged = true
        this.#logger.warn(
          {
            peer: peerId,
            remote: connection.remote,
            claimedFrom: message.from,
            type: message.type,
          },
          'message claiming another sender dropped',
        )
      }
      return this.#drop('spoofed')
    }
    if (message.to !== this.nodeId) return this.#drop('misaddressed')
    if (this.#blocked.has(peerId)) return this.#drop('blocked')
    if (this.#handlers.size === 0) return this.#drop('no-handler')
    this.#counters.messagesReceived++
    for (const handler of this.#handlers) handler(message)
  }

  #drop(reason: DropReason): void {
    this.#counters.dropped[reason]++
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket)
    socket.once('close', () => {
      this.#sockets.delete(socket)
      this.#checkSocketsClosed()
    })
  }

  #checkSocketsClosed(): void {
    if (this.#socketsClosed !== undefined && this.#sockets.size === 0) this.#socketsClosed()
  }
}
