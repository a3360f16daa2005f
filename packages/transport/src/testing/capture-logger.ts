import type { Logger } from '../logger.js'

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error'
  readonly fields: Record<string, unknown>
  readonly message: string
}

/** A logger that keeps every line, for tests that check what was logged. */
export class CaptureLogger implements Logger {
  readonly lines: LogLine[] = []
  debug(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'debug', fields, message })
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'info', fields, message })
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', fields, message })
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'error', fields, message })
  }
  /** Lines at warn or error whose fields include these values. */
  problems(match: Record<string, unknown> = {}): LogLine[] {
    return this.lines.filter(
      (line) =>
        (line.level === 'warn' || line.level === 'error') &&
        Object.entries(match).every(([key, value]) => line.fields[key] === value),
    )
  }
}
