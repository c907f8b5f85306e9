import { readdirSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

// One vitest project per package, named after it, plus the cross-package suites under test/.
const packages = readdirSync(new URL('./packages', import.meta.url), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      ...packages.map((name) => ({ extends: true as const, test: { name, include: [`packages/${name}/src/**/*.test.ts`] } })),
      { extends: true as const, test: { name: 'integration', include: ['test/**/*.test.ts'] } }
    ]
  }
})
