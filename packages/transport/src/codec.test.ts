import { encode as msgpackEncode } from '@msgpack/msgpack'
import type { Message } from '@raftkit/raft'
import { describe, expect, test } from 'vitest'
import { codecNames, createCodec, type CodecName } from './codec.js'
import { sampleMessages } from './testing/messages.js'
import { randomInt, seededRandom } from './testing/random.js'

/** Encodes an arbitrary value the way each codec puts it on the wire (bytes as bin / base64). */
function rawEncode(codec: CodecName, value: unknown): Uint8Array {
  if (codec === 'msgpack') return msgpackEncode(value)
  return new TextEncoder().encode(
    JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
      const raw = this[key]
      return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : v
    }),
  )
}

/** The sample message of a type as a plain, mutable object. */
function plain(type: Message['type']): Record<string, unknown> {
  const message = sampleMessages().find((m) => m.type === type)!
  return structuredClone(message) as unknown as Record<string, unknown>
}

describe.each(codecNames)('%s codec', (name) => {
  const codec = createCodec(name)

  test.each(sampleMessages().map((m) => [m.type, m] as const))('round-trips %s', (_, message) => {
    const result = codec.decode(codec.encode(message))
    expect(result).toStrictEqual({ ok: true, message })
  })

  test('encodeShared gives the same bytes as encode', () => {
    for (const message of sampleMessages()) {
      expect(Array.from(codec.encodeShared(message))).toEqual(Array.from(codec.encode(message)))
    }
  })

  test('sends only the fields of the variant, and Buffers as bytes', () => {
    const message = {
      type: 'Propose',
      from: 'n1',
      to: 'n2',
      term: 1,
      commands: [Buffer.from('hello')],
      internal: 'not for the wire',
    } as unknown as Message
    const result = codec.decode(codec.encode(message))
    expect(result).toStrictEqual({
      ok: true,
      message: {
        type: 'Propose',
        from: 'n1',
        to: 'n2',
        term: 1,
        commands: [new Uint8Array(Buffer.from('hello'))],
      },
    })
  })

  test('decoded bytes are copies that do not pin the frame they arrived in', () => {
    const payload = codec.encode(sampleMessages()[2]!)
    const frame = new Uint8Array(payload.length + 100)
    frame.set(payload, 50)
    const result = codec.decode(frame.subarray(50, 50 + payload.length))
    expect(result.ok && result.message.type === 'AppendEntries').toBe(true)
    if (result.ok && result.message.type === 'AppendEntries') {
      const entry = result.message.entries[1]!
      expect(entry.kind === 'command' && entry.data.buffer !== frame.buffer).toBe(true)
    }
  })

  const invalid: [string, () => unknown][] = [
    ['an unknown type', () => ({ ...plain('TimeoutNow'), type: 'Nope' })],
    ['a missing field', () => ({ ...plain('Heartbeat'), commit: undefined })],
    ['an extra field', () => ({ ...plain('TimeoutNow'), extra: 1 })],
    ['a negative term', () => ({ ...plain('TimeoutNow'), term: -1 })],
    ['a fractional index', () => ({ ...plain('Heartbeat'), commit: 1.5 })],
    ['an unsafe integer', () => ({ ...plain('Heartbeat'), commit: 2 ** 53 })],
    ['a term as a string', () => ({ ...plain('TimeoutNow'), term: '3' })],
    ['an empty sender', () => ({ ...plain('TimeoutNow'), from: '' })],
    ['a long sender', () => ({ ...plain('TimeoutNow'), from: 'x'.repeat(300) })],
    ['a boolean as a number', () => ({ ...plain('RequestVoteReply'), granted: 1 })],
    ['entries that skip an index', () => withEntry((e) => ({ ...e, index: 12 }), 3)],
    ['entries whose term goes back', () => withEntry((e) => ({ ...e, term: 4 }), 1)],
    ['an entry beyond the message term', () => withEntry((e) => ({ ...e, term: 6 }), 3)],
    ['an unknown entry kind', () => withEntry((e) => ({ ...e, kind: 'blob' }), 0)],
    [
      'an entry with an extra field',
      () => withEntry((e) => ({ ...e, data: new Uint8Array(1) }), 0),
    ],
    ['command data that is not bytes', () => withEntry((e) => ({ ...e, data: [1, 2] }), 1)],
    [
      'a config naming a member twice',
      () => ({ ...plain('InstallSnapshot'), config: { voters: ['a', 'b'], learners: ['a'] } }),
    ],
    ['a chunk past the snapshot end', () => ({ ...plain('InstallSnapshot'), offset: 5 })],
    [
      'a snapshot over the size limit',
      () => ({ ...plain('InstallSnapshot'), totalBytes: 2 ** 40 }),
    ],
    ['entries that are not an array', () => ({ ...plain('AppendEntries'), entries: {} })],
    ['a top-level array', () => [plain('TimeoutNow')]],
    ['a top-level null', () => null],
    ['a top-level string', () => 'TimeoutNow'],
  ]

  test.each(invalid)('refuses %s', (_, make) => {
    const value = make()
    // `undefined` fields are left out, as a sender that forgot them would.
    const cleaned =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
        : value
    const result = codec.decode(rawEncode(name, cleaned))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toBe('invalid')
  })

  test('refuses bytes that do not decode at all', () => {
    const valid = codec.encode(sampleMessages()[0]!)
    for (const bytes of [
      new Uint8Array(0),
      valid.subarray(0, valid.length - 1),
      Uint8Array.from([0xc1]),
      concat(valid, Uint8Array.of(0)),
    ]) {
      const result = codec.decode(bytes)
      expect(result).toMatchObject({ ok: false, error: 'undecodable' })
    }
  })

  test('property: random mutations of valid payloads never throw and never yield a half-valid message', () => {
    const random = seededRandom(name === 'msgpack' ? 1 : 2)
    const payloads = sampleMessages().map((m) => codec.encode(m))
    let accepted = 0
    for (let i = 0; i < 20_000; i++) {
      const mutated = mutate(payloads[randomInt(random, payloads.length)]!, random)
      const result = codec.decode(mutated)
      if (!result.ok) continue
      accepted++
      // Whatever was accepted is a whole, valid message: it survives its own round trip.
      expect(codec.decode(codec.encode(result.message))).toStrictEqual(result)
    }
    expect(accepted).toBeGreaterThan(0)
  })
})

