import type { SimSettings } from './sim-flags.js'

/**
 * The command that reruns one seed exactly: every flag that shapes the run, none that only
 * shapes the output (`--json`, `--workers`). Faults are already in canonical order.
 */
export function replayCommand(settings: SimSettings, seed: number): string {
  const words = [
    'npx raftkit sim',
    `--nodes ${settings.nodes}`,
    `--seed ${seed}`,
    `--steps ${settings.steps}`,
  ]
  if (settings.faults.length > 0) words.push(`--faults ${settings.faults.join(',')}`)
  if (settings.unsafe !== undefined) words.push(`--unsafe ${settings.unsafe}`)
  if (settings.clients !== undefined) words.push(`--clients ${settings.clients}`)
  return words.join(' ')
}
