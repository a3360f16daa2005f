/** A peer's TCP address, parsed from the `host:port` form used in configs (`[::1]:7101` for IPv6). */
export interface PeerAddress {
  readonly host: string
  readonly port: number
  /** As configured, so `TcpTransport.peers()` gives back exactly what `setPeer` was given. */
  readonly text: string
}

/** Parses `host:port`. Throws a RangeError naming the input when it is not one. */
export function parsePeerAddress(text: string): PeerAddress {
  const colon = text.lastIndexOf(':')
  const portText = text.slice(colon + 1)
  let host = text.slice(0, colon)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  const port = Number(portText)
  if (colon <= 0 || host.length === 0 || !/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    throw new RangeError(`invalid peer address "${text}": expected host:port`)
  }
  return { host, port, text }
}

/** Whether a listen host only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}
