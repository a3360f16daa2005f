import { createServer } from 'node:net'

function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, host, () => server.close(() => resolve(true)))
  })
}

/**
 * A base port such that base+1 .. base+count are all free now (for `raftkit start`-style port
 * numbering), picked at random away from the defaults 7001-7103 and 8080.
 */
export async function freePortBase(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    const ports = Array.from({ length: count }, (_, i) => base + i + 1)
    const free = await Promise.all(ports.map((port) => isFree(port)))
    if (free.every(Boolean)) return base
  }
  throw new Error(`no ${count} consecutive free ports found`)
}
