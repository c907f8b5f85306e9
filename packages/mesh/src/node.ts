import { join } from 'node:path'
import { mkdir } from 'node:fs/promises'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { gossipsub, type GossipsubOpts } from '@libp2p/gossipsub'
import { preSharedKey } from '@libp2p/pnet'
import { bootstrap } from '@libp2p/bootstrap'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import { MeshError, messageOf } from './errors.js'
import { LIMITS } from './limits.js'
import { checkPsk } from './psk.js'
import { PeerSources, LAST_SEEN_KEY, type PeerSource } from './sources.js'
import { DiscoveryDialer, type DialHost } from './dialer.js'
import { Redialer } from './redialer.js'
import { ForeignPeers } from './foreign.js'
import { InboundGate } from './inbound-gate.js'
import { mdnsFactory, replicationFactory, replicationGossipOptions } from './integration.js'
import { listPeers, dhtTable, type PeerView, type DhtTableEntry, type PeersHost } from './diagnostics.js'
import { pingPeer, dhtFind, type DhtFindResult, type PingOptions } from './routing.js'
import type { FeedStore } from '@kiez/store'
import type { KiezMdns, KiezMdnsInfo } from '@kiez/discovery'
import type { Libp2pInit, ServiceFactoryMap } from 'libp2p'
import type { Libp2p, Libp2pEvents, PeerDiscovery, PeerId, PeerInfo, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import { feedTopic, type Replication } from '@kiez/replication'
import { topology, crawl, type Topology, type TopologyMap, type CrawlOptions } from '@kiez/topology'

export const AGENT_VERSION = 'kiez/0.1.0'
export const DEFAULT_MESH = 'kiez'
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/7301']
const MESH_NAME_RE = /^[a-z0-9][a-z0-9-]{0,31}$/

export interface Logger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

export interface KiezNodeInit {
  /**
   * Ed25519 identity of the box; it also signs the feed (see loadOrCreateIdentity).
   *
   * @default none (required)
   */
  privateKey: PrivateKey
  /**
   * The feed store the replication service validates into and serves from.
   *
   * @default none (required)
   */
  store: FeedStore
  /**
   * Whether replication forwards an author's entries (gossip, announcements,
   * heads sent, ranges served): false for an author the box owner blocked or
   * a followed moderation list blocks (docs/SYNC.md §3.6).
   *
   * @default every author is forwarded
   */
  forwards?: (author: Uint8Array) => boolean
  /**
   * Mesh name (`[a-z0-9][a-z0-9-]{0,31}`): separates the DHT, gossip topic and neighbours of meshes
   * sharing a LAN (mDNS is shared; a box of another mesh is hung up on after identify).
   *
   * @default DEFAULT_MESH ('kiez')
   */
  mesh?: string
  /**
   * Multiaddrs to listen on.
   *
   * @default DEFAULT_LISTEN (['/ip4/0.0.0.0/tcp/7301'])
   */
  listen?: string[]
  /**
   * Static peers, `/ip4/…/tcp/…/p2p/<id>`, dialed at start (through @libp2p/bootstrap).
   *
   * @default [] (none)
   */
  bootstrap?: string[]
  /**
   * Find neighbours by mDNS on every multicast interface.
   *
   * @default false
   */
  mdns?: boolean
  /**
   * Private-network key: swarm.key file contents (see generatePsk); only boxes with the same key connect.
   *
   * @default none (an open mesh)
   */
  psk?: Uint8Array
  /**
   * Directory of the node's own state: the peer store is persisted in `<dataDir>/peers`.
   *
   * @default none (required)
   */
  dataDir: string
  /**
   * Where the node logs.
   *
   * @default a silent logger
   */
  logger?: Logger
  /**
   * libp2p metrics implementation, e.g. `prometheusMetrics({ registry })` from @libp2p/prometheus-metrics.
   *
   * @default none (no libp2p metrics)
   */
  metrics?: Libp2pInit['metrics']
  /**
   * Where gossipsub keeps its own counters (RPC messages sent and received, duplicates included), e.g. the
   * daemon's gossipMetricsRegister(registry). The only count of duplicate copies: gossipsub drops them
   * before Kiez's validator sees them.
   *
   * @default none (gossipsub keeps no metrics)
   */
  gossipMetrics?: GossipMetricsRegister
}

/** gossipsub's metrics interface (the package does not export the type by name). */
export type GossipMetricsRegister = NonNullable<GossipsubOpts['metricsRegister']>

export type KiezServices = {
  /** present with a bootstrap list */
  bootstrap?: PeerDiscovery
  /** present with `mdns: true`; kept for diagnostics (kiez doctor: links and peers mDNS found) */
  mdns?: KiezMdns
  /** how each peer was found (`kiez peers` "found by") */
  peerSources: PeerSources
  /** dials what discovery finds */
  discoveryDialer: DiscoveryDialer
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
  replication: Replication
  topology: Topology
}

export interface KiezNodeInfo {
  peerId: string
  mesh: string
  listenAddrs: string[]
  /** ms since the epoch, null while stopped */
  startedAt: number | null
}

export interface KiezNode {
  readonly libp2p: Libp2p<KiezServices>
  readonly peerId: string
  /** the feed replication service (@kiez/replication) */
  readonly replication: Replication
  start(): Promise<void>
  stop(): Promise<void>
  info(): KiezNodeInfo
  peers(): Promise<PeerView[]>
  /** one result per ping sent: its round trip in ms, or null when it got no reply in time; throws MeshError no_route / no_reply */
  ping(target: string, count?: number, opts?: PingOptions): Promise<Array<number | null>>
  dhtFind(peerId: string): Promise<DhtFindResult>
  dhtTable(): Promise<DhtTableEntry[]>
  /** what mDNS sees (links it runs on, peers it found); undefined with mDNS off */
  mdnsInfo(): KiezMdnsInfo | undefined
  /** the mesh as far as neighbours report it (/kiez/topology/1.0.0, docs/TOPOLOGY.md) */
  topology(opts?: CrawlOptions): Promise<TopologyMap>
  /** each connected neighbour's clock minus ours (from its topology answer; at most 8 asked) */
  neighbourClocks(): Promise<Array<{ peerId: string, offsetMs: number }>>
  /** for services (e.g. replication) that learn of a peer by other means */
  notePeerSource(peerId: PeerId | string, source: PeerSource): void
  /** peers found not to be boxes of this mesh (no `/kiez/<mesh>/kad/1.0.0`), hung up on and not dialed for an hour */
  readonly foreign: ForeignPeers
}

const silent: Logger = { info () {}, warn () {}, error () {}, debug () {} }

export async function createKiezNode (init: KiezNodeInit): Promise<KiezNode> {
  const mesh = init.mesh ?? DEFAULT_MESH
  if (!MESH_NAME_RE.test(mesh)) {
    throw new MeshError('bad_config', `mesh name ${JSON.stringify(mesh)} must match ${MESH_NAME_RE.source}`)
  }
  if (init.privateKey.type !== 'Ed25519') {
    throw new MeshError('bad_config', 'the node key must be Ed25519 (it also signs the feed)')
  }
  if (init.psk != null) checkPsk(init.psk)
  const listen = init.listen ?? DEFAULT_LISTEN
  for (const addr of listen) {
    try {
      multiaddr(addr)
    } catch (err) {
      throw new MeshError('bad_config', `listen address ${JSON.stringify(addr)} is not a multiaddr`, { cause: err })
    }
  }
  const bootstrapList = init.bootstrap ?? []
  const bootstrapPeers = parseBootstrap(bootstrapList)
  const log = init.logger ?? silent

  await mkdir(init.dataDir, { recursive: true, mode: 0o700 })
  const datastore = new LevelDatastore(join(init.dataDir, 'peers'))
  await datastore.open()

  const foreign = new ForeignPeers()
  // services reach each other through libp2p's components (read when a peer is found, after start)
  const discovered =
    (services: Pick<KiezServices, 'peerSources' | 'discoveryDialer'>, source: PeerSource) =>
    (evt: CustomEvent<PeerInfo>) => {
      if (foreign.has(evt.detail.id)) return
      services.peerSources.note(evt.detail.id, source)
      services.discoveryDialer.discovered(evt.detail)
    }
  const tap =
    <D extends PeerDiscovery>(source: PeerSource, factory: (components: KiezComponents) => D) =>
    (components: KiezComponents): D => {
      const service = factory(components)
      service.addEventListener('peer', discovered(components, source))
      return service
    }

  const services: ServiceFactoryMap<KiezServices> = {
    // discovery modules are services so the taps reach the services below; listed first, they are
    // still created before the rest, as libp2p creates its `peerDiscovery` modules
    ...(bootstrapList.length > 0
      ? { bootstrap: tap('bootstrap', bootstrap({ list: bootstrapList, timeout: 100 })) }
      : {}),
    ...(init.mdns === true ? { mdns: tap('mdns', mdnsFactory(mesh)) } : {}),
    peerSources: (components) =>
      new PeerSources(components, {
        onError: (err) => {
          log.debug({ err }, 'peer source not persisted')
        }
      }),
    discoveryDialer: (components) =>
      new DiscoveryDialer(hostOf(components), {
        ...LIMITS.discoveryDial,
        maxConnections: Math.floor(LIMITS.connectionManager.maxConnections / 2),
        onError: (peerId, err) => {
          log.debug({ peer: peerId.toString(), err: errText(err) }, 'dial of discovered peer failed')
        }
      }),
    identify: identify(LIMITS.streams.identify),
    // A service that registers its protocol after a neighbour has identified us (services start
    // concurrently with the listeners) must be announced, or that neighbour never learns we speak
    // sync: it would hold the connection and never pull (a box back from a restart missed posts).
    identifyPush: identifyPush(LIMITS.streams.identifyPush),
    ping: ping(LIMITS.streams.ping),
    dht: kadDHT({
      protocol: `/kiez/${mesh}/kad/1.0.0`,
      // a LAN mesh IS private addresses; the default mapper would strip them all
      peerInfoMapper: passthroughMapper,
      clientMode: false,
      ...LIMITS.streams.dht
    }),
    pubsub: gossipsub({
      ...replicationGossipOptions(mesh),
      // entries carry their own ed25519 signatures; a second libp2p signature
      // per message would only cost CPU and leak the forwarder's identity
      globalSignaturePolicy: 'StrictNoSign',
      // peer exchange hands out unsigned-by-us peer lists; neighbours come from discovery
      doPX: false,
      ...LIMITS.streams.gossipsub,
      ...LIMITS.gossipsub,
      ...(init.gossipMetrics !== undefined
        ? { metricsRegister: init.gossipMetrics, metricsTopicStrToLabel: new Map([[feedTopic(mesh), 'feed']]) }
        : {})
    }),
    // a peer that floods invalid gossip is hung up on by replication; remembering it with the
    // foreign peers keeps the redialer and discovery from bringing it straight back (found by the adversarial suite)
    replication: replicationFactory(init.store, mesh, (peerId, reason) => {
      foreign.add(peerId)
      log.warn({ peer: peerId.toString(), reason }, 'peer misbehaved: hung up, not redialed for an hour')
    }, init.forwards),
    // what we tell neighbours about our own neighbours: the same view as `kiez peers`
    topology: (components) =>
      topology({
        neighbours: async () =>
          (await listPeers(hostOf(components), components.peerSources)).map(p => ({
            peerId: p.peerId,
            connected: p.connected,
            source: p.source,
            ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {})
          }))
      })(components)
  }

  const inboundGate = new InboundGate({
    maxPendingPerHost: LIMITS.inbound.maxPendingPerHost,
    releaseAfterMs: LIMITS.connectionManager.inboundUpgradeTimeout + 1_000
  })
  let libp2p: Libp2p<KiezServices>
  try {
    libp2p = await createLibp2p({
      start: false,
      privateKey: init.privateKey,
      nodeInfo: { userAgent: AGENT_VERSION },
      datastore,
      peerStore: LIMITS.peerStore,
      addresses: { listen },
      transports: [tcp()],
      // @libp2p/noise and @libp2p/yamux are the maintained successors of the
      // @chainsafe packages (moved into the js-libp2p monorepo); the old ones
      // target libp2p 2 interfaces and no longer get fixes.
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({
        maxInboundStreams: LIMITS.yamux.maxInboundStreams,
        maxOutboundStreams: LIMITS.yamux.maxOutboundStreams,
        maxEarlyStreams: LIMITS.yamux.maxEarlyStreams,
        maxMessageSize: LIMITS.yamux.maxMessageSize,
        streamOptions: { maxReadBufferLength: LIMITS.yamux.maxReadBufferLength }
      })],
      ...(init.psk != null ? { connectionProtector: preSharedKey({ psk: init.psk }) } : {}),
      connectionManager: LIMITS.connectionManager,
      connectionGater: inboundGate.gater,
      connectionMonitor: { enabled: true },
      ...(init.metrics != null ? { metrics: init.metrics } : {}),
      services
    })
  } catch (err) {
    await datastore.close().catch(() => {})
    throw new MeshError('bad_config', `cannot assemble libp2p node: ${messageOf(err)}`, { cause: err })
  } // the DHT reports peers it learns of in query replies (and, later, peers that connect);
  // listened to after libp2p's own listener, as before (its KadDHT type does not declare the events)

  ;(libp2p.services.dht as unknown as PeerDiscovery).addEventListener?.('peer', discovered(libp2p.services, 'dht'))
  return new Node(libp2p, datastore, mesh, bootstrapPeers, log, foreign)
}

