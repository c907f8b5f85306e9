#!/usr/bin/env node
// `npm test`: the whole suite in two vitest runs side by side.
//
// The lab suites (network namespaces, several daemons each) run one file at a
// time, as before, but they spend about two thirds of their time waiting on
// timers and the network (measured: 63 s wall, 21 s CPU for
// test/diagnostics/sync.test.ts). The rest of the suite is CPU-bound on two
// workers. vitest runs projects with different worker counts one after the
// other even within one group, so the two halves run as two processes here and
// overlap: the lab's idle time is the unit tests' CPU time. Lab lines are
// prefixed with "[lab]". At the end one summary line in vitest's own format
// sums both runs (.ci/run reads it).
//
// With arguments (`npm test -- --project store`, a file filter…) this is plain
// `vitest run ARGS`.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url))
const args = process.argv.slice(2)

/** Runs vitest with `argv`, echoing each line with `prefix`; resolves with the exit code and the summary counts. */
function run (argv, prefix) {
  const child = spawn(process.execPath, [vitest, 'run', ...argv], {
    stdio: prefix === undefined ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    // piped children would drop colour; keep it for a terminal (any FORCE_COLOR value forces it, so only set one there)
    env: process.stdout.isTTY && process.env.FORCE_COLOR === undefined
      ? { ...process.env, FORCE_COLOR: '1' }
      : process.env
  })
  const counts = { failed: 0, passed: 0, skipped: 0, todo: 0, seen: false }
  if (prefix !== undefined) {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        process.stdout.write(`${prefix}${line}\n`)
        // vitest's summary: "      Tests  2 failed | 40 passed | 1 skipped (43)"
        // oxlint-disable-next-line no-control-regex -- stripping colour escapes
        const plain = line.replace(/\x1b\[[0-9;]*m/g, '')
        if (/^\s+Tests\s+\d/.test(plain)) {
          counts.seen = true
          for (const key of ['failed', 'passed', 'skipped', 'todo']) {
            counts[key] = Number(new RegExp(`(\\d+) ${key}`).exec(plain)?.[1] ?? 0)
          }
        }
      })
    }
  }
  const done = new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? (signal !== null ? 1 : 0), counts }))
  })
  return { child, done }
}

if (args.length > 0) {
  const { done } = run(args)
  process.exitCode = (await done).code
} else {
  const runs = [run(['--project', 'lab'], '[lab] '), run(['--project', '!lab'], '')]
  const stop = () => {
    for (const r of runs) r.child.kill('SIGTERM')
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  const results = await Promise.all(runs.map(async (r) => await r.done))
  const sum = (key) => results.reduce((n, r) => n + r.counts[key], 0)
  const parts = [['failed', sum('failed')], ['passed', sum('passed')], ['skipped', sum('skipped')], [
    'todo',
    sum('todo')
  ]]
    .filter(([key, n]) => n > 0 || key === 'passed')
    .map(([key, n]) => `${n} ${key}`)
  const total = sum('failed') + sum('passed') + sum('skipped') + sum('todo')
  const missing = results.filter((r) => !r.counts.seen).length
  process.stdout.write(`\n both runs (lab, and the rest):\n      Tests  ${parts.join(' | ')} (${total})\n`)
  if (missing > 0) process.stdout.write(` ${missing} run(s) ended without a summary (crashed or interrupted)\n`)
  process.exitCode = results.some((r) => r.code !== 0) || missing > 0 ? 1 : 0
}
