import { defineConfig } from 'vitest/config'

// One vitest project per package (plus the cross-package suites under test/).
export default defineConfig({
  test: {
    projects: ['packages/*', 'test'],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
