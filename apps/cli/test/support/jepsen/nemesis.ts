import type { ProcessCluster } from '../process-cluster.js'
import type { Rng } from '../random.js'
import { sleep } from '../wait.js'

/**
 * The faults the nemesis can inject into a cluster of real processes:
 * - `kill`: kill -9 of one node (the leader half the time), restarted with its data a while later;
 * - `kill-all`: kill -9 of every node at the same instant, then all restarted;
 * - `pause`: SIGSTOP of one node (the leader half the time), SIGCONT a while later;
 * - `partition`: one node (the leader half the time) cut off from the others, through
 *   `/v1/debug/network` on both sides of the cut, then healed;
 * - `split-leader`: in clusters of five or more, the leader and one follower cut off from the rest
 *   (a minority that still holds a leader), then healed.
 */
export type FaultKind = 'kill' | 'kill-all' | 'pause' | 'partition' | 'split-leader'

export const faultKinds: readonly FaultKind[] = [
  'kill',
  'kill-all',
  'pause',
  'partition',
  'split-leader',
]

/** How often each fault is picked, relative to the others: losing every node is the rarest. */
const faultWeights: Readonly<Record<FaultKind, number>> = {
  kill: 3,
  pause: 3,
  partition: 3,
  'split-leader': 2,
  'kill-all': 1,
}

export interface NemesisOptions {
  readonly faults: readonly FaultKind[]
  /** How long a fault lasts, in milliseconds: [min, max]. */
  readonly faultMs: readonly [number, number]
  /** Calm between faults, in milliseconds: [min, max]. */
  readonly calmMs: readonly [number, number]
}

export interface FaultRecord {
  readonly kind: FaultKind
  readonly targets: readonly string[]
  readonly at: number
  readonly durationMs: number
}

/**
 * Injects one fault at a time, following a seeded schedule, until told to stop; then undoes the
 * fault in force, so the cluster is whole again when `run` resolves.
 */
export class Nemesis {
  readonly log: FaultRecord[] = []
  readonly #cluster: ProcessCluster
  readonly #rng: Rng
  readonly #options: NemesisOptions
  readonly #now: () => number

  constructor(cluster: ProcessCluster, rng: Rng, options: NemesisOptions, now: () => number) {
    this.#cluster = cluster
    this.#rng = rng
    this.#options = options
    this.#now = now
  }

  async run(shouldStop: () => boolean): Promise<void> {
    const kinds = this.#options.faults.filter(
      (kind) => kind !== 'split-leader' || this.#cluster.nodes.length >= 5,
    )
    if (kinds.length === 0) return
    while (!shouldStop()) {
      await this.#pause(this.#options.calmMs, shouldStop)
      if (shouldStop()) break
      const kind = this.#pickWeighted(kinds)
      const durationMs = this.#rng.int(...this.#options.faultMs)
      const targets = await this.#inject(kind)
      this.log.push({ kind, targets, at: this.#now(), durationMs })
      await this.#pause([durationMs, durationMs], shouldStop)
      await this.#undo(kind, targets)
    }
  }

  #pickWeighted(kinds: readonly FaultKind[]): FaultKind {
    const total = kinds.reduce((sum, kind) => sum + faultWeights[kind], 0)
    let roll = this.#rng.next() * total
    for (const kind of kinds) {
      roll -= faultWeights[kind]
      if (roll < 0) return kind
    }
    return kinds[kinds.length - 1]!
  }

  async #pause(range: readonly [number, number], shouldStop: () => boolean): Promise<void> {
    const until = performance.now() + this.#rng.int(range[0], range[1])
    while (!shouldStop() && performance.now() < until)
      await sleep(Math.min(50, until - performance.now()))
  }

  /** The leader if one is known right now (half the time), else a random node. */
  async #victim(): Promise<string> {
    if (this.#rng.next() < 0.5) {
      const leader = await this.#cluster
        .leader({ timeoutMs: 2_000 })
        .then((l) => l.id)
        .catch(() => undefined)
      if (leader !== undefined) return leader
    }
    return this.#rng.pick(this.#cluster.ids)
  }

  async #inject(kind: FaultKind): Promise<string[]> {
    const cluster = this.#cluster
    switch (kind) {
      case 'kill': {
        const victim = await this.#victim()
        await cluster.kill(victim)
        return [victim]
      }
      case 'kill-all':
        await cluster.killAll()
        return [...cluster.ids]
      case 'pause': {
        const victim = await this.#victim()
        cluster.pause(victim)
        return [victim]
      }
      case 'partition': {
        const victim = await this.#victim()
        await cluster.isolate([victim])
        return [victim]
      }
      case 'split-leader': {
        const leader = await this.#victim()
        const buddy = this.#rng.pick(cluster.ids.filter((id) => id !== leader))
        await cluster.isolate([leader, buddy])
        return [leader, buddy]
      }
    }
  }

  async #undo(kind: FaultKind, targets: readonly string[]): Promise<void> {
    const cluster = this.#cluster
    switch (kind) {
      case 'kill':
      case 'kill-all':
        await Promise.all(targets.map((id) => cluster.start(id, { timeoutMs: 60_000 })))
        return
      case 'pause':
        for (const id of targets) cluster.resume(id)
        return
      case 'partition':
      case 'split-leader':
        await cluster.heal()
        return
    }
  }
}
