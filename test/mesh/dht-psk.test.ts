/**
 * Issue 3: peer routing beyond mDNS range (Kad-DHT in a routed lab) and a
 * private network (PSK) that strangers on the same segment cannot join.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, KIEZ_BIN, labSkipReason, line, NODE_BIN } from '../lab/index.ts'
import {
  connectedPeers,
  feedTexts,
  isMsg,
  kiezJson,
  peerIds,
  post,
  startDaemons,
  waitConnected,
  waitFeedsHave
} from './helpers.ts'
import type { DhtFindJson, PeerJson, PingJson } from './helpers.ts'

const skip = labSkipReason()
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe.skipIf(skip !== undefined)(`mesh routing and PSK${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('routed 5-box line: box 1 finds box 5 through the DHT (mDNS sees only neighbours) and pings it', async () => {
    const lab = await createLab({ ...line(5), mode: 'routed' })
    try {
      await startDaemons(lab, range(5))
      const ids = await peerIds(lab, range(5))
      const far = ids[4]!
      await Promise.all(
        range(5).map(async (b) =>
          await waitConnected(lab, b, [ids[b - 1], ids[b + 1]].filter((x) => x !== undefined), 30_000)
        )
      )
      // Box 5 is routable from box 1 (routed mode) but on another L2, so only the DHT can name its address.
      expect(await lab.ping(0, lab.address(4, 3))).toBe(true)

      const found = await eventually(async () => await kiezJson<DhtFindJson>(lab, 0, ['dht', 'find', far], 40_000), {
        what: 'box 1 to find box 5 in the DHT',
        timeoutMs: 60_000,
        intervalMs: 2000
      })
      expect(found.peerId).toBe(far)
      expect(found.addrs.some((a) => a.startsWith(`/ip4/${lab.address(4, 3)}/tcp/`))).toBe(true)

      const ping = await kiezJson<PingJson>(lab, 0, ['ping', far, '-c', '3'], 60_000)
      expect(ping.rttsMs).toHaveLength(3)
      expect(ping.lost).toBe(0)
      // The two ends know each other only through the DHT, never by mDNS (which does not cross routers):
      // whichever end's lookup dialed first records `dht`, the other `inbound`.
      const near = (await kiezJson<{ peers: PeerJson[] }>(lab, 0, ['peers'])).peers.find((p) => p.peerId === far)
        ?.source
      const back = (await kiezJson<{ peers: PeerJson[] }>(lab, 4, ['peers'])).peers.find((p) => p.peerId === ids[0])
        ?.source
      console.info(
        `DHT: box 1 found box 5 in ${found.durationMs} ms; box 1 says ${String(near)}, box 5 says ${String(back)}`
      )
      expect([near, back]).toContain('dht')
      expect(['dht', 'inbound']).toContain(near)
      expect(['dht', 'inbound']).toContain(back)
    } finally {
      await lab.close()
    }
  }, 150_000)

  it('a box with the wrong PSK, or none, opens no stream to a PSK mesh on the same segment', async () => {
    // One L2 segment for all four: every box hears every other's mDNS and dials it.
    const lab = await createLab({ boxes: 4, links: [[0, 1, 2, 3]] })
    try {
      const keyA = join(lab.dir, 'a.key')
      const keyB = join(lab.dir, 'b.key')
      for (const f of [keyA, keyB]) {
        const r = await lab.exec(0, [NODE_BIN, KIEZ_BIN, 'psk', f])
        expect(r.code, r.stderr).toBe(0)
      }
      // Strangers log at debug level, so their failed dials of the mesh show in their logs.
      const args: Record<number, string[]> = {
        0: ['--psk', keyA],
        1: ['--psk', keyA],
        2: ['--psk', keyB, '--log-level', 'debug'],
        3: ['--log-level', 'debug']
      }
      await startDaemons(lab, range(4), (b) => args[b] ?? [])
      const ids = await peerIds(lab, range(4))
      const [a0, a1, wrong, none] = ids as [string, string, string, string]
      await Promise.all([waitConnected(lab, 0, [a1], 20_000), waitConnected(lab, 1, [a0], 20_000)])
      await Promise.all([post(lab, 0, 'members only'), post(lab, 2, 'wrong key post'), post(lab, 3, 'no key post')])
      await waitFeedsHave(lab, [1], ['members only'], 20_000)
      // Each stranger heard both members by mDNS and tried to dial them: the dials failed.
      await Promise.all(
        [2, 3].flatMap((b) =>
          [a0, a1].map(async (m) =>
            await lab.waitForLog(b, isMsg('dial of discovered peer failed', (j) => j.peer === m), 20_000)
          )
        )
      )

      for (const b of [0, 1]) {
        const connected = (await connectedPeers(lab, b)).map((p) => p.peerId)
        expect(connected).toEqual([ids[1 - b]])
        for (const stranger of [wrong, none]) {
          expect(lab.logs(b).some(isMsg('peer connected', (j) => j.peer === stranger)), `box ${b} saw ${stranger}`)
            .toBe(false)
        }
      }
      for (const b of [2, 3]) {
        expect(await connectedPeers(lab, b)).toEqual([])
        expect(await feedTexts(lab, b)).toEqual([b === 2 ? 'wrong key post' : 'no key post'])
      }
      for (const b of [0, 1]) expect((await feedTexts(lab, b)).sort()).toEqual(['members only'])
    } finally {
      await lab.close()
    }
  }, 90_000)
})
