/**
 * Issue 3, discovery: mDNS on one segment (within 2 s) and on a multi-homed
 * box, through real daemons in lab namespaces.
 */
import { describe, expect, it } from 'vitest'
import { createLab, labSkipReason, line, star } from '../lab/index.ts'
import {
  connectedPeers,
  isMsg,
  logTimeMs,
  peerIds,
  post,
  startDaemons,
  waitConnected,
  waitFeedsHave
} from './helpers.ts'

const skip = labSkipReason()

describe.skipIf(skip !== undefined)(`mesh discovery${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('two boxes on one segment find each other by mDNS within 2 s and replicate both ways', async () => {
    const lab = await createLab({ ...line(2) })
    try {
      await startDaemons(lab, [0, 1])
      const [a, b] = await peerIds(lab, [0, 1]) as [string, string]
      const connected = await Promise.all([
        lab.waitForLog(0, isMsg('peer connected', (j) => j.peer === b), 15_000),
        lab.waitForLog(1, isMsg('peer connected', (j) => j.peer === a), 15_000)
      ])
      // Measured on the daemons' own clock (their log timestamps), from the moment the
      // later box's node was listening (mDNS running) to the connection on each side.
      const started = await Promise.all(
        [0, 1].map(async (i) => await lab.waitForLog(i, isMsg('mesh node started'), 1000))
      )
      const since = Math.max(...started.map(logTimeMs))
      const tookMs = Math.max(...connected.map(logTimeMs)) - since
      console.info(`mDNS: both sides connected ${tookMs} ms after the later node started`)
      expect(tookMs).toBeLessThanOrEqual(2000)

      // Found by mDNS: the dialing side records `mdns`, the other `inbound` (or `mdns` if it found it too).
      const [pa, pb] = await Promise.all([connectedPeers(lab, 0), connectedPeers(lab, 1)])
      const sa = pa.find((p) => p.peerId === b)?.source
      const sb = pb.find((p) => p.peerId === a)?.source
      expect([sa, sb]).toContain('mdns')
      expect(['mdns', 'inbound']).toContain(sa)
      expect(['mdns', 'inbound']).toContain(sb)

      await Promise.all([post(lab, 0, 'from box 0'), post(lab, 1, 'from box 1')])
      await waitFeedsHave(lab, [0, 1], ['from box 0', 'from box 1'], 20_000)
    } finally {
      await lab.close()
    }
  }, 60_000)

  it('a box with three links (star centre, segments) finds all three leaves by mDNS', async () => {
    const lab = await createLab({ ...star(4) })
    try {
      // Leaves first, then the centre: the centre's mDNS query on each of its three
      // interfaces is what finds the leaves (leaves only see the centre: separate L2s).
      await startDaemons(lab, [1, 2, 3])
      await startDaemons(lab, [0])
      const ids = await peerIds(lab, [0, 1, 2, 3])
      const leaves = ids.slice(1)
      const peers = await waitConnected(lab, 0, leaves, 20_000)
      expect(peers.filter((p) => leaves.includes(p.peerId))).toHaveLength(3)
      // Each leaf link carried the discovery: the centre found the leaf, or the leaf found the centre, by mDNS.
      for (const [i, leaf] of leaves.entries()) {
        const fromCentre = peers.find((p) => p.peerId === leaf)?.source
        const fromLeaf = (await connectedPeers(lab, i + 1)).find((p) => p.peerId === ids[0])?.source
        console.info(`star leaf ${i + 1}: centre says ${String(fromCentre)}, leaf says ${String(fromLeaf)}`)
        expect([fromCentre, fromLeaf], `leaf ${i + 1}`).toContain('mdns')
      }
      // Reachable only through the centre's three interfaces: leaves never see each other.
      for (const i of [1, 2, 3]) {
        const others = (await connectedPeers(lab, i)).map((p) => p.peerId)
        expect(others).toEqual([ids[0]])
      }
    } finally {
      await lab.close()
    }
  }, 60_000)
})
