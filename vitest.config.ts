import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

const root = new URL('.', import.meta.url).pathname
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) =>
  d.name
)

/** Every *.test.ts under `dir` (relative to the root), without node_modules and dist. */
function testFiles (dir: string): string[] {
  const out: string[] = []
  for (const d of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${d.name}`
    if (d.isDirectory() && d.name !== 'node_modules' && d.name !== 'dist') out.push(...testFiles(path))
    else if (d.isFile() && d.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

/**
 * Lab suites build network namespaces and run several daemons each: they run
 * one file at a time, after everything else, so they never compete for the
 * two cores (or for namespace names). A file is one when it builds a lab or
 * calls `ip netns` (or says netns in its name); the rest runs on two workers.
 * `npm test` (scripts/test.js) runs the two halves as two processes side by
 * side instead, since the lab mostly waits; a plain `vitest run` keeps this order.
 */
const LAB = /\b(createLab|labSkipReason)\b|'netns'/
const all = [...packages.flatMap((name) => testFiles(`packages/${name}/src`)), ...testFiles('test')]
const lab = all.filter((file) => file.includes('netns') || LAB.test(readFileSync(join(root, file), 'utf8')))

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    projects: [
      // one project per package, named after it, then the cross-package suites under test/, all on two workers
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, include: [`packages/${name}/src/**/*.test.ts`], exclude: lab, sequence: { groupOrder: 0 } }
      })),
      {
        extends: true as const,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: lab, sequence: { groupOrder: 0 } }
      },
      { extends: true as const, test: { name: 'lab', include: lab, maxWorkers: 1, sequence: { groupOrder: 1 } } }
    ]
  }
})
