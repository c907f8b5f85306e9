import { kiezMdns } from '@kiez/discovery'
import { replication, feedGossipsubOptions, type Replication } from '@kiez/replication'
import type { FeedStore } from '@kiez/store'
import type { PeerDiscovery } from '@libp2p/interface'
import type { GossipsubOpts } from '@libp2p/gossipsub'

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * mDNS of @kiez/discovery (answers on every multicast interface). The service
 * tag is per mesh: with the shared `_p2p._udp.local` every libp2p program on
 * the LAN (an IPFS desktop, another mesh) would be announced to us, and we dial
 * what we discover.
 */
export function mdnsFactory (mesh: string): (components: any) => PeerDiscovery {
  return kiezMdns({ serviceTag: mdnsServiceTag(mesh) }) as (components: any) => PeerDiscovery
}

export function mdnsServiceTag (mesh: string): string {
  return `_kiez-${mesh}._udp.local`
}

/** The replication service of @kiez/replication, run as service `replication`. */
export function replicationFactory (store: FeedStore, mesh: string): (components: any) => Replication {
  return replication({ store, mesh }) as (components: any) => Replication
}

/** What replication needs from gossipsub (message ids, topic scoring, StrictNoSign). */
export function replicationGossipOptions (mesh: string): Partial<GossipsubOpts> {
  return feedGossipsubOptions(mesh)
}
