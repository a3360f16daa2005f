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
  /** The leader sending it, and its term: chunks from another leader start a new transfer. */
  #from = ''
  #leaderTerm = 0
  #totalBytes = 0
  #buffer: Uint8Array = new Uint8Array(0)
  #received = 0

  /** Takes one chunk; returns the whole snapshot once its last byte has arrived. */
  receive(message: InstallSnapshot): Snapshot | undefined {
    if (!this.#same(message)) {
      if (message.offset !== 0) return undefined
      this.#index = message.snapshotIndex
      this.#term = message.snapshotTerm
      this.#from = message.from
      this.#leaderTerm = message.term
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
    return this.#same(message) ? this.#received : 0
  }

  #same(message: InstallSnapshot): boolean {
    return (
      message.snapshotIndex === this.#index &&
      message.snapshotTerm === this.#term &&
      message.totalBytes === this.#totalBytes &&
      message.from === this.#from &&
      message.term === this.#leaderTerm
    )
  }

  #reset(): void {
    this.#index = 0
    this.#term = 0
    this.#from = ''
    this.#leaderTerm = 0
    this.#totalBytes = 0
    this.#buffer = new Uint8Array(0)
    this.#received = 0
  }
}
