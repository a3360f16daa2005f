/**
 * UTF-8 for a package compiled without DOM or Node types. `TextEncoder` and `TextDecoder` exist
 * at run time in every JavaScript runtime raftkit targets (Node, browsers, workers), but the
 * ES2023 library has no types for them, so they are described here locally instead of through a
 * global declaration that could clash with `lib.dom.d.ts` or `@types/node` in a consumer.
 */
interface Utf8Encoder {
  encode(text: string): Uint8Array
}
interface Utf8Decoder {
  decode(bytes: Uint8Array): string
}
interface Utf8Globals {
  readonly TextEncoder?: new () => Utf8Encoder
  readonly TextDecoder?: new (label: string, options: { fatal: boolean }) => Utf8Decoder
}

const globals = globalThis as unknown as Utf8Globals
if (globals.TextEncoder === undefined || globals.TextDecoder === undefined) {
  throw new Error('@raftkit/kv needs TextEncoder and TextDecoder (any modern JavaScript runtime)')
}
const encoder = new globals.TextEncoder()
// fatal: invalid UTF-8 is an error rather than silently replaced, so a corrupt command is refused.
const decoder = new globals.TextDecoder('utf-8', { fatal: true })

/** Encodes text as UTF-8 (a lone surrogate becomes U+FFFD, as the Encoding standard says). */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Decodes UTF-8, or returns undefined if the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes)
  } catch {
    return undefined
  }
}

/** The UTF-8 length of a string without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8ByteLength(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}
