/**
 * Case 11 in the mesh lab: an mDNS flood from a rogue box on the same segment.
 * Skipped (with the reason) when the lab is unavailable (not root).
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { join } from 'node:path'
import { createLab, labSkipReason, line, ring, NODE_BIN } from '../lab/index.ts'
import { ControlClient, controlSocketPath } from '@kiez/daemon/control'
import type { PeersJson } from '@kiez/daemon/control'
import { report, sleep } from './daemons.ts'

const skip = labSkipReason()

describe.skipIf(skip !== undefined)(`adversarial: lab${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it(
    'case 11: 10 000 fake mDNS announcements: peer store bounded, dials rate-limited, off-subnet addresses never dialled',
    async () => {
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
        const r = await lab.exec(1, [
          NODE_BIN,
          join(import.meta.dirname, 'mdns-flood.js'),
          String(N),
          rogueIp,
          '4001',
          '10000'
        ], { timeoutMs: 180_000 })
        expect(r.code, r.stderr).toBe(0)
        const flood = JSON.parse(r.stdout) as {
          floodMs: number
          onLinkIds: string[]
          offSubnetIds: string[]
          dialsToOnLinkAddr: number
          maxDialsPerSecond: number
          dialSpanMs: number
        }
        const peers = JSON.parse((await lab.kiez(0, ['peers', '--json'])).stdout) as PeersJson
        const off = new Set(flood.offSubnetIds)
        const onLink = new Set(flood.onLinkIds)
        const offDialled = failedDials.filter((p) => off.has(p)).length
        const fakeKnown = peers.peers.filter((p) => off.has(p.peerId) || onLink.has(p.peerId))
        const offKnownWithAddrs = peers.peers.filter((p) => off.has(p.peerId) && p.addrs.length > 0).length
        const st = JSON.parse((await lab.kiez(0, ['status', '--json'])).stdout) as { uptimeMs: number }
        report({
          case: 11,
          name: 'mdns flood',
          announcements: N,
          floodMs: flood.floodMs,
          peerStoreSize: peers.peers.length,
          fakePeersKnown: fakeKnown.length,
          offSubnetKnownWithAddrs: offKnownWithAddrs,
          dialsToOnLinkAddr: flood.dialsToOnLinkAddr,
          maxDialsPerSecond: flood.maxDialsPerSecond,
          dialsPerSecond: Math.round(flood.dialsToOnLinkAddr / Math.max(1, (flood.floodMs + 10_000) / 1000) * 10) / 10,
          offSubnetDialled: offDialled,
          boxUp: st.uptimeMs > 0
        })
        expect(offDialled).toBe(0)
        expect(offKnownWithAddrs).toBe(0)
        // bounded: discovery remembers at most 256 mDNS peers and lets 10 events a second through
        expect(peers.peers.length).toBeLessThanOrEqual(300)
        expect(flood.dialsToOnLinkAddr).toBeLessThan(N / 2)
        expect(flood.maxDialsPerSecond).toBeLessThanOrEqual(30)
      } finally {
        await lab.close()
      }
    },
    300_000
  )

  it(
    'case 17: a 12-box ring split in two while both halves write, then healed: every box converges, 0 missing',
    async () => {
      const B = 12
      const M = Number(process.env.ADV_PARTITION_POSTS ?? (process.env.KIEZ_SOAK === '1' ? 500 : 40))
      const lab = await createLab({ ...ring(B) })
      try {
        for (let b = 0; b < B; b++) lab.start(b)
        await Promise.all(
          Array.from(
            { length: B },
            async (_, b) =>
              await lab.waitForLog(
                b,
                (l) => (l.json as { msg?: string } | undefined)?.msg === 'daemon started',
                120_000
              )
          )
        )
        const clients = Array.from(
          { length: B },
          (_, b) => new ControlClient({ socketPath: controlSocketPath(lab.dataDir(b)), timeoutMs: 60_000 })
        )
        await eventually(async () => {
          const peers = await Promise.all(clients.map(async (c) => (await c.status()).counts.peers))
          return peers.every((p) => p >= 2)
            ? true
            : (() => {
              throw new Error(`peers ${peers.join(' ')}`)
            })()
        }, { what: 'every box to have both ring neighbours', timeoutMs: 120_000, intervalMs: 1000 })
        // ring link i joins box i and box i+1: cutting 5 and 11 leaves boxes 0..5 and 6..11
        await lab.cut(5)
        await lab.cut(11)
        await sleep(2000)
        const writers = [0, 3, 6, 9]
        const ids = (await Promise.all(writers.map(async (w) => {
          const out: string[] = []
          for (let i = 0; i < M; i++) {
            out.push((await clients[w]!.post({ text: `box ${w} during the partition #${i}` })).id)
          }
          return out
        }))).flat()
        // each half has its own side's entries only
        await eventually(async () => {
          const counts = await Promise.all(clients.map(async (c) => (await c.status()).counts.entries))
          return counts.every((n) => n === 2 * M) ? true : (() => {
            throw new Error(`counts ${counts.join(' ')}`)
          })()
        }, { what: 'each half to converge on its own side', timeoutMs: 120_000, intervalMs: 1000 })
        const t0 = Date.now()
        await lab.heal(5)
        await lab.heal(11)
        let counts: number[] = []
        await eventually(async () => {
          counts = await Promise.all(clients.map(async (c) => (await c.status()).counts.entries))
          return counts.every((n) => n === ids.length) ? true : (() => {
            throw new Error(`counts ${counts.join(' ')}`)
          })()
        }, { what: 'the healed ring to converge', timeoutMs: 180_000, intervalMs: 500 })
        const convergeMs = Date.now() - t0
        // every acknowledged id is on every box: ask each box for its feed (all entries fit one page)
        let missing = 0
        for (const c of clients) {
          const have = new Set<string>()
          let before: string | undefined
          do {
            const page = await c.feed({ limit: 200, ...(before !== undefined ? { before } : {}) })
            for (const e of page.entries) have.add(e.id)
            before = page.next
          } while (before !== undefined)
          for (const id of ids) if (!have.has(id)) missing++
        }
        report({
          case: 17,
          name: 'partition and heal',
          boxes: B,
          writers: writers.length,
          entriesPerWriter: M,
          entries: ids.length,
          convergeAfterHealMs: convergeMs,
          missing
        })
        expect(missing).toBe(0)
      } finally {
        await lab.close()
      }
    },
    600_000
  )
})
