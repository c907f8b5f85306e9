import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { makeBox, removeDataDirs, type TestBox } from './test-helpers.js'

describe('kad-dht on the LAN', () => {
  const boxes: TestBox[] = []
  afterEach(async () => {
    for (const b of boxes.splice(0)) await b.close()
  })
  afterAll(removeDataDirs)

  it('A–B–C chain: A finds C through B and pings it', async () => {
    const b = await makeBox()
    boxes.push(b)
    const via = [`${b.addr()}/p2p/${b.node.peerId}`]
    const a = await makeBox({ bootstrap: via })
    boxes.push(a)
    const c = await makeBox({ bootstrap: via })
    boxes.push(c)

    // B's routing table must hold both before A can learn of C from it
    await eventually(async () => (await b.node.dhtTable()).length === 2, { what: 'B routing table', timeoutMs: 15_000 })
    await eventually(async () => (await a.node.dhtTable()).some(e => e.peerId === b.node.peerId), {
      what: 'A routing table',
      timeoutMs: 15_000
    })
    // A was never given C's address: whatever it knows of C came through the
    // DHT (its own self-query may already have brought C, and A dials what it discovers)

    const found = await a.node.dhtFind(c.node.peerId)
    expect(found.peerId).toBe(c.node.peerId)
    // loopback survives the peer-info mapper (the default one would drop it)
    expect(found.addrs.some(x => x.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)
    // the path: the peers asked, in answer order, one of them the peer that named C (never A itself: no cache)
    expect(found.path.length).toBeGreaterThan(0)
    expect([b.node.peerId, c.node.peerId]).toContain(found.foundBy)
    expect(found.path.map(h => h.peerId)).toContain(found.foundBy)
    for (const h of found.path) expect(h.atMs).toBeLessThanOrEqual(found.durationMs)

    const rtts = await a.node.ping(c.node.peerId, 2)
    expect(rtts).toHaveLength(2)
    const viewOfC = (await a.node.peers()).find(p => p.peerId === c.node.peerId)
    expect(viewOfC?.source).toBe('dht')
    expect(viewOfC?.connected).toBe(true)
  })

  it('uses the mesh name in the DHT protocol: a box of another mesh is hung up on and not re-dialed', async () => {
    const a = await makeBox({ mesh: 'north' })
    boxes.push(a)
    const b = await makeBox({ mesh: 'south', bootstrap: [`${a.addr()}/p2p/${a.node.peerId}`] })
    boxes.push(b)
    expect(b.node.libp2p.getProtocols()).toContain('/kiez/south/kad/1.0.0')
    // identify shows A speaks the north DHT only: B marks it foreign and hangs up (and so does A)
    await eventually(() => b.node.foreign.has(a.node.peerId) && a.node.foreign.has(b.node.peerId), {
      what: 'foreign on both sides',
      timeoutMs: 15_000
    })
    await eventually(() => b.node.libp2p.getConnections().length === 0 && a.node.libp2p.getConnections().length === 0, {
      what: 'hung up',
      timeoutMs: 15_000
    })
    // and nobody dials it again: still apart a while later, and neither routing table holds the other
    await new Promise((resolve) => setTimeout(resolve, 2500))
    expect(b.node.libp2p.getConnections()).toHaveLength(0)
    expect(await b.node.dhtTable()).toEqual([])
    expect(await a.node.dhtTable()).toEqual([])
  })
})
