/**
 * The logger the transport writes to: pino's `(fields, message)` shape, so a pino logger can be
 * passed as is. Fields always name the peer and, for closed connections, the reason and bytes.
 */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
  debug?(fields: Record<string, unknown>, message: string): void
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} }
