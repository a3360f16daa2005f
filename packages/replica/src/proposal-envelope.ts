/**
 * Every command the replica proposes travels in a small envelope that names its proposer:
 *
 *   0xF5 0x01 | 8 bytes: the proposing replica's instance tag | 4 bytes: proposal number (BE)
 *   | the command
 *
 * so that the node that took the client's request recognizes its command when it applies it,
 * whichever node appended it: a follower hands proposals to the leader through the core
 * (`Propose` messages, as etcd does) and learns the outcome from its own apply, with the state
 * machine's result. The replica removes the envelope before the state machine sees the entry.
 *
 * The tag is drawn from the injected random source when the replica starts, so proposals of an
 * earlier run of the same node (still in the log) are not taken for this run's. Entries without
 * the envelope (logs written before it existed) are applied as they are.
 */
const magic0 = 0xf5
const magic1 = 0x01
const headerBytes = 14

export interface ProposalTag {
  readonly high: number
  readonly low: number
}

export function wrapCommand(tag: ProposalTag, id: number, command: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerBytes + command.byteLength)
  const view = new DataView(out.buffer)
  out[0] = magic0
  out[1] = magic1
  view.setUint32(2, tag.high)
  view.setUint32(6, tag.low)
  view.setUint32(10, id)
  out.set(command, headerBytes)
  return out
}

export interface Unwrapped {
  /** The proposal number, when the entry was proposed by the replica instance with `tag`. */
  readonly id: number | undefined
  readonly command: Uint8Array
}

export function unwrapCommand(tag: ProposalTag, data: Uint8Array): Unwrapped {
  if (data.byteLength < headerBytes || data[0] !== magic0 || data[1] !== magic1) {
    return { id: undefined, command: data }
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const mine = view.getUint32(2) === tag.high && view.getUint32(6) === tag.low
  return { id: mine ? view.getUint32(10) : undefined, command: data.subarray(headerBytes) }
}
