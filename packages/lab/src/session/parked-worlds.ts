import type { RecipeStamp } from '../protocol/index.js'
import type { SimWorld } from './world.js'

export interface ParkedWorld {
  readonly world: SimWorld
  /** How many recipe commands it has applied. */
  readonly cursor: number
}

/**
 * Worlds kept at earlier points of a run, so that seeking back replays from the nearest one
 * instead of from the start. The simulator cannot be copied, so a parked world is used up when
 * a seek takes it; the session parks the world it leaves behind and rebuilds marks in the
 * background while idle.
 */
export class ParkedWorlds {
  #parked: ParkedWorld[] = []
  readonly #capacity: number

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  get size(): number {
    return this.#parked.length
  }

  times(): number[] {
    return this.#parked.map((parked) => parked.world.now)
  }

  /** Parks a world; when full, lets go of the one closest to another (keeping them spread out). */
  park(parked: ParkedWorld): void {
    if (parked.world.stopped) return
    this.#parked.push(parked)
    this.#parked.sort((a, b) => a.world.now - b.world.now || a.world.steps - b.world.steps)
    while (this.#parked.length > this.#capacity) {
      let closest = 1
      let gap = Infinity
      for (let i = 1; i < this.#parked.length; i++) {
        const g = this.#parked[i]!.world.now - this.#parked[i - 1]!.world.now
        if (g < gap) {
          gap = g
          closest = i
        }
      }
      this.#parked.splice(closest, 1)
    }
  }

  /** Takes the latest parked world that is not past `target` (undefined: replay from the start). */
  take(target: RecipeStamp): ParkedWorld | undefined {
    for (let i = this.#parked.length - 1; i >= 0; i--) {
      if (!this.#parked[i]!.world.isPast(target)) return this.#parked.splice(i, 1)[0]
    }
    return undefined
  }

  /** Whether some parked world is within `distanceMs` before `time`. */
  hasNear(time: number, distanceMs: number): boolean {
    return this.#parked.some((p) => p.world.now <= time && time - p.world.now <= distanceMs)
  }

  /**
   * Lets go of worlds past `stamp`, or that applied more than `cursor` commands: the run
   * changed course there, so they show another run.
   */
  dropAfter(stamp: RecipeStamp, cursor: number): void {
    this.#parked = this.#parked.filter(
      (parked) => !parked.world.isPast(stamp) && parked.cursor <= cursor,
    )
  }

  clear(): void {
    this.#parked = []
  }
}
