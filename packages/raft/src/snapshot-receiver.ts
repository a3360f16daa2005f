import type { InstallSnapshot } from './messages.js'
import type { Snapshot } from './types.js'

/**
 * Reassembles a snapshot a follower receives in chunks. Chunks must arrive in order; a chunk at
 * an unexpected offset is ignored and the reply names the offset wanted, so a lost or duplicated
 * chunk costs one retransmission, never a restart from zero. A chunk of a different snapshot
 * starts over only if it is that snapshot's first chunk.
 */
export class SnapshotReceiver {
  #index = 0
  #term = 0
  #totalBytes = 0
  #buffer: Uint8Array = new Uint8Array(0)
  #received = 0

  /** Takes one chunk; returns the whole snapshot once its last byte has arrived. */
  receive(message: InstallSnapshot): Snapshot | undefined {
    const same =
      message.snapshotIndex === this.#index &&
      message.snapshotTerm === this.#term &&
      message.totalBytes === this.#totalBytes
    if (!same) {
      if (message.offset !== 0) return undefined
      this.#index = message.snapshotIndex
      this.#term = message.snapshotTerm
      this.#totalBytes = message.totalBytes
      this.#buffer = new Uint8Array(message.totalBytes)
      this.#received = 0
    }
    if (
      message.offset === this.#received &&
      this.#received + message.chunk.byteLength <= this.#totalBytes
    ) {
      this.#buffer.set(message.chunk, this.#received)
      this.#received += message.chunk.byteLength
    }
    if (this.#received < this.#totalBytes) return undefined
    const snapshot: Snapshot = {
      meta: { index: message.snapshotIndex, term: message.snapshotTerm, config: message.config },
      data: this.#buffer,
    }
    this.#reset()
    return snapshot
  }

  /** The offset the follower wants next for the snapshot this chunk belongs to. */
  receivedBytes(message: InstallSnapshot): number {
    return message.snapshotIndex === this.#index && message.snapshotTerm === this.#term
      ? this.#received
      : 0
  }

  #reset(): void {
    this.#index = 0
    this.#term = 0
    this.#totalBytes = 0
    this.#buffer = new Uint8Array(0)
    this.#received = 0
  }
}
