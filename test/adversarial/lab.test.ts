/**
 * Case 11 in the mesh lab: an mDNS flood from a rogue box on the same segment.
 * Skipped (with the reason) when the lab is unavailable (not root).
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { createLab, labSkipReason, line, NODE_BIN } from '../lab/index.ts'
import type { PeersJson } from '@kiez/daemon/control'
import { report } from './daemons.ts'

const skip = labSkipReason()

describe.skipIf(skip !== undefined)(`adversarial: lab${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('case 11: 10 000 fake mDNS announcements: peer store bounded, dials rate-limited, off-subnet addresses never dialled', async () => {
    const N = Number(process.env.ADV_MDNS ?? 10_000)
    const lab = await createLab({ ...line(2) })
    try {
      const failedDials: string[] = []
      lab.start(0, {
        args: ['--log-level', 'debug'],
        onLine: (l) => {
          const j = l.json as { msg?: string, peer?: string } | undefined
          if (j?.msg === 'dial of discovered peer failed' && typeof j.peer === 'string') failedDials.push(j.peer)
        }
      })
      await lab.waitForLog(0, (l) => (l.json as { msg?: string } | undefined)?.msg === 'daemon started', 60_000)
      const rogueIp = lab.address(1, 0)
      const r = await lab.exec(1, [NODE_BIN, join(import.meta.dirname, 'mdns-flood.js'), String(N), rogueIp, '4001', '10000'], { timeoutMs: 180_000 })
      expect(r.code, r.stderr).toBe(0)
      const flood = JSON.parse(r.stdout) as { floodMs: number, onLinkIds: string[], offSubnetIds: string[], dialsToOnLinkAddr: number, maxDialsPerSecond: number, dialSpanMs: number }
      const peers = JSON.parse((await lab.kiez(0, ['peers', '--json'])).stdout) as PeersJson
      const off = new Set(flood.offSubnetIds)
      const onLink = new Set(flood.onLinkIds)
      const offDialled = failedDials.filter((p) => off.has(p)).length
      const fakeKnown = peers.peers.filter((p) => off.has(p.peerId) || onLink.has(p.peerId))
      const offKnownWithAddrs = peers.peers.filter((p) => off.has(p.peerId) && p.addrs.length > 0).length
      const st = JSON.parse((await lab.kiez(0, ['status', '--json'])).stdout) as { uptimeMs: number }
      report({ case: 11, name: 'mdns flood', announcements: N, floodMs: flood.floodMs, peerStoreSize: peers.peers.length, fakePeersKnown: fakeKnown.length, offSubnetKnownWithAddrs: offKnownWithAddrs, dialsToOnLinkAddr: flood.dialsToOnLinkAddr, maxDialsPerSecond: flood.maxDialsPerSecond, dialsPerSecond: Math.round(flood.dialsToOnLinkAddr / Math.max(1, (flood.floodMs + 10_000) / 1000) * 10) / 10, offSubnetDialled: offDialled, boxUp: st.uptimeMs > 0 })
      expect(offDialled).toBe(0)
      expect(offKnownWithAddrs).toBe(0)
      // bounded: discovery remembers at most 256 mDNS peers and lets 10 events a second through
      expect(peers.peers.length).toBeLessThanOrEqual(300)
      expect(flood.dialsToOnLinkAddr).toBeLessThan(N / 2)
      expect(flood.maxDialsPerSecond).toBeLessThanOrEqual(30)
    } finally {
      await lab.close()
    }
  }, 300_000)
})
