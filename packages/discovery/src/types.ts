import type { FoundOn } from './peer-table.js'
import type { MulticastCheck, NetworkInterfacesFn } from './links.js'
import type { ComponentLogger, Libp2pEvents, PeerDiscoveryEvents, PeerId, PeerInfo, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { TypedEventTarget } from 'main-event'

export interface KiezMdnsInit {
  /** DNS-SD service name; keep the default to interoperate with @libp2p/mdns */
  serviceTag?: string
  /** our instance label (< 64 chars); random by default, like @libp2p/mdns */
  peerName?: string
  /** send a query on every link this often (and at once when a link appears); default 10 000 */
  queryIntervalMs?: number
  /** re-read the interface list this often; default 2 000 */
  interfacePollMs?: number
  /** answer queries (false = listen only); default true */
  broadcast?: boolean
  /** default 5353 / 224.0.0.251 */
  port?: number
  ip?: string
  /** also run on loopback interfaces; default false */
  includeLoopback?: boolean
  /** only these interface names (default: all multicast-capable ones with IPv4) */
  interfaces?: string[]
  ignoreInterfaces?: string[]
  /** a response with more records than this is dropped whole; default 64 */
  maxRecordsPerPacket?: number
  /** peers (PTR instances) taken from one response; default 4 */
  maxPeersPerPacket?: number
  /** addresses taken per peer; default 16 */
  maxAddrsPerPeer?: number
  /** peers remembered for foundOn(); least recently heard is forgotten first; default 256 */
  maxPeers?: number
  /** sustained / burst rate of `peer` events, whatever arrives; default 10 / 20 */
  maxEventsPerSecond?: number
  eventBurst?: number
  /** `peer` events caused by one source address; default 2 / 5 — so one flooding box can't starve its neighbours */
  maxEventsPerSourcePerSecond?: number
  eventBurstPerSource?: number
  /** an unchanged peer is re-announced to libp2p at most this often; default queryIntervalMs */
  reemitMs?: number
  /** sightings older than this are forgotten; default 120 000 (the record TTL) */
  peerTtlMs?: number
  /** injectable for tests */
  networkInterfaces?: NetworkInterfacesFn
  canMulticast?: MulticastCheck
}

/** What the module needs from libp2p (a subset of libp2p's components). */
export interface KiezMdnsComponents {
  peerId: PeerId
  addressManager: { getAddresses(): Multiaddr[] }
  logger: ComponentLogger
  /** when given, we re-announce as soon as our own addresses change (e.g. a listener came up after us) */
  events?: Pick<TypedEventTarget<Pick<Libp2pEvents, 'self:peer:update'>>, 'addEventListener' | 'removeEventListener'>
}

/** `kiez:peer` detail: the standard PeerInfo plus where it was heard. */
export interface KiezPeerEventDetail extends PeerInfo {
  interface: string
  localAddress: string
  cidrs: string[]
  from: string
}

export interface KiezMdnsEvents extends PeerDiscoveryEvents {
  'kiez:peer': CustomEvent<KiezPeerEventDetail>
}

export interface KiezMdnsLinkInfo {
  interface: string
  localAddress: string
  cidrs: string[]
  ready: boolean
  /** what we announce on this link right now */
  announcing: string[]
}

export interface KiezMdnsCounters {
  queriesSent: number
  queriesAnswered: number
  responsesReceived: number
  malformedPackets: number
  oversizedPackets: number
  selfIgnored: number
  offSubnetAddrsDropped: number
  peersEmitted: number
  eventsRateLimited: number
  socketFailures: number
}

export interface KiezMdnsInfo {
  instance: string
  serviceTag: string
  links: KiezMdnsLinkInfo[]
  peers: Array<{ peerId: string, foundOn: FoundOn[] }>
  counters: KiezMdnsCounters
}

/** A libp2p PeerDiscovery whose event map also carries `kiez:peer`. */
export interface KiezMdns extends TypedEventTarget<KiezMdnsEvents>, Startable {
  /** Links this peer was heard on (empty if unknown), for "found by mdns on eth1". */
  foundOn(peerId: PeerId | string): FoundOn[]
  info(): KiezMdnsInfo
}
