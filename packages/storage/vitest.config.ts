import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Runs this package's tests on their own until the root vitest.config.ts includes them:
//   npx vitest run packages/storage --config packages/storage/vitest.config.ts
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
