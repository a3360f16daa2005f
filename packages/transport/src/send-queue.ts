/**
 * A peer's bounded queue of encoded frames, waiting for a connection or for the socket to drain.
 *
 * When full it drops the OLDEST frames to make room. Raft tolerates loss, and what a peer needs
 * after an outage is the newest state (a current-term heartbeat, the latest append), not
 * messages from before it went away, which it would mostly ignore as stale anyway.
 */
export interface SendQueueLimits {
  readonly messagesMax: number
  readonly bytesMax: number
}

export interface PushResult {
  /** False when the frame alone is larger than the queue's byte limit. */
  readonly accepted: boolean
  /** How many older frames were dropped to make room for it. */
  readonly evicted: number
}

export class SendQueue {
  readonly #limits: SendQueueLimits
  #frames: Uint8Array[] = []
  #head = 0
  #bytes = 0

  constructor(limits: SendQueueLimits) {
    this.#limits = limits
  }

  get length(): number {
    return this.#frames.length - this.#head
  }

  get bytes(): number {
    return this.#bytes
  }

  push(frame: Uint8Array): PushResult {
    if (frame.byteLength > this.#limits.bytesMax) return { accepted: false, evicted: 0 }
    let evicted = 0
    while (
      this.length >= this.#limits.messagesMax ||
      this.#bytes + frame.byteLength > this.#limits.bytesMax
    ) {
      this.shift()
      evicted++
    }
    this.#frames.push(frame)
    this.#bytes += frame.byteLength
    return { accepted: true, evicted }
  }

  /** Removes and returns the oldest frame. */
  shift(): Uint8Array | undefined {
    const frame = this.#frames[this.#head]
    if (frame === undefined) return undefined
    this.#frames[this.#head] = emptyFrame
    this.#head++
    this.#bytes -= frame.byteLength
    if (this.#head === this.#frames.length) {
      this.#frames = []
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#frames.length) {
      this.#frames.splice(0, this.#head)
      this.#head = 0
    }
    return frame
  }

  /** Empties the queue; returns how many frames it held. */
  clear(): number {
    const count = this.length
    this.#frames = []
    this.#head = 0
    this.#bytes = 0
    return count
  }
}

const emptyFrame = new Uint8Array(0)
