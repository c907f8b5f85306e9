import type { FoundOn } from './peer-table.js'
import type { MulticastCheck, NetworkInterfacesFn } from './links.js'
import type { ComponentLogger, Libp2pEvents, PeerDiscoveryEvents, PeerId, PeerInfo, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { TypedEventTarget } from 'main-event'

export interface KiezMdnsInit {
  /**
   * DNS-SD service name; keep the default to interoperate with @libp2p/mdns.
   *
   * @default DEFAULT_SERVICE_TAG ('_p2p._udp.local')
   */
  serviceTag?: string
  /**
   * Our instance label (under 64 characters), like @libp2p/mdns's.
   *
   * @default 32 random hex characters
   */
  peerName?: string
  /**
   * Send a query on every link this often, in milliseconds (and at once when a link appears).
   *
   * @default 10000
   */
  queryIntervalMs?: number
  /**
   * Re-read the interface list this often, in milliseconds.
   *
   * @default 2000
   */
  interfacePollMs?: number
  /**
   * Answer queries and announce ourselves; false = listen only.
   *
   * @default true
   */
  broadcast?: boolean
  /**
   * UDP port of the mDNS group.
   *
   * @default 5353
   */
  port?: number
  /**
   * IPv4 multicast group address.
   *
   * @default '224.0.0.251'
   */
  ip?: string
  /**
   * Also run on loopback interfaces.
   *
   * @default false
   */
  includeLoopback?: boolean
  /**
   * Only these interface names.
   *
   * @default all multicast-capable interfaces with an IPv4 address
   */
  interfaces?: string[]
  /**
   * Interface names never to run on, even when `interfaces` lists them.
   *
   * @default [] (none ignored)
   */
  ignoreInterfaces?: string[]
  /**
   * A response with more records than this is dropped whole.
   *
   * @default 64
   */
  maxRecordsPerPacket?: number
  /**
   * Peers (PTR instances) taken from one response.
   *
   * @default 4
   */
  maxPeersPerPacket?: number
  /**
   * Addresses taken per peer.
   *
   * @default 16
   */
  maxAddrsPerPeer?: number
  /**
   * Peers remembered for foundOn(); the least recently heard is forgotten first.
   *
   * @default 256
   */
  maxPeers?: number
  /**
   * Sustained rate of `peer` events per second, whatever arrives.
   *
   * @default 10
   */
  maxEventsPerSecond?: number
  /**
   * Burst of `peer` events allowed above `maxEventsPerSecond`.
   *
   * @default 20
   */
  eventBurst?: number
  /**
   * Sustained rate of `peer` events per second caused by one source address, so one flooding box
   * can't starve its neighbours.
   *
   * @default 2
   */
  maxEventsPerSourcePerSecond?: number
  /**
   * Burst of `peer` events allowed from one source address.
   *
   * @default 5
   */
  eventBurstPerSource?: number
  /**
   * An unchanged peer is re-announced to libp2p at most this often, in milliseconds.
   *
   * @default queryIntervalMs
   */
  reemitMs?: number
  /**
   * Sightings older than this (milliseconds) are forgotten.
   *
   * @default 120000 (the record TTL)
   */
  peerTtlMs?: number
  /**
   * Lists the host's interfaces; injectable for tests.
   *
   * @default os.networkInterfaces
   */
  networkInterfaces?: NetworkInterfacesFn
  /**
   * Says whether an interface can multicast; injectable for tests.
   *
   * @default reads IFF_MULTICAST from /sys/class/net/<name>/flags (true where there is no sysfs)
   */
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