describe('json codec', () => {
  test('is readable, with bytes as base64', () => {
    const propose: Message = {
      type: 'Propose',
      from: 'n1',
      to: 'n2',
      term: 1,
      commands: [Buffer.from('hi')],
    }
    const text = new TextDecoder().decode(createCodec('json').encode(propose))
    expect(JSON.parse(text)).toEqual({
      type: 'Propose',
      from: 'n1',
      to: 'n2',
      term: 1,
      commands: ['aGk='],
    })
  })

  test('refuses non-canonical base64, invalid UTF-8 and __proto__ keys', () => {
    const codec = createCodec('json')
    const text = (s: string): Uint8Array => new TextEncoder().encode(s)
    const propose = (command: string): string =>
      `{"type":"Propose","from":"n1","to":"n2","term":1,"commands":[${JSON.stringify(command)}]}`
    expect(codec.decode(text(propose('aGk='))).ok).toBe(true)
    expect(codec.decode(text(propose('a!Gk=')))).toMatchObject({ ok: false, error: 'invalid' })
    expect(codec.decode(text(propose('aGk')))).toMatchObject({ ok: false, error: 'invalid' })
    expect(codec.decode(Uint8Array.of(0x7b, 0xff, 0x7d))).toMatchObject({
      ok: false,
      error: 'undecodable',
    })
    const proto = '{"type":"TimeoutNow","from":"n1","to":"n2","term":1,"__proto__":{"x":1}}'
    expect(codec.decode(text(proto))).toMatchObject({ ok: false, error: 'invalid' })
  })
})

function withEntry(
  change: (entry: Record<string, unknown>) => Record<string, unknown>,
  at: number,
): unknown {
  const message = plain('AppendEntries')
  const entries = [...(message['entries'] as Record<string, unknown>[])]
  entries[at] = change(entries[at]!)
  return { ...message, entries }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** One to four random edits: flip, overwrite, insert, delete, or truncate. */
function mutate(input: Uint8Array, random: () => number): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(input)
  const edits = 1 + randomInt(random, 4)
  for (let e = 0; e < edits; e++) {
    const at = randomInt(random, Math.max(1, bytes.length))
    switch (randomInt(random, 5)) {
      case 0:
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << randomInt(random, 8))
        break
      case 1:
        if (bytes.length > 0) bytes[at] = randomInt(random, 256)
        break
      case 2:
        bytes = concat(
          concat(bytes.subarray(0, at), Uint8Array.of(randomInt(random, 256))),
          bytes.subarray(at),
        )
        break
      case 3:
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + 1))
        break
      default:
        bytes = bytes.subarray(0, at)
    }
  }
  return bytes
}
