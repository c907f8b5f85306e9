import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { makeBox, eventually, removeDataDirs, type TestBox } from './test-helpers.js'

describe('kad-dht on the LAN', () => {
  const boxes: TestBox[] = []
  afterEach(async () => { for (const b of boxes.splice(0)) await b.close() })
  afterAll(removeDataDirs)

  it('A–B–C chain: A finds C through B and pings it', async () => {
    const b = await makeBox(); boxes.push(b)
    const via = [`${b.addr()}/p2p/${b.node.peerId}`]
    const a = await makeBox({ bootstrap: via }); boxes.push(a)
    const c = await makeBox({ bootstrap: via }); boxes.push(c)

    // B's routing table must hold both before A can learn of C from it
    await eventually(async () => (await b.node.dhtTable()).length === 2, 15_000, 'B routing table')
    await eventually(async () => (await a.node.dhtTable()).some(e => e.peerId === b.node.peerId), 15_000, 'A routing table')
    // A was never given C's address: whatever it knows of C came through the
    // DHT (its own self-query may already have brought C, and A dials what it discovers)

    const found = await a.node.dhtFind(c.node.peerId)
    expect(found.peerId).toBe(c.node.peerId)
    // loopback survives the peer-info mapper (the default one would drop it)
    expect(found.addrs.some(x => x.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)

    const rtts = await a.node.ping(c.node.peerId, 2)
    expect(rtts).toHaveLength(2)
    const viewOfC = (await a.node.peers()).find(p => p.peerId === c.node.peerId)
    expect(viewOfC?.source).toBe('dht')
    expect(viewOfC?.connected).toBe(true)
  })

  it('uses the mesh name in the DHT protocol, so two meshes do not share a table', async () => {
    const a = await makeBox({ mesh: 'north' }); boxes.push(a)
    const b = await makeBox({ mesh: 'south', bootstrap: [`${a.addr()}/p2p/${a.node.peerId}`] }); boxes.push(b)
    await eventually(() => b.node.libp2p.getConnections().length > 0, 15_000, 'connected')
    // identify told B what A speaks: the north DHT, not the south one
    const protocols = await eventually(async () => {
      const p = (await b.node.libp2p.peerStore.get(a.node.libp2p.peerId)).protocols
      return p.includes('/kiez/north/kad/1.0.0') ? p : undefined
    }, 10_000, 'identify')
    expect(protocols).not.toContain('/kiez/south/kad/1.0.0')
    expect(b.node.libp2p.getProtocols()).toContain('/kiez/south/kad/1.0.0')
    expect(await b.node.dhtTable()).toEqual([])
  })
})
