// `npm run lab:arm64` as a test: a linux-arm64 box (the registry's arm64 Node under qemu-user) relays between
// two x64 boxes and posts with its own CLI. Opt-in (KIEZ_LAB_ARM64=1): the emulated box takes a whole core for
// about a minute, which starved the full suite's storage-flood case beside it; a manual check otherwise
// (docs/OPERATIONS.md). Skips where qemu or the arm64 C library is missing.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { labSkipReason, NODE_BIN, REPO_ROOT } from './index.ts'

const hasQemu = ['/usr/bin/qemu-aarch64', '/usr/bin/qemu-aarch64-static'].some((p) => existsSync(p)) &&
  existsSync('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1')

function runScript (): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE_BIN, [join(REPO_ROOT, 'scripts/lab-arm64.js')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe.skipIf(labSkipReason() !== undefined || !hasQemu || process.env.KIEZ_LAB_ARM64 !== '1')(
  'an arm64 box in the lab (qemu-user)',
  () => {
    it('relays and posts both ways between x64 boxes, and reports its figures', async () => {
      const r = await runScript()
      expect(r.code, r.stderr).toBe(0)
      const metrics = new Map(
        r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { metric: string, value: number })
          .map((m) => [m.metric, m.value])
      )
      expect(r.stderr).toMatch(/runs arm64 v\d+/)
      for (
        const name of [
          'arm64_daemon_listening_ms',
          'arm64_first_neighbour_ms',
          'x64_to_x64_via_arm64_ms',
          'arm64_to_x64_ms',
          'arm64_rss_mb_at_rest',
          'arm64_heap_used_mb'
        ]
      ) {
        expect(metrics.get(name), name).toBeGreaterThan(0)
      }
    }, 600_000)
  }
)
