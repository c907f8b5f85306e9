/**
 * Issue 5, diagnostics: `kiez doctor` in the lab — a healthy box has no
 * failing check; a box without its multicast route is told how to add it;
 * no daemon → exit 69 with the local checks still reported.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import { peerIds, startDaemons, waitConnected } from '../mesh/helpers.ts'
import { expectSchema } from './schemas.ts'

const skip = labSkipReason()

interface Doctor {
  ok: boolean
  daemon: boolean
  checks: Array<{ name: string, status: string, detail: string, fix?: string }>
}

describe.skipIf(skip !== undefined)(`kiez doctor${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it(
    'healthy boxes: no fail, mDNS/clock/neighbours ok; no daemon: 69; no multicast route: a fail that says what to run',
    async () => {
      const lab = await createLab({ ...line(2), mode: 'segment' })
      try {
        // before any daemon: local checks only, exit 69, still one valid document
        const before = await lab.kiez(0, ['doctor', '--json'])
        expect(before.code).toBe(69)
        const b = JSON.parse(before.stdout) as Doctor
        expectSchema('doctor', b)
        expect(b.daemon).toBe(false)
        expect(b.checks.find((c) => c.name === 'p2p_port')?.status).toBe('ok')

        await startDaemons(lab, [0, 1])
        const ids = await peerIds(lab, [0, 1])
        await waitConnected(lab, 0, [ids[1] as string])
        const report = await eventually(async () => {
          const r = await lab.kiez(0, ['doctor', '--json'])
          const d = JSON.parse(r.stdout) as Doctor
          expectSchema('doctor', d)
          // mDNS may not have heard an answer yet when the other box dialled first: wait for both facts
          const ok = (name: string): boolean => d.checks.find((c) => c.name === name)?.status === 'ok'
          return ok('clock') && ok('mdns') ? { r, d } : undefined
        }, { what: 'a doctor report with the clock compared', timeoutMs: 45_000, intervalMs: 1000 })
        expect(report.r.code).toBe(0)
        expect(report.d.ok).toBe(true)
        expect(report.d.checks.filter((c) => c.status === 'fail')).toEqual([])
        for (
          const name of ['data_dir', 'control_socket', 'p2p_port', 'http_port', 'multicast_route', 'mdns', 'neighbours']
        ) {
          expect(report.d.checks.find((c) => c.name === name)?.status, name).toBe('ok')
        }
        expect(report.d.checks.some((c) => c.name.startsWith('multicast:l') && c.status === 'ok')).toBe(true)

        // take box 1's multicast route away: doctor fails that check and names the fix
        expect((await lab.exec(1, ['ip', 'route', 'del', '224.0.0.0/4'])).code).toBe(0)
        const broken = await lab.kiez(1, ['doctor', '--json'])
        expect(broken.code).toBe(1)
        const route = (JSON.parse(broken.stdout) as Doctor).checks.find((c) => c.name === 'multicast_route')
        expect(route?.status).toBe('fail')
        expect(route?.fix).toMatch(/^ip route add 224\.0\.0\.0\/4 dev /)
        const text = await lab.kiez(1, ['doctor'])
        expect(text.stdout).toMatch(/multicast_route\s+FAIL/)
      } finally {
        await lab.close()
      }
    },
    90_000
  )
})
