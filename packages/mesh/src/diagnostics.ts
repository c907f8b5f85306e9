import { decodeSource, decodeTime, SOURCE_KEY, LAST_SEEN_KEY, type PeerSource, type PeerSources } from './sources.js'
import type { Connection, Libp2p, Peer, PeerId, PeerStore } from '@libp2p/interface'

/** One line of `kiez peers`: plain data, units in the field names. */
export interface PeerView {
  peerId: string
  addrs: string[]
  /** the remote address of the open connection in use (what the link really carries); absent when not connected */
  remoteAddr?: string
  /** how the box found the peer: the best finding still true (docs/CLI.md "found by"); null for peers that predate source tracking */
  source: PeerSource | null
  /** of the oldest open connection; null when not connected */
  direction: 'inbound' | 'outbound' | null
  connected: boolean
  /** last round trip measured by the connection monitor */
  latencyMs?: number
  /** ms since the peer was last connected; 0 while connected */
  lastSeenMs?: number
  agentVersion?: string
}

export interface DhtTableEntry {
  peerId: string
  /** leading bits shared with our own DHT key (bigger = closer) */
  commonPrefixLength: number
  connected: boolean
}

const MAX_LISTED = 1000
const decoder = new TextDecoder()

/** The part of libp2p `listPeers` reads: libp2p itself, or a service's components (see createKiezNode). */
export interface PeersHost {
  peerStore: Pick<PeerStore, 'all'>
  getConnections(peerId?: PeerId): Connection[]
}

export async function listPeers (libp2p: PeersHost, sources: PeerSources, now = Date.now()): Promise<PeerView[]> {
  const views = new Map<string, PeerView>()
  const known = await libp2p.peerStore.all({
    filters: [(p) => p.metadata.has(SOURCE_KEY) || libp2p.getConnections(p.id).length > 0],
    limit: MAX_LISTED
  })
  for (const peer of known) views.set(peer.id.toString(), view(libp2p, sources, peer.id, peer, now))
  // connected peers the peer store has not caught up with yet
  for (const conn of libp2p.getConnections()) {
    const key = conn.remotePeer.toString()
    if (!views.has(key) && views.size < MAX_LISTED) {
      views.set(key, view(libp2p, sources, conn.remotePeer, undefined, now))
    }
  }
  return [...views.values()].sort((a, b) =>
    Number(b.connected) - Number(a.connected) || a.peerId.localeCompare(b.peerId)
  )
}

function view (libp2p: PeersHost, sources: PeerSources, id: PeerId, peer: Peer | undefined, now: number): PeerView {
  const conns = libp2p.getConnections(id).filter(c => c.status === 'open')
  const first = conns[0]
  const addrs = peer?.addresses.map(a => a.multiaddr.toString()) ?? []
  if (addrs.length === 0) { for (const c of conns) addrs.push(c.remoteAddr.toString()) }
  const out: PeerView = {
    peerId: id.toString(),
    addrs,
    source: sources.get(id) ?? decodeSource(peer?.metadata.get(SOURCE_KEY)) ?? null,
    direction: first?.direction ?? null,
    connected: first != null
  }
  // a peer's listen addresses include ones that mean nothing here (its 127.0.0.1); the connection says where it is
  if (first != null) out.remoteAddr = first.remoteAddr.toString()
  const rtt = conns.find(c => c.rtt != null)?.rtt
  if (rtt != null) out.latencyMs = Math.round(rtt * 100) / 100
  if (first != null) out.lastSeenMs = 0
  else {
    const seen = decodeTime(peer?.metadata.get(LAST_SEEN_KEY))
    if (seen != null) out.lastSeenMs = Math.max(0, now - seen)
  }
  const agent = peer?.metadata.get('AgentVersion')
  if (agent != null && agent.byteLength <= 256) out.agentVersion = decoder.decode(agent)
  return out
}

interface KBucketLike {
  toIterable(): Iterable<{ peerId: PeerId, kadId: Uint8Array }>
}
interface RoutingTableLike {
  kb?: KBucketLike
  size?: number
}

/**
 * kad-dht exposes only the routing table's size; the contacts live in its
 * k-bucket tree. Read them if the shape is what we expect, otherwise fall back
 * to the peer store tag kad-dht puts on routing table members.
 */
export async function dhtTable (libp2p: Libp2p<{ dht: unknown }>): Promise<DhtTableEntry[]> {
  const rt = (libp2p.services.dht as { routingTable?: RoutingTableLike }).routingTable
  const selfKad = await kadId(libp2p.peerId.toMultihash().bytes)
  const out: DhtTableEntry[] = []
  if (rt?.kb != null && typeof rt.kb.toIterable === 'function') {
    for (const contact of rt.kb.toIterable()) {
      out.push({
        peerId: contact.peerId.toString(),
        commonPrefixLength: commonPrefix(selfKad, contact.kadId),
        connected: libp2p.getConnections(contact.peerId).length > 0
      })
    }
  } else {
    for (const peer of await libp2p.peerStore.all({ filters: [(p) => p.tags.has('kad-peer')], limit: MAX_LISTED })) {
      out.push({
        peerId: peer.id.toString(),
        commonPrefixLength: commonPrefix(selfKad, await kadId(peer.id.toMultihash().bytes)),
        connected: libp2p.getConnections(peer.id).length > 0
      })
    }
  }
  return out.sort((a, b) => b.commonPrefixLength - a.commonPrefixLength || a.peerId.localeCompare(b.peerId))
}

/** kad-dht keys are sha256 of the peer id multihash */
async function kadId (bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

function commonPrefix (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = (a[i] ?? 0) ^ (b[i] ?? 0)
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return Math.min(a.length, b.length) * 8
}
