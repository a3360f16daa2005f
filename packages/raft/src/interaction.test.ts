import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { runScript } from './testing/datadriven.js'
import { InteractionEnv } from './testing/interaction-env.js'

// Golden interaction scripts (etcd-io/raft style): each file in testdata/ is a story told in
// commands and the exact output of the core. REWRITE=1 regenerates the outputs for review.
const testdata = fileURLToPath(new URL('../testdata', import.meta.url))

for (const file of readdirSync(testdata).filter((f) => f.endsWith('.txt'))) {
  test(`interaction: ${file}`, () => {
    const env = new InteractionEnv()
    const { mismatches } = runScript(join(testdata, file), (testCase) => env.handle(testCase))
    expect(mismatches.join('\n\n')).toBe('')
  })
}
