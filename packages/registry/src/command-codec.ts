import { validateCommand as validateKvCommand, type KvCommand } from '@raftkit/kv'
import type { MemberRecord, RegistryCommand, VersionCommand } from './commands.js'
import { registryLimits } from './limits.js'
import { parseVersionNo } from './versions/semver-order.js'
import { platformPattern, versionIdPattern } from './versions/version-record.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Commands travel in log entries as UTF-8 JSON (readable in a hex dump, easy in any language). */
export function encodeRegistryCommand(command: RegistryCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command))
}

export type RegistryDecodeResult =
  | { readonly ok: true; readonly command: RegistryCommand }
  | { readonly ok: false; readonly error: string }

/**
 * Decodes and validates an entry. A malformed entry is a value, never an exception: every replica
 * answers it with the same rejection and changes nothing.
 */
export function decodeRegistryCommand(bytes: Uint8Array): RegistryDecodeResult {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    return { ok: false, error: 'entry is not UTF-8 JSON' }
  }
  const error = validateRegistryCommand(value)
  return error === undefined
    ? { ok: true, command: value as RegistryCommand }
    : { ok: false, error }
}

/** Why `value` is not a valid command, or undefined if it is one. */
export function validateRegistryCommand(value: unknown): string | undefined {
  if (!isObject(value)) return 'command must be a JSON object'
  switch (value['t']) {
    case 'kv': {
      const error = validateKvCommand(value['command'])
      if (error !== undefined) return error
      const expiresAt = value['expiresAt']
      if (expiresAt !== undefined && !isTime(expiresAt)) return 'expiresAt must be a time in ms'
      if (expiresAt !== undefined && (value['command'] as KvCommand).op === 'get')
        return 'a get has no expiry'
      if (value['at'] !== undefined && !isTime(value['at'])) return 'at must be a time in ms'
      return undefined
    }
    case 'expire':
      if (typeof value['key'] !== 'string' || value['key'].length === 0) return 'expire.key'
      if (!isIndex(value['revision'])) return 'expire.revision must be a log index'
      return undefined
    case 'member':
      return validateMember(value['member'])
    case 'member-remove':
      return typeof value['id'] === 'string' && value['id'].length > 0
        ? undefined
        : 'member-remove.id'
    case 'version':
      return validateVersionCommand(value['command'])
    default:
      return `unknown command type ${JSON.stringify(value['t'])}`
  }
}

function validateMember(value: unknown): string | undefined {
  if (!isObject(value)) return 'member must be an object'
  const member = value as Partial<Record<keyof MemberRecord, unknown>>
  if (typeof member.id !== 'string' || member.id.length === 0) return 'member.id'
  if (typeof member.peerAddr !== 'string') return 'member.peerAddr'
  if (typeof member.clientUrl !== 'string') return 'member.clientUrl'
  if (typeof member.promote !== 'boolean') return 'member.promote'
  return undefined
}

/** Returns why a version command is invalid; the HTTP layer checks the same things first. */
export function validateVersionCommand(value: unknown): string | undefined {
  if (!isObject(value)) return 'version command must be an object'
  const command = value as Partial<Record<string, unknown>>
  const { clientId, seq, id } = command
  if (typeof clientId !== 'string' || clientId.length === 0) return 'clientId'
  if (encoder.encode(clientId).byteLength > registryLimits.clientIdBytesMax)
    return 'clientId length'
  if (!isIndex(seq) || seq < 1) return 'seq must be a positive integer'
  if (typeof id !== 'string' || !versionIdPattern.test(id)) return `invalid version id`
  const op = command['op'] as VersionCommand['op'] | undefined
  switch (op) {
    case 'add':
      if (typeof command['platform'] !== 'string' || !platformPattern.test(command['platform']))
        return 'invalid platform'
      if (
        typeof command['versionNo'] !== 'string' ||
        parseVersionNo(command['versionNo']) === undefined
      )
        return 'versionNo is not a semantic version'
      if (!isTime(command['at'])) return 'at must be a time in ms'
      if (command['generated'] !== undefined && typeof command['generated'] !== 'boolean')
        return 'generated must be a boolean'
      if (command['generated'] === true && !/^\d{1,19}$/.test(id))
        return 'a generated id is a snowflake'
      return undefined
    case 'update':
      if (
        command['platform'] !== undefined &&
        (typeof command['platform'] !== 'string' || !platformPattern.test(command['platform']))
      )
        return 'invalid platform'
      if (
        command['versionNo'] !== undefined &&
        (typeof command['versionNo'] !== 'string' ||
          parseVersionNo(command['versionNo']) === undefined)
      )
        return 'versionNo is not a semantic version'
      if (command['ifRevision'] !== undefined && !isIndex(command['ifRevision']))
        return 'ifRevision must be a revision'
      if (!isTime(command['at'])) return 'at must be a time in ms'
      return undefined
    case 'delete':
      if (command['ifRevision'] !== undefined && !isIndex(command['ifRevision']))
        return 'ifRevision must be a revision'
      return undefined
    default:
      return `unknown version op ${JSON.stringify(op)}`
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
