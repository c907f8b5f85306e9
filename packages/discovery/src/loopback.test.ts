// Two kiezMdns instances in one process over real UDP on loopback (no root needed):
// the full query → answer → parse → event path, on a private port so no other mDNS stack interferes.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { kiezMdns } from './index.js'
import type { KiezMdns, KiezPeerEventDetail } from './index.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2pInit } from 'libp2p' // compile-time: a drop-in for mdns() in libp2p's peerDiscovery list
;[kiezMdns()] satisfies NonNullable<Libp2pInit['peerDiscovery']>

const PORT = 20000 + Math.floor(Math.random() * 20000)

interface TestNode {
  id: string
  mdns: KiezMdns
  addrs: Multiaddr[]
  events: EventTarget
}

async function makeNode (listen: string[], queryIntervalMs = 500): Promise<TestNode> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const addrs: Multiaddr[] = listen.map(a => multiaddr(a))
  const events = new EventTarget()
  const mdns = kiezMdns({
    port: PORT,
    includeLoopback: true,
    interfaces: ['lo'],
    queryIntervalMs,
    interfacePollMs: 200
  })({
    peerId,
    logger: defaultLogger(),
    addressManager: { getAddresses: () => addrs },
    events
  })
  return { id: peerId.toString(), mdns, addrs, events }
}

describe('kiezMdns over loopback', () => {
  const running: KiezMdns[] = []
  afterEach(async () => {
    await Promise.all(
      running.splice(0).map(async m => {
        await m.stop()
      })
    )
  })

  it('two instances find each other with only on-link addresses, and record where', async () => {
    const a = await makeNode(['/ip4/127.0.0.1/tcp/4101', '/ip4/198.18.0.9/tcp/4101'])
    const b = await makeNode(['/ip4/0.0.0.0/tcp/4102'])
    running.push(a.mdns, b.mdns)
    const heardByB = new Promise<KiezPeerEventDetail>(resolve => {
      b.mdns.addEventListener('kiez:peer', e => {
        if (e.detail.id.toString() === a.id) resolve(e.detail)
      })
    })
    const heardByA = new Promise<KiezPeerEventDetail>(resolve => {
      a.mdns.addEventListener('kiez:peer', e => {
        if (e.detail.id.toString() === b.id) resolve(e.detail)
      })
    })
    const stdPeer = new Promise<string[]>(resolve => {
      b.mdns.addEventListener('peer', e => {
        if (e.detail.id.toString() === a.id) resolve(e.detail.multiaddrs.map(String))
      })
    })
    await a.mdns.start()
    await b.mdns.start()

    const fromA = await heardByB
    expect(fromA.interface).toBe('lo')
    expect(fromA.multiaddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4101']) // 198.18.0.9 is not on lo
    expect(await stdPeer).toEqual(['/ip4/127.0.0.1/tcp/4101'])
    const fromB = await heardByA
    expect(fromB.multiaddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4102']) // wildcard became the link's IPv4
    expect(b.mdns.foundOn(a.id).map(f => f.interface)).toEqual(['lo'])
    expect(a.mdns.foundOn('12D3KooWNotAPeerWeKnow')).toEqual([])
    expect(b.mdns.info().links[0]?.announcing).toEqual([`/ip4/127.0.0.1/tcp/4102/p2p/${b.id}`])
  })

  it('announces at once when our addresses change (self:peer:update), without waiting for a query round', async () => {
    // query rounds far beyond the test timeout: only the update-triggered announcement can deliver A to B
    const a = await makeNode([], 600_000)
    const b = await makeNode(['/ip4/127.0.0.1/tcp/4104'], 600_000)
    running.push(a.mdns, b.mdns)
    const heard = new Promise<string[]>(resolve => {
      b.mdns.addEventListener('peer', e => {
        if (e.detail.id.toString() === a.id) resolve(e.detail.multiaddrs.map(String))
      })
    })
    await a.mdns.start()
    await b.mdns.start()
    while (a.mdns.info().links[0]?.ready !== true || b.mdns.info().links[0]?.ready !== true) {
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    a.addrs.push(multiaddr('/ip4/127.0.0.1/tcp/4105'))
    a.events.dispatchEvent(new CustomEvent('self:peer:update'))
    expect(await heard).toEqual(['/ip4/127.0.0.1/tcp/4105'])
  })

  it('never reports itself and stops idempotently', async () => {
    const a = await makeNode(['/ip4/127.0.0.1/tcp/4103'])
    let self = 0
    a.mdns.addEventListener('peer', () => {
      self++
    })
    await a.mdns.start()
    await a.mdns.start()
    // our own query and answer loop back to us: wait until we provably heard our own answer
    for (let i = 0; i < 50 && a.mdns.info().counters.selfIgnored === 0; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    expect(a.mdns.info().counters.selfIgnored).toBeGreaterThan(0)
    expect(self).toBe(0)
    await a.mdns.stop()
    await a.mdns.stop()
    expect(a.mdns.info().links).toEqual([])
  })
})
