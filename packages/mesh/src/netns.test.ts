import { afterEach, describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { createLab, labSkipReason, NODE_BIN, type Lab, type LogLine } from '../../../test/lab/index.ts'
import type { PeerView } from './diagnostics.js'

const BOX = fileURLToPath(new URL('../test/lab-box.mjs', import.meta.url))
const skip = labSkipReason()

interface PeersLine {
  event: 'peers'
  peers: PeerView[]
}
const peersLine = (pred: (peers: PeerView[]) => boolean) => (l: LogLine): boolean => {
  const j = l.json as PeersLine | undefined
  return j?.event === 'peers' && pred(j.peers)
}

describe.skipIf(skip != null)('mesh nodes in network namespaces (mDNS, link flap)', () => {
  let lab: Lab | undefined
  afterEach(async () => {
    await lab?.close()
    lab = undefined
  })

  it('two boxes on one segment find each other by mDNS, and reconnect after the link flaps', async () => {
    lab = await createLab({ boxes: 2, links: [[0, 1]] })
    const ids: string[] = []
    for (const box of [0, 1]) {
      lab.start(box, { command: [NODE_BIN, BOX, lab.dataDir(box)] })
      const started = await lab.waitForLog(
        box,
        l => (l.json as { event?: string } | undefined)?.event === 'started',
        15_000
      )
      ids[box] = (started.json as { peerId: string }).peerId
    }
    for (const [box, other] of [[0, 1], [1, 0]] as const) {
      const seen = await lab.waitForLog(
        box,
        peersLine(ps => ps.some(p => p.peerId === ids[other] && p.connected)),
        20_000
      )
      const view = (seen.json as PeersLine).peers.find(p => p.peerId === ids[other])
      // whoever dialed first, the other side may have heard the mDNS answer first too
      expect(['mdns', 'inbound']).toContain(view?.source)
      expect(view?.addrs.some(a => a.includes(lab!.address(other, 0)))).toBe(true)
    }
    // at least one side found the other by mDNS (nobody was told an address)
    const sources = [0, 1].map(box =>
      lab!.logs(box).map(l => l.json as PeersLine | undefined)
        .filter(j => j?.event === 'peers').at(-1)?.peers.find(p => p.peerId === ids[1 - box])?.source
    )
    expect(sources).toContain('mdns')

    await lab.cut(0)
    await lab.waitForLog(0, peersLine(ps => ps.some(p => p.peerId === ids[1] && !p.connected)), 45_000)
    const cutAt = lab.logs(0).length
    await lab.heal(0)
    await lab.waitForLog(
      0,
      (l) => lab!.logs(0).indexOf(l) >= cutAt && peersLine(ps => ps.some(p => p.peerId === ids[1] && p.connected))(l),
      45_000
    )
  })
})
