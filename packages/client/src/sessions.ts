import { randomBytes } from 'node:crypto'

/**
 * Exactly-once identities for writes (Raft thesis §6.3). The server remembers, per client id,
 * the latest sequence number and its answer, so a retry with the same (id, seq) gets the first
 * answer and is not applied again. It keeps one outstanding request per id, so concurrent writes
 * each take a lane: an id of their own with its own counter, returned when the write settles.
 */
export class SessionLanes {
  readonly #base: string
  readonly #free: Lane[] = []
  #created = 0

  constructor(clientId?: string) {
    this.#base = clientId ?? `sdk-${randomBytes(6).toString('hex')}`
    if (!/^[A-Za-z0-9_-]{1,56}$/.test(this.#base)) {
      throw new Error('a client id is 1-56 letters, digits, - or _')
    }
  }

  get clientId(): string {
    return this.#base
  }

  /** Takes a lane and the next sequence number on it. */
  acquire(): Lane {
    const lane = this.#free.pop() ?? new Lane(`${this.#base}-${this.#created++}`)
    lane.seq++
    return lane
  }

  release(lane: Lane): void {
    this.#free.push(lane)
  }
}

export class Lane {
  readonly id: string
  seq = 0

  constructor(id: string) {
    this.id = id
  }
}