/** What every service factory receives: libp2p's components, with every service merged in by name. */
type KiezComponents = Parameters<ServiceFactoryMap<KiezServices>['topology']>[0]

/** libp2p's dial and connection list as a service reaches them (`libp2p.dial` is the same call at priority 75). */
function hostOf (components: KiezComponents): DialHost & PeersHost {
  return {
    peerStore: components.peerStore,
    getConnections: (peerId) => components.connectionManager.getConnections(peerId),
    dial: async (peer, options) => await components.connectionManager.openConnection(peer, { priority: 75, ...options })
  }
}

function parseBootstrap (list: string[]): PeerId[] {
  const ids: PeerId[] = []
  for (const s of list) {
    let ma: Multiaddr
    try {
      ma = multiaddr(s)
    } catch (err) {
      throw new MeshError('bad_config', `bootstrap address ${JSON.stringify(s)} is not a multiaddr`, { cause: err })
    }
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id == null) throw new MeshError('bad_config', `bootstrap address ${s} needs a /p2p/<peer id> suffix`)
    try {
      ids.push(peerIdFromString(id))
    } catch (err) {
      throw new MeshError('bad_config', `bootstrap address ${s} has an invalid peer id`, { cause: err })
    }
  }
  return ids
}

class Node implements KiezNode {
  readonly peerId: string
  readonly sources: PeerSources
  readonly replication: Replication
  readonly dialer: DiscoveryDialer
  private readonly redialer: Redialer
  private startedAt: number | null = null
  private datastoreOpen = true
  /** removes each event listener `on` added */
  private readonly listeners: Array<() => void> = []

