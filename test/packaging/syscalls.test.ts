/**
 * The systemd unit's SystemCallFilter against what a running box really
 * calls: a daemon (mDNS on, gateway on, a post, a neighbour) runs under
 * strace in a lab namespace, and every syscall it made must be in the set
 * the unit allows. systemd is not PID 1 here, so this is how the filter
 * gets exercised at all. Root, strace and systemd-analyze only.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KIEZ_BUNDLE, NODE_BIN, createLab, labSkipReason, line } from '../lab/index.ts'
import { isMsg, post, startDaemons, waitConnected } from '../mesh/helpers.ts'
import { UNIT_FILE, parseUnit } from './packaging.ts'

const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0
const skip = labSkipReason() ??
  (has('strace', ['-V']) ? undefined : 'no strace (apt-get install -y strace)') ??
  (has('systemd-analyze', ['--version']) ? undefined : 'no systemd-analyze (apt-get install -y systemd)')

/** Syscall names of a filter expression such as "@system-service @pkey", groups expanded. */
function expand (expr: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>()
  for (const item of expr.split(/\s+/).filter((x) => x !== '')) {
    if (!item.startsWith('@')) {
      out.add(item)
      continue
    }
    if (seen.has(item)) continue
    seen.add(item)
    const r = spawnSync('systemd-analyze', ['syscall-filter', item], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`systemd-analyze syscall-filter ${item}: ${r.stderr}`)
    for (const l of r.stdout.split('\n').map((x) => x.trim())) {
      if (l === '' || l.startsWith('#') || l === item) continue
      for (const s of expand(l, seen)) out.add(s)
    }
  }
  return out
}

describe.skipIf(skip !== undefined)(
  `systemd SystemCallFilter${skip !== undefined ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('allows every syscall a working box makes', async () => {
      const filters = parseUnit(readFileSync(UNIT_FILE, 'utf8')).get('Service')?.get('SystemCallFilter') ?? []
      expect(filters.length).toBeGreaterThan(0)
      // systemd: an allow list first, then "~" lines take names away.
      const allowed = new Set<string>()
      for (const f of filters.filter((x) => !x.startsWith('~'))) for (const s of expand(f)) allowed.add(s)
      for (const f of filters.filter((x) => x.startsWith('~'))) for (const s of expand(f.slice(1))) allowed.delete(s)
      expect(allowed.has('socket')).toBe(true)
      expect(allowed.has('reboot')).toBe(false)

      const lab = await createLab({ ...line(2) })
      try {
        const trace = join(lab.dir, 'strace.txt')
        lab.start(0, {
          command: ['strace', '-f', '-qq', '-o', trace, NODE_BIN, KIEZ_BUNDLE, 'daemon', '--data-dir', lab.dataDir(0)]
        })
        await lab.waitForLog(0, isMsg('daemon started'), 30_000)
        await startDaemons(lab, [1])
        const other = JSON.parse((await lab.kiez(1, ['status', '--json'])).stdout) as { peerId: string }
        await waitConnected(lab, 0, [other.peerId], 20_000)
        await post(lab, 0, 'under strace')
        const web = await lab.exec(0, [
          NODE_BIN,
          '-e',
          'fetch(\'http://127.0.0.1:7300/\').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))'
        ])
        expect(web.code).toBe(0)
        await lab.kill(0, 'SIGTERM')
        expect(lab.process(0)?.exitCode).toBe(0)

        const used = new Set<string>()
        for (const l of readFileSync(trace, 'utf8').split('\n')) {
          const m = /^\d+\s+([a-z_0-9]+)\(/.exec(l)
          if (m !== null) used.add(m[1]!)
        }
        console.info(`the daemon made ${used.size} distinct syscalls`)
        expect(used.size).toBeGreaterThan(30)
        expect([...used].filter((s) => !allowed.has(s)).sort()).toEqual([])
      } finally {
        await lab.close()
      }
    }, 90_000)
  }
)
