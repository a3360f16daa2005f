import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

// Tests run from TypeScript sources; the aliases keep them off the compiled dist/ folders so a
// test never passes against a stale build.
export default defineConfig({
  resolve: {
    alias: {
      '@raftkit/raft': source('./packages/raft/src/index.ts'),
      '@raftkit/kv': source('./packages/kv/src/index.ts'),
      '@raftkit/sim': source('./packages/sim/src/index.ts'),
      '@raftkit/replica': source('./packages/replica/src/index.ts'),
      '@raftkit/storage/testing': source('./packages/storage/src/testing/index.ts'),
      '@raftkit/storage': source('./packages/storage/src/index.ts'),
      '@raftkit/transport': source('./packages/transport/src/index.ts'),
      '@raftkit/server': source('./packages/server/src/index.ts'),
      '@raftkit/registry/testing': source('./packages/registry/src/testing/index.ts'),
      '@raftkit/registry': source('./packages/registry/src/index.ts'),
      '@raftkit/client': source('./packages/client/src/index.ts'),
      '@raftkit/lab/protocol': source('./packages/lab/src/protocol/index.ts'),
      '@raftkit/lab/testing': source('./packages/lab/src/testing/index.ts'),
      '@raftkit/lab': source('./packages/lab/src/index.ts'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
