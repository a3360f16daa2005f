import { UsageError } from '../usage-error.js'
import { parseSeed } from '../sim/seed-list.js'
import { parseInteger } from '../sim/sim-flags.js'

export interface RawDemoFlags {
  readonly nodes?: string | undefined
  readonly speed?: string | undefined
  readonly seed?: string | undefined
}

/** A validated `raftkit demo`. */
export interface DemoSettings {
  readonly nodes: number
  /** Virtual milliseconds per real millisecond. */
  readonly speed: number
  readonly seed: number
}

export const demoLimits = { nodesMin: 1, nodesMax: 9, speedMin: 0.01, speedMax: 1000 } as const

export function parseDemoFlags(flags: RawDemoFlags, defaultSeed: number): DemoSettings {
  const speedText = flags.speed ?? '1'
  const speed = Number(speedText)
  if (speedText.trim() === '' || !Number.isFinite(speed)) {
    throw new UsageError(`--speed expects a number such as 0.5 or 2, got '${speedText}'`)
  }
  if (speed < demoLimits.speedMin || speed > demoLimits.speedMax) {
    throw new UsageError(
      `--speed must be from ${demoLimits.speedMin} to ${demoLimits.speedMax}, got ${speed}`,
    )
  }
  return {
    nodes: parseInteger(flags.nodes ?? '3', '--nodes', demoLimits.nodesMin, demoLimits.nodesMax),
    speed,
    seed: flags.seed === undefined ? defaultSeed : parseSeed(flags.seed),
  }
}
