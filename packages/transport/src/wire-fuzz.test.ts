import { expect, test } from 'vitest'
import { codecNames, createCodec } from './codec.js'
import { encodeFrame, FrameDecoder } from './framing.js'
import { sampleMessages } from './testing/messages.js'
import { randomInt, seededRandom } from './testing/random.js'

/**
 * The receive path end to end, without sockets: bytes → FrameDecoder → codec.decode, as an
 * inbound connection runs it. Random damage to whole frames (header included) must never throw,
 * and anything that gets through must be a whole, valid message.
 */
test.each(codecNames)(
  'property: damaged %s frames never throw and never yield a half-valid message',
  (name) => {
    const codec = createCodec(name)
    const random = seededRandom(name === 'msgpack' ? 21 : 22)
    const frames = sampleMessages().map((m) => encodeFrame(codec.encode(m)))
    let delivered = 0
    let refused = 0
    for (let round = 0; round < 5_000; round++) {
      const frame = Uint8Array.from(frames[randomInt(random, frames.length)]!)
      for (let e = 0; e < 1 + randomInt(random, 3); e++) {
        frame[randomInt(random, frame.length)] = randomInt(random, 256)
      }
      const decoder = new FrameDecoder(1 << 16)
      for (let at = 0; at < frame.length; at += 7) decoder.push(frame.subarray(at, at + 7))
      for (let r = decoder.next(); r !== undefined; r = decoder.next()) {
        if (!r.ok) {
          refused++
          break
        }
        const result = codec.decode(r.payload)
        if (!result.ok) {
          refused++
          continue
        }
        delivered++
        expect(codec.decode(codec.encode(result.message))).toStrictEqual(result)
      }
    }
    // Nearly all damage is caught, most of it by the checksum. The rest left the frame intact (a
    // byte overwritten with its own value) or grew its length, so the decoder waits for more.
    expect(refused).toBeGreaterThan(4_000)
    expect(delivered).toBeGreaterThan(0)
  },
)
