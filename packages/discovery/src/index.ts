/**
 * @packageDocumentation
 *
 * mDNS neighbour discovery that announces and answers on every multicast-capable
 * interface — a drop-in for `mdns()` from @libp2p/mdns in libp2p's `peerDiscovery`.
 * LinkSocket (one socket per link) is shared with the gateway's DNS-SD announcement.
 *
 * Imports `@kiez/rate` and libp2p through its interfaces only. Must not import
 * `@kiez/mesh`, the feed, store or replication packages, or an HTTP server.
 */
import { KiezMulticastDns } from './kiez-mdns.js'
import type { KiezMdns, KiezMdnsComponents, KiezMdnsInit } from './types.js'

export function kiezMdns (init: KiezMdnsInit = {}): (components: KiezMdnsComponents) => KiezMdns {
  return (components) => new KiezMulticastDns(components, init)
}

export { addrsForLink, onLink } from './addresses.js'
export { parseCidr, cidrContains } from './cidr.js'
export type { Cidr } from './cidr.js'
export { KiezMdnsError, InvalidMdnsInitError } from './errors.js'
export { KiezMulticastDns } from './kiez-mdns.js'
export type { LinkInfo, NetworkInterfacesFn, MulticastCheck } from './links.js'
export { listLinks } from './links.js'
export type { FoundOn } from './peer-table.js'
export { DEFAULT_SERVICE_TAG, buildResponse, buildQuery, parseResponse } from './records.js'
export type { Announcement, ParseLimits, ParseResult } from './records.js'
export type {
  KiezMdns,
  KiezMdnsComponents,
  KiezMdnsInit,
  KiezMdnsEvents,
  KiezPeerEventDetail,
  KiezMdnsInfo,
  KiezMdnsLinkInfo,
  KiezMdnsCounters
} from './types.js'
// per-interface mDNS sockets, also used by the HTTP gateway's DNS-SD announcement
export { LinkSocket, type LinkSocketInit } from './link-socket.js'
export { linkKey } from './links.js'
