import { describe, expect, test } from 'vitest'
import { decodeCommand, encodeCommand } from './codec.js'
import type { KvCommand } from './commands.js'
import { kvLimits } from './limits.js'

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('command codec', () => {
  const commands: KvCommand[] = [
    { op: 'put', clientId: 'c1', seq: 1, key: 'k', value: 'v' },
    { op: 'get', clientId: 'c1', seq: 2, key: 'k' },
    { op: 'delete', clientId: 'c2', seq: 7, key: 'ключ' },
    { op: 'cas', clientId: 'c3', seq: 9, key: 'k', expected: null, value: '✓' },
    { op: 'cas', clientId: 'c3', seq: 10, key: 'k', expected: '✓', value: '' },
  ]

  test.each(commands)('round-trips $op', (command) => {
    expect(decodeCommand(encodeCommand(command))).toEqual({ ok: true, command })
  })

  test('equal commands encode to equal bytes whatever the field order', () => {
    const a = encodeCommand({ op: 'put', clientId: 'c', seq: 1, key: 'k', value: 'v' })
    const shuffled = { value: 'v', key: 'k', seq: 1, clientId: 'c', op: 'put' } as const
    expect(encodeCommand(shuffled)).toEqual(a)
  })

  test.each([
    ['not UTF-8', new Uint8Array([0xff, 0xfe]), 'UTF-8'],
    ['not JSON', new TextEncoder().encode('{'), 'JSON'],
    ['an array', encode([]), 'object'],
    ['an unknown op', encode({ op: 'nuke', clientId: 'c', seq: 1, key: 'k' }), 'unknown op'],
    ['no clientId', encode({ op: 'get', seq: 1, key: 'k' }), 'clientId'],
    ['seq 0', encode({ op: 'get', clientId: 'c', seq: 0, key: 'k' }), 'seq'],
    ['a fractional seq', encode({ op: 'get', clientId: 'c', seq: 1.5, key: 'k' }), 'seq'],
    ['an empty key', encode({ op: 'get', clientId: 'c', seq: 1, key: '' }), 'key'],
    ['a numeric value', encode({ op: 'put', clientId: 'c', seq: 1, key: 'k', value: 1 }), 'value'],
    ['an extra field', encode({ op: 'get', clientId: 'c', seq: 1, key: 'k', x: 1 }), '"x"'],
    [
      'a cas without expected',
      encode({ op: 'cas', clientId: 'c', seq: 1, key: 'k', value: 'v' }),
      'expected',
    ],
    [
      'a key over the limit',
      encode({ op: 'get', clientId: 'c', seq: 1, key: 'k'.repeat(kvLimits.keyBytesMax + 1) }),
      'key is longer',
    ],
  ])('refuses %s as a value, not an exception', (_name, bytes, fragment) => {
    const decoded = decodeCommand(bytes)
    expect(decoded.ok).toBe(false)
    if (!decoded.ok) expect(decoded.error).toContain(fragment)
  })

  test('a key of exactly the limit in multi-byte characters is accepted', () => {
    const key = 'é'.repeat(kvLimits.keyBytesMax / 2)
    expect(decodeCommand(encode({ op: 'get', clientId: 'c', seq: 1, key })).ok).toBe(true)
    expect(decodeCommand(encode({ op: 'get', clientId: 'c', seq: 1, key: key + 'x' })).ok).toBe(
      false,
    )
  })
})
