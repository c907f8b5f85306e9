import { kiezMdns, type KiezMdns, type KiezMdnsComponents } from '@kiez/discovery'
import { replication, feedGossipsubOptions, type Replication, type ReplicationComponents } from '@kiez/replication'
import type { FeedStore } from '@kiez/store'
import type { PeerId } from '@libp2p/interface'
import type { GossipsubOpts } from '@libp2p/gossipsub'

/**
 * mDNS of @kiez/discovery (answers on every multicast interface), on the
 * standard `_p2p._udp.local` service with @libp2p/mdns's record format, so
 * plain libp2p nodes on the LAN find boxes and boxes find them. What we dial
 * that is not a box of our mesh is dropped after identify (ForeignPeers):
 * cheaper than being invisible to the rest of libp2p.
 */
export function mdnsFactory (_mesh: string): (components: KiezMdnsComponents) => KiezMdns {
  return kiezMdns({ serviceTag: mdnsServiceTag() })
}

export function mdnsServiceTag (): string {
  return '_p2p._udp.local'
}

/** The replication service of @kiez/replication, run as service `replication`. */
export function replicationFactory (
  store: FeedStore,
  mesh: string,
  onMisbehaving?: (peerId: PeerId, reason: string) => void,
  forwards?: (author: Uint8Array) => boolean
): (components: ReplicationComponents) => Replication {
  return replication({
    store,
    mesh,
    ...(onMisbehaving !== undefined ? { onMisbehaving } : {}),
    ...(forwards !== undefined ? { forwards } : {})
  })
}

/** What replication needs from gossipsub (message ids, topic scoring, StrictNoSign). */
export function replicationGossipOptions (mesh: string): Partial<GossipsubOpts> {
  return feedGossipsubOptions(mesh)
}
