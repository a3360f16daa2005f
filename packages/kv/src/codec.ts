import type { KvCommand } from './commands.js'
import { kvLimits } from './limits.js'
import { decodeUtf8, encodeUtf8, utf8ByteLength } from './utf8.js'

/**
 * Commands travel in log entries as UTF-8 JSON: readable in a hex dump, easy to decode in any
 * language, and small enough for a key-value store. Fields are written in a fixed order so that
 * equal commands encode to equal bytes.
 */
export function encodeCommand(command: KvCommand): Uint8Array {
  return encodeUtf8(JSON.stringify(canonical(command)))
}

function canonical(command: KvCommand): KvCommand {
  const { clientId, seq, key } = command
  switch (command.op) {
    case 'put':
      return { op: 'put', clientId, seq, key, value: command.value }
    case 'get':
      return { op: 'get', clientId, seq, key }
    case 'delete':
      return { op: 'delete', clientId, seq, key }
    case 'cas':
      return { op: 'cas', clientId, seq, key, expected: command.expected, value: command.value }
  }
}

export type DecodeResult =
  | { readonly ok: true; readonly command: KvCommand }
  | { readonly ok: false; readonly error: string }

/**
 * Decodes and validates a command. Entries come from the log, and a replica must treat a bad one
 * exactly as every other replica does, so a malformed entry is a value (`ok: false`), never an
 * exception: the state machine answers it with a rejection and changes nothing.
 */
export function decodeCommand(bytes: Uint8Array): DecodeResult {
  const text = decodeUtf8(bytes)
  if (text === undefined) return { ok: false, error: 'command is not valid UTF-8' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, error: 'command is not valid JSON' }
  }
  const error = validateCommand(value)
  return error === undefined ? { ok: true, command: value as KvCommand } : { ok: false, error }
}

/** Returns why `value` is not a valid command, or undefined if it is one. */
export function validateCommand(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'command must be a JSON object'
  const command = value as Record<string, unknown>
  const envelopeError = validateEnvelope(command)
  if (envelopeError !== undefined) return envelopeError
  switch (command['op']) {
    case 'put':
      return validateFields(command, ['op', 'clientId', 'seq', 'key', 'value'])
    case 'get':
    case 'delete':
      return validateFields(command, ['op', 'clientId', 'seq', 'key'])
    case 'cas': {
      const expected = command['expected']
      if (expected !== null && typeof expected !== 'string')
        return 'cas.expected must be a string or null'
      if (typeof expected === 'string' && utf8ByteLength(expected) > kvLimits.valueBytesMax)
        return `cas.expected is longer than ${kvLimits.valueBytesMax} bytes`
      return validateFields(command, ['op', 'clientId', 'seq', 'key', 'expected', 'value'])
    }
    default:
      return `unknown op ${JSON.stringify(command['op'])}`
  }
}

function validateEnvelope(command: Record<string, unknown>): string | undefined {
  const { clientId, seq, key } = command
  if (typeof clientId !== 'string' || clientId.length === 0)
    return 'clientId must be a non-empty string'
  if (utf8ByteLength(clientId) > kvLimits.clientIdBytesMax)
    return `clientId is longer than ${kvLimits.clientIdBytesMax} bytes`
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
    return 'seq must be a positive integer'
  if (typeof key !== 'string' || key.length === 0) return 'key must be a non-empty string'
  if (utf8ByteLength(key) > kvLimits.keyBytesMax)
    return `key is longer than ${kvLimits.keyBytesMax} bytes`
  return undefined
}

function validateFields(
  command: Record<string, unknown>,
  allowed: readonly string[],
): string | undefined {
  if (allowed.includes('value')) {
    const value = command['value']
    if (typeof value !== 'string') return `${String(command['op'])}.value must be a string`
    if (utf8ByteLength(value) > kvLimits.valueBytesMax)
      return `value is longer than ${kvLimits.valueBytesMax} bytes`
  }
  for (const field of Object.keys(command)) {
    if (!allowed.includes(field)) return `unexpected field ${JSON.stringify(field)}`
  }
  return undefined
}
