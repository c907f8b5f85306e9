import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Peer, PeerId, PeerStore } from '@libp2p/interface'
import { PeerSources, SOURCE_KEY, decodeSource, type PeerSourcesComponents } from './sources.js'

/** The three peer store calls PeerSources makes, over a Map: metadata only. */
function memoryPeerStore (): PeerSourcesComponents['peerStore'] & { stored(id: PeerId): string | undefined } {
  const metadata = new Map<string, { id: PeerId, meta: Map<string, Uint8Array> }>()
  const peer = (id: PeerId, meta: Map<string, Uint8Array>): Peer => ({
    id,
    addresses: [],
    protocols: [],
    metadata: meta,
    tags: new Map()
  })
  return {
    async all () {
      return [...metadata.values()].map(({ id, meta }) => peer(id, meta))
    },
    async get (id: PeerId) {
      const e = metadata.get(id.toString())
      if (e === undefined) throw Object.assign(new Error('not found'), { name: 'NotFoundError' })
      return peer(e.id, e.meta)
    },
    async merge (id: PeerId, data: Parameters<PeerStore['merge']>[1]) {
      const e = metadata.get(id.toString()) ?? { id, meta: new Map() }
      for (const [k, v] of Object.entries(data.metadata ?? {})) if (v !== undefined) e.meta.set(k, v)
      metadata.set(id.toString(), e)
      return peer(e.id, e.meta)
    },
    stored (id: PeerId) {
      return decodeSource(metadata.get(id.toString())?.meta.get(SOURCE_KEY))
    }
  }
}

async function somePeer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

const settle = async (): Promise<void> => {
  await new Promise(resolve => setTimeout(resolve, 10))
}

describe('PeerSources: "found by" is the best finding still true', () => {
  it('ranks mdns > bootstrap > dht > gossip > inbound whatever the order of arrival', async () => {
    const orders: Array<Array<'mdns' | 'bootstrap' | 'dht' | 'gossip'>> = [
      ['dht', 'mdns'],
      ['mdns', 'dht'],
      ['gossip', 'dht'],
      ['dht', 'bootstrap'],
      ['gossip', 'bootstrap', 'mdns'],
      ['mdns', 'gossip', 'bootstrap', 'dht']
    ]
    for (const order of orders) {
      const sources = new PeerSources({ peerStore: memoryPeerStore() })
      const id = await somePeer()
      sources.noteConnection(id, 'inbound')
      for (const s of order) sources.note(id, s)
      const best = ['mdns', 'bootstrap', 'dht', 'gossip'].find(s => (order as string[]).includes(s))
      expect(sources.get(id), order.join(' then ')).toBe(best)
    }
  })

  it('says inbound (or bootstrap for a dial by address) only while nothing found the peer', async () => {
    const sources = new PeerSources({ peerStore: memoryPeerStore() })
    const caller = await somePeer()
    expect(sources.noteConnection(caller, 'inbound')).toBe('inbound')
    expect(sources.note(caller, 'dht')).toBe('dht')
    expect(sources.noteConnection(caller, 'inbound')).toBe('dht')

    // a DHT query dials the peer before kad-dht's 'peer' event: the dial's fallback gives way to the DHT
    const dialed = await somePeer()
    expect(sources.noteConnection(dialed, 'outbound')).toBe('bootstrap')
    expect(sources.note(dialed, 'dht')).toBe('dht')
  })

  it('an mDNS finding stops counting once the peer is not heard on the link for mdnsTrueForMs', async () => {
    let now = 1_000_000
    const sources = new PeerSources({ peerStore: memoryPeerStore() }, { now: () => now, mdnsTrueForMs: 120_000 })
    const id = await somePeer()
    sources.note(id, 'dht')
    sources.note(id, 'mdns')
    now += 100_000
    expect(sources.get(id)).toBe('mdns')
    sources.note(id, 'mdns') // heard again: true for another 120 s
    now += 100_000
    expect(sources.get(id)).toBe('mdns')
    now += 30_000
    expect(sources.get(id)).toBe('dht') // gone from the link, still known through the DHT

    // with nothing else known, the last mDNS finding still beats knowing nothing
    const only = await somePeer()
    sources.note(only, 'mdns')
    now += 500_000
    expect(sources.get(only)).toBe('mdns')
  })

  it('persists the answer when it changes, and a restart starts from it', async () => {
    const peerStore = memoryPeerStore()
    const first = new PeerSources({ peerStore })
    const id = await somePeer()
    first.noteConnection(id, 'inbound')
    await settle()
    expect(peerStore.stored(id)).toBe('inbound')
    first.note(id, 'dht')
    await settle()
    expect(peerStore.stored(id)).toBe('dht')

    const second = new PeerSources({ peerStore })
    await second.load()
    expect(second.get(id)).toBe('dht')
    second.noteConnection(id, 'inbound') // reconnecting does not undo the finding
    expect(second.get(id)).toBe('dht')
    second.note(id, 'mdns')
    await settle()
    expect(peerStore.stored(id)).toBe('mdns')
  })

  it('a peer evicted from the memory cache keeps its stored finding against a weaker one', async () => {
    const peerStore = memoryPeerStore()
    const sources = new PeerSources({ peerStore }, { maxCached: 1 })
    const a = await somePeer()
    const b = await somePeer()
    sources.note(a, 'mdns')
    await settle()
    sources.note(b, 'dht') // evicts a
    await settle()
    expect(sources.get(a)).toBeUndefined()
    sources.note(a, 'gossip')
    await settle()
    expect(sources.get(a)).toBe('mdns')
    expect(peerStore.stored(a)).toBe('mdns')
  })
})
