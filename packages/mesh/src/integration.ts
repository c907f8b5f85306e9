import { kiezMdns } from '@kiez/discovery'
import { replication, feedGossipsubOptions, type Replication } from '@kiez/replication'
import type { FeedStore } from '@kiez/store'
import type { PeerDiscovery, PeerId } from '@libp2p/interface'
import type { GossipsubOpts } from '@libp2p/gossipsub'

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * mDNS of @kiez/discovery (answers on every multicast interface), on the
 * standard `_p2p._udp.local` service with @libp2p/mdns's record format, so
 * plain libp2p nodes on the LAN find boxes and boxes find them. What we dial
 * that is not a box of our mesh is dropped after identify (ForeignPeers):
 * cheaper than being invisible to the rest of libp2p.
 */
export function mdnsFactory (_mesh: string): (components: any) => PeerDiscovery {
  return kiezMdns({ serviceTag: mdnsServiceTag() }) as (components: any) => PeerDiscovery
}

export function mdnsServiceTag (): string {
  return '_p2p._udp.local'
}

/** The replication service of @kiez/replication, run as service `replication`. */
export function replicationFactory (store: FeedStore, mesh: string, onMisbehaving?: (peerId: PeerId, reason: string) => void): (components: any) => Replication {
  return replication({ store, mesh, ...(onMisbehaving !== undefined ? { onMisbehaving } : {}) }) as (components: any) => Replication
}

/** What replication needs from gossipsub (message ids, topic scoring, StrictNoSign). */
export function replicationGossipOptions (mesh: string): Partial<GossipsubOpts> {
  return feedGossipsubOptions(mesh)
}
