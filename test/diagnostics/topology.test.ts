/**
 * Issue 5, diagnostics: `kiez topology` over a segmented line, where no box
 * can reach past its neighbours — the map beyond them comes from relayed reports.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createLab, labSkipReason, line } from '../lab/index.ts'
import { kiezJson, peerIds, startDaemons, waitConnected } from '../mesh/helpers.ts'
import type { TopologyJson } from '@kiez/daemon/control'
import { expectSchema } from './schemas.ts'

const skip = labSkipReason()

describe.skipIf(skip !== undefined)(`kiez topology${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('box 1 of a 4-box segmented line maps all 4 boxes and the 3 links, each confirmed by both ends', async () => {
    const lab = await createLab({ ...line(4), mode: 'segment' })
    try {
      await startDaemons(lab, [0, 1, 2, 3], () => ['--no-http'])
      const ids = await peerIds(lab, [0, 1, 2, 3])
      // each inner box sees both its neighbours (mDNS per segment)
      await Promise.all([
        waitConnected(lab, 1, [ids[0], ids[2]] as string[]),
        waitConnected(lab, 2, [ids[1], ids[3]] as string[])
      ])
      const map = await eventually(async () => {
        const t = await kiezJson<TopologyJson>(lab, 0, ['topology'])
        return t.boxes.length === 4 && t.links.length === 3 && t.links.every((l) => !l.oneSided) ? t : undefined
      }, { what: 'a map of 4 boxes', timeoutMs: 30_000, intervalMs: 1000 })
      expectSchema('topology', map)
      console.info(`kiez topology on a 4-box segmented line: ${map.durationMs} ms for the crawl`)
      expect(map.self).toBe(ids[0])
      expect(map.boxes.map((b) => [b.peerId, b.hops])).toEqual(ids.map((id, i) => [id, i]))
      const pairs = map.links.map((l) => [l.a, l.b].sort().join(' ')).sort()
      expect(pairs).toEqual(
        [[0, 1], [1, 2], [2, 3]].map(([x, y]) => [ids[x as number]!, ids[y as number]!].sort().join(' ')).sort()
      )
      // box 0 cannot reach box 2 at all: its view of it must have come relayed
      expect(await lab.ping(0, lab.address(2, 1), 1000)).toBe(false)

      const text = await lab.kiez(0, ['topology'])
      expect(text.code).toBe(0)
      expect(text.stdout).toContain('4 boxes, 3 links')
      const dot = await lab.kiez(0, ['topology', '--format', 'dot'])
      expect(dot.stdout.match(/ -- /g)).toHaveLength(3)

      // `kiez peers` on box 2 (index 1): both neighbours found by mDNS. Whichever side dialed,
      // the callee's own mDNS hears the caller within a query interval (10 s) and says so.
      const peers = await eventually(async () => {
        const p = await kiezJson<{ peers: Array<{ peerId: string, source: string | null, connected: boolean }> }>(
          lab,
          1,
          ['peers']
        )
        return [ids[0], ids[2]].every((id) =>
            p.peers.some((x) => x.peerId === id && x.connected && x.source === 'mdns')
          )
          ? p
          : undefined
      }, { what: 'box 2 lists boxes 1 and 3 as found by mdns', timeoutMs: 30_000, intervalMs: 1000 })
      expectSchema('peers', peers)
      expect(peers.peers.filter((x) => x.connected).map((x) => x.peerId).sort()).toEqual([ids[0]!, ids[2]!].sort())
    } finally {
      await lab.close()
    }
  }, 90_000)
})