  constructor (
    readonly libp2p: Libp2p<KiezServices>,
    private readonly datastore: LevelDatastore,
    private readonly mesh: string,
    private readonly bootstrapPeers: PeerId[],
    private readonly log: Logger,
    readonly foreign: ForeignPeers = new ForeignPeers()
  ) {
    this.peerId = libp2p.peerId.toString()
    this.replication = libp2p.services.replication
    this.sources = libp2p.services.peerSources
    this.dialer = libp2p.services.discoveryDialer
    this.redialer = new Redialer(libp2p, {
      ...LIMITS.redial,
      onAttempt: (peerId, attempt, err) => {
        if (err == null) log.info({ peer: peerId.toString(), attempt }, 'redialed neighbour')
        else log.debug({ peer: peerId.toString(), attempt, err: errText(err) }, 'redial failed')
      }
    })
  }

  async start (): Promise<void> {
    if (this.startedAt != null) return
    if (!this.datastoreOpen) {
      await this.datastore.open()
      this.datastoreOpen = true
    }
    await this.sources.load()
    // the bootstrap module merges its peers before announcing them: claim them first
    for (const id of this.bootstrapPeers) this.sources.note(id, 'bootstrap')
    this.on('connection:open', (evt) => {
      const conn = evt.detail
      // says `inbound`, or `bootstrap` for a dial by address, only while nothing found the peer
      this.sources.noteConnection(conn.remotePeer, conn.direction)
    })
    this.on('peer:connect', (evt) => {
      this.redialer.connected(evt.detail)
      void this.sources.touch(evt.detail)
      this.log.info({ peer: evt.detail.toString() }, 'peer connected')
    })
    this.on('peer:disconnect', (evt) => {
      if (this.foreign.has(evt.detail)) return
      void this.sources.touch(evt.detail)
      this.log.info({ peer: evt.detail.toString() }, 'peer disconnected')
      if (this.sources.get(evt.detail) != null) this.redialer.lost(evt.detail)
    })
    // Only boxes of our mesh are neighbours: every box serves its mesh's DHT protocol.
    const meshProtocol = `/kiez/${this.mesh}/kad/1.0.0`
    this.on('peer:identify', (evt) => {
      const { peerId, protocols, agentVersion } = evt.detail
      if (protocols.includes(meshProtocol)) return
      this.foreign.add(peerId)
      this.redialer.connected(peerId)
      this.log.info({ peer: peerId.toString(), agentVersion }, 'not a box of this mesh: hanging up')
      void this.libp2p.hangUp(peerId)
        .then(async () => {
          await this.libp2p.peerStore.delete(peerId)
        })
        .catch((err) => {
          this.log.debug({ peer: peerId.toString(), err: errText(err) }, 'forgetting a foreign peer failed')
        })
    })
    this.redialer.start()
    this.dialer.start()
    try {
      await this.libp2p.start()
    } catch (err) {
      throw new MeshError('listen_failed', `cannot start the mesh node: ${errText(err)}`, { cause: err })
    }
    this.startedAt = Date.now()
    this.log.info({ peerId: this.peerId, mesh: this.mesh, listenAddrs: this.listenAddrs() }, 'mesh node started')
    // neighbours from the last run (peers we were actually connected to, not
    // every address a DHT reply mentioned): dial them, spread out, without
    // waiting for discovery
    const known = await this.libp2p.peerStore.all({
      filters: [(p) => p.addresses.length > 0 && p.metadata.has(LAST_SEEN_KEY) && this.sources.get(p.id) != null]
    })
    for (const p of known) this.redialer.lost(p.id, Math.floor(Math.random() * 500))
  }

