import type { BlobHost } from '@kiez/blob-exchange'
import type { FeedStore } from '@kiez/store'
import type { HeadsListener, RejectionRecord, ReplicationInfo } from '@kiez/replication'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { KiezConfig } from './config.js'
import type { DhtFindJson, DhtPeerJson, PeerJson, SyncJson, TopologyJson } from './control/types.js'

/**
 * What the daemon needs from the running mesh node. The daemon talks to the
 * node only through this, so the composition can be tested with any node
 * and the mesh package can change its internals freely.
 */
export interface DaemonNode {
  readonly peerId: string
  /** addresses we listen on, with the peer id (what a neighbour would dial) */
  listenAddrs(): string[]
  /** connected and known peers */
  peers(): Promise<PeerJson[]>
  /** one result per ping sent: its round trip in ms, or null when no reply came within timeoutMs; rejects when none is answered */
  ping(target: string, count: number, timeoutMs?: number): Promise<Array<number | null>>
  dhtFind(peerId: string): Promise<DhtFindJson>
  dhtTable(): Promise<DhtPeerJson[]>
  /** what replication knows per neighbour; undefined when the node runs without replication */
  sync(): SyncJson | undefined
  /** the mesh as neighbours report it (optional: a node without the topology service draws just itself) */
  topology?(): Promise<TopologyJson>
  /** replication's raw view and its recorded refusals (for `kiez why`); optional like replication itself */
  replicationState?(): { info: ReplicationInfo, rejections: RejectionRecord[] } | undefined
  /** every heads list a neighbour sends, as it arrives (the self-fork guard must not miss a claim) */
  onHeads?(fn: HeadsListener): () => void
  /** mDNS's own view; undefined with mDNS off */
  mdnsInfo?(): {
    links: Array<{ interface: string, localAddress: string, ready: boolean }>
    peers: Array<{ peerId: string }>
    counters: { queriesSent: number, responsesReceived: number }
  } | undefined
  /** each connected neighbour's clock minus ours */
  neighbourClocks?(): Promise<Array<{ peerId: string, offsetMs: number }>>
  /** protocol handlers and streams for services the daemon runs itself (/kiez/blob/1.0.0); optional like the rest */
  blobHost?(): BlobHost
  /** connection events (first connection up, last one down); returns the unsubscribe */
  onPeer?(fn: (e: { peerId: string, connected: boolean }) => void): () => void
  stop(): Promise<void>
}

export interface NodeFactoryInit {
  /**
   * The merged config: mesh, listen, bootstrap, mdns, data dir.
   *
   * @default none (required)
   */
  config: KiezConfig
  /**
   * The box's identity key (identity.key in the data dir); it also signs the feed.
   *
   * @default none (required)
   */
  privateKey: Ed25519PrivateKey
  /**
   * Contents of the pnet key file, when the config names one.
   *
   * @default none (an open mesh)
   */
  psk?: Uint8Array
  /**
   * The open feed store.
   *
   * @default none (required)
   */
  store: FeedStore
  /**
   * What replication forwards: false for blocked authors (the box's moderation).
   *
   * @default every author is forwarded
   */
  forwards?: (author: Uint8Array) => boolean
  /**
   * Where the node logs.
   *
   * @default none (required)
   */
  logger: Logger
  /**
   * The daemon's metrics registry: the node adds libp2p's series to it.
   *
   * @default none (no libp2p metrics; the daemon passes one when the gateway runs)
   */
  metrics?: Registry
}

/** Creates AND starts a node; rejects if it cannot listen. */
export type NodeFactory = (init: NodeFactoryInit) => Promise<DaemonNode>
