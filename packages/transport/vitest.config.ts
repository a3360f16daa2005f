import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

// For running this package's tests on their own; the root config runs them with everything else.
// Tests run from TypeScript sources, never from a possibly stale dist/.
export default defineConfig({
  root: here('.'),
  resolve: {
    alias: {
      '@raftkit/raft': here('../raft/src/index.ts'),
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
})
