import { RaftkitClient, RaftkitError, RaftkitUnavailableError } from '@raftkit/client'
import type { Io } from '../io.js'
import { exitCodes, UsageError } from '../usage-error.js'

/** Options every client command takes (also from RAFTKIT_ENDPOINTS and RAFTKIT_API_KEY). */
export interface ClientFlags {
  readonly endpoints?: string
  readonly apiKey?: string
  readonly timeout?: string
  readonly json?: boolean
}

export const defaultEndpoints = 'http://127.0.0.1:7001,http://127.0.0.1:7002,http://127.0.0.1:7003'

export function clientFrom(
  flags: ClientFlags,
  env: Record<string, string | undefined> = process.env,
): RaftkitClient {
  const endpoints = (flags.endpoints ?? env['RAFTKIT_ENDPOINTS'] ?? defaultEndpoints)
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0)
  for (const url of endpoints) {
    try {
      new URL(url)
    } catch {
      throw new UsageError(`--endpoints: "${url}" is not a URL`)
    }
  }
  const timeoutMs = flags.timeout === undefined ? 10_000 : Number(flags.timeout)
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new UsageError('--timeout is a number of milliseconds')
  const apiKey = flags.apiKey ?? env['RAFTKIT_API_KEY']
  return new RaftkitClient({
    endpoints,
    deadlineMs: timeoutMs,
    requestTimeoutMs: Math.min(timeoutMs, 5000),
    ...(apiKey !== undefined ? { apiKey } : {}),
  })
}

/**
 * Runs a client command: prints what it returns (JSON with --json, else the text it made),
 * and turns the API's errors into a message on stderr and exit status 1.
 */
export async function runClientCommand(
  io: Io,
  flags: ClientFlags,
  body: (client: RaftkitClient) => Promise<{ json: unknown; text: string; status?: number }>,
): Promise<number> {
  const client = clientFrom(flags)
  try {
    const result = await body(client)
    io.stdout.write(flags.json === true ? `${JSON.stringify(result.json, null, 2)}\n` : result.text)
    return result.status ?? exitCodes.ok
  } catch (error) {
    if (error instanceof RaftkitError) {
      if (flags.json === true)
        io.stdout.write(
          `${JSON.stringify({ error: { code: error.code, message: error.message, ...error.details } }, null, 2)}\n`,
        )
      io.stderr.write(`error: ${error.status} ${error.code}: ${error.message}\n`)
      return exitCodes.failed
    }
    if (error instanceof RaftkitUnavailableError) {
      io.stderr.write(`error: ${error.message}\n`)
      return exitCodes.failed
    }
    throw error
  } finally {
    client.close()
  }
}