  async stop (): Promise<void> {
    if (this.startedAt == null && !this.datastoreOpen) return
    this.redialer.stop()
    this.dialer.stop()
    for (const off of this.listeners.splice(0)) off()
    await this.libp2p.stop()
    this.startedAt = null
    if (this.datastoreOpen) {
      this.datastoreOpen = false
      await this.datastore.close()
    }
    this.log.info({ peerId: this.peerId }, 'mesh node stopped')
  }

  info (): KiezNodeInfo {
    return { peerId: this.peerId, mesh: this.mesh, listenAddrs: this.listenAddrs(), startedAt: this.startedAt }
  }

  async peers (): Promise<PeerView[]> {
    this.requireStarted()
    return await listPeers(this.libp2p, this.sources)
  }

  async ping (target: string, count = 1, opts: PingOptions = {}): Promise<Array<number | null>> {
    this.requireStarted()
    return await pingPeer(this.libp2p, target, count, opts)
  }

  async dhtFind (peerId: string): Promise<DhtFindResult> {
    this.requireStarted()
    return await dhtFind(this.libp2p, peerId)
  }

  async dhtTable (): Promise<DhtTableEntry[]> {
    return await dhtTable(this.libp2p)
  }

  async topology (opts?: CrawlOptions): Promise<TopologyMap> {
    this.requireStarted()
    return await crawl(this.libp2p.services.topology, opts)
  }

