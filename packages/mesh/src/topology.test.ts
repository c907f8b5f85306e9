import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { makeBox, removeDataDirs, type TestBox } from './test-helpers.js'

describe('topology service in the kiez node', () => {
  const boxes: TestBox[] = []
  afterEach(async () => {
    for (const b of boxes.splice(0)) await b.close()
  })
  afterAll(removeDataDirs)

  it('maps a line of three boxes, each link confirmed by both ends, with the source a neighbour recorded', async () => {
    const a = await makeBox()
    boxes.push(a)
    const b = await makeBox({ bootstrap: [`${a.addr()}/p2p/${a.node.peerId}`] })
    boxes.push(b)
    const c = await makeBox({ bootstrap: [`${b.addr()}/p2p/${b.node.peerId}`] })
    boxes.push(c)
    await eventually(async () => (await b.node.peers()).filter(p => p.connected).length === 2 ? true : undefined, {
      what: 'B has two neighbours',
      timeoutMs: 15_000
    })

    const map = await c.node.topology()
    expect(map.self).toBe(c.node.peerId)
    const ids = map.boxes.map(x => x.peerId)
    expect(ids.sort()).toEqual([a.node.peerId, b.node.peerId, c.node.peerId].sort())
    expect(map.boxes.find(x => x.peerId === a.node.peerId)?.hops ?? 0).toBeGreaterThanOrEqual(1)
    const ab = map.links.find(l => [l.a, l.b].includes(a.node.peerId) && [l.a, l.b].includes(b.node.peerId))
    expect(ab?.oneSided).toBe(false)
    // B's own report names how B found A: bootstrap (B dialed A's address)
    const direct = await c.node.libp2p.services.topology.query(b.node.peerId, 0)
    expect(direct.reports[0]?.neighbours.find(n => n.peerId === a.node.peerId)?.source).toBe('bootstrap')
  })
})