  async neighbourClocks (): Promise<Array<{ peerId: string, offsetMs: number }>> {
    this.requireStarted()
    const ids = [...new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString()))].slice(0, 8)
    const answers = await Promise.allSettled(ids.map(async (id) => await this.libp2p.services.topology.query(id, 0)))
    return answers.flatMap((a, i) =>
      a.status === 'fulfilled'
        ? [{ peerId: ids[i] as string, offsetMs: Math.round(a.value.clockMs - (a.value.sentAtMs + a.value.rttMs / 2)) }]
        : []
    )
  }

  mdnsInfo (): KiezMdnsInfo | undefined {
    return this.libp2p.services.mdns?.info()
  }

  notePeerSource (peerId: PeerId | string, source: PeerSource): void {
    this.sources.note(typeof peerId === 'string' ? peerIdFromString(peerId) : peerId, source)
  }

  private listenAddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  private on<K extends keyof Libp2pEvents> (name: K, fn: (evt: Libp2pEvents[K]) => void): void {
    this.libp2p.addEventListener(name, fn)
    this.listeners.push(() => {
      this.libp2p.removeEventListener(name, fn)
    })
  }

  private requireStarted (): void {
    if (this.startedAt == null) throw new MeshError('not_started', 'the mesh node is not running')
  }
}

export function errText (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
