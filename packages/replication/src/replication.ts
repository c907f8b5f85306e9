import type { Entry } from '@kiez/feed'
import type { FeedStore, RangeIngestResult } from '@kiez/store'
import { TopicValidatorResult, type Message, type PublishResult, type TopicValidatorFn } from '@libp2p/gossipsub'
import {
  serviceDependencies,
  type ComponentLogger,
  type Connection,
  type Logger,
  type PeerId,
  type PeerStore,
  type Startable,
  type Stream
} from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import {
  feedTopic,
  MAX_ENTRIES_PER_RESPONSE,
  MAX_RESPONSE_BYTES,
  SYNC_PROTOCOL,
  SYNC_PROTOCOL_RECONCILE
} from './constants.js'
import { Announcer } from './announcer.js'
import { bump, newCounters, type ReplicationCounters } from './counters.js'
import { ReplicationError } from './errors.js'
import { Framed } from './framing.js'
import { HeadIdCache } from './heads-reconcile.js'
import { GossipGuard } from './gossip-guard.js'
import { encodeGossip } from './gossip.js'
import { judgeGossip } from './gossip-judge.js'
import type { WireHead, WireItem } from './messages.js'
import { fetchPayloads, heldBy, PayloadRounds, type FetchOutcome } from './payload-fetch.js'
import { diffHeads, type AuthorSync, type Want } from './plan.js'
import { pull, serve, type SyncHost, type SyncLimits } from './sync.js'
import { BucketTable, type TokenBucket } from '@kiez/rate'
import { RejectionLog, type RejectionRecord } from './rejections.js'
import { DepartedLog, type DepartedPeer } from './departed.js'
import { hex } from './util.js'

/** invalid gossip messages a peer may send per minute before the rest are refused unseen and it is hung up on */
const GOSSIP_MAX_STRIKES = 16

/** The part of gossipsub replication uses (gossipsub's class satisfies it). */
export interface FeedPubSub {
  globalSignaturePolicy: string
  topicValidators: Map<string, TopicValidatorFn>
  subscribe: (topic: string) => void
  unsubscribe: (topic: string) => void
  publish: (
    topic: string,
    data: Uint8Array,
    opts?: { allowPublishToZeroTopicPeers?: boolean, ignoreDuplicatePublishError?: boolean }
  ) => Promise<PublishResult>
}

export interface ReplicationInit {
  /**
   * Where entries are validated and stored, and read from to answer peers.
   *
   * @default none (required)
   */
  store: FeedStore
  /**
   * Mesh name: selects the gossip topic (`/kiez/<mesh>/feed/2`).
   *
   * @default none (required)
   */
  mesh: string
  /**
   * Whether entries of `author` may leave this box (a box owner's block, a
   * followed moderation list): when false they are not forwarded by gossip,
   * announced, listed in the heads we send, or served in ranges. Payloads
   * need no check here: the store's gate refuses a blocked author's.
   *
   * @default every author is forwarded
   */
  forwards?: (author: Uint8Array) => boolean
  /**
   * Full heads exchange when a peer supporting sync connects.
   *
   * @default true
   */
  syncOnConnect?: boolean
  /**
   * Offer /kiez/sync/2.1.0 (heads exchange by set reconciliation, docs/SYNC.md
   * §3.7) first when opening a session, and serve it. False: 2.0.0 only.
   *
   * @default true
   */
  reconcileHeads?: boolean
  /**
   * Full heads exchange with every neighbour this often, in milliseconds; 0 turns it off.
   *
   * @default 30000
   */
  syncIntervalMs?: number
  /**
   * Deadline of one sync stream in milliseconds, either side.
   *
   * @default 60000
   */
  streamTimeoutMs?: number
  /**
   * Concurrent inbound sync streams per peer.
   *
   * @default 2
   */
  maxStreamsPerPeer?: number
  /**
   * Entry and payload bytes per second served to one peer (the burst is as much, and at least one response).
   *
   * @default 8388608 (8 MiB/s)
   */
  servedBytesPerSecond?: number
  /**
   * Most entries asked for in one GET and sent in one ENTRIES response; capped at the protocol's limit.
   *
   * @default MAX_ENTRIES_PER_RESPONSE (500)
   */
  maxEntriesPerResponse?: number
  /**
   * Most entry and payload bytes sent in one ENTRIES or PAYLOADS response; capped at the protocol's limit.
   *
   * @default MAX_RESPONSE_BYTES (1 032 192: the 1 MiB frame cap less 16 KiB of framing)
   */
  maxResponseBytes?: number
  /**
   * Entries one outbound session fetches before yielding.
   *
   * @default 20000
   */
  maxEntriesPerSession?: number
  /**
   * Missing payloads asked of a neighbour after a sync session with it (0 turns fetching off).
   *
   * @default 256
   */
  maxPayloadsPerFetch?: number
  /**
   * Least time between two payload-fetch rounds with one neighbour, in milliseconds.
   *
   * @default 10000
   */
  payloadFetchIntervalMs?: number
  /**
   * Targeted gap pulls queued per peer before we fall back to a full exchange.
   *
   * @default 64
   */
  maxPendingPullsPerPeer?: number
  /**
   * Announcements queued for gossip.
   *
   * @default 1024
   */
  maxAnnounceQueue?: number
  /**
   * Told when a peer used up its invalid-gossip budget and was hung up on (e.g. so it is not redialed).
   *
   * @default none (nobody is told)
   */
  onMisbehaving?: (peerId: PeerId, reason: string) => void
}

export interface ReplicationComponents {
  peerId: PeerId
  registrar: Registrar
  connectionManager: ConnectionManager
  /** the protocols identify learnt (a connection made before our topology was registered) */
  peerStore: PeerStore
  logger: ComponentLogger
  /** gossipsub, registered in libp2p's `services` as `pubsub` (libp2p merges services into components by name) */
  pubsub: FeedPubSub
}

export interface PeerSyncInfo {
  peerId: string
  /** when this peer last told us its heads (ms since epoch) */
  headsReceivedAtMs?: number
  heads: Array<{ author: string, seq: number, hash: string, forkedAt?: number, timestamp?: number }>
  /** per author, what each side lacks (from the last heads it sent) */
  authors: AuthorSync[]
  weLack: number
  theyLack: number
  syncing: boolean
  lastSyncAtMs?: number
  lastSyncError?: string
  /** set for a neighbour that is gone: when it disconnected (its heads are the last it sent) */
  disconnectedAtMs?: number
  pendingPulls: number
  inboundStreams: number
}

export interface ReplicationInfo {
  topic: string
  protocol: string
  /** connected neighbours */
  peers: PeerSyncInfo[]
  /** recently disconnected neighbours whose heads we knew, newest departure first (bounded) */
  departed?: PeerSyncInfo[]
  counters: ReplicationCounters
  announceQueue: number
}

export interface SyncResult {
  peerId: string
  ok: boolean
  error?: string
  entriesIn: number
}

export interface Replication extends Startable {
  readonly topic: string
  info: () => ReplicationInfo
  counters: () => ReplicationCounters
  /** the last entries neighbours offered that the store refused, newest first (bounded) */
  rejections: () => RejectionRecord[]
  /** a full sync with one connected peer, or with every connected peer */
  syncNow: (peerId?: PeerId) => Promise<SyncResult[]>
  /**
   * Calls `fn` with every heads list a neighbour sends, as it arrives. `info()`
   * shows only the latest one per peer, which the next exchange may replace
   * within milliseconds; a watcher that must not miss a claim listens here.
   */
  onHeads: (fn: HeadsListener) => () => void
}

/** A neighbour's heads, authors in hex (unsigned claims: see SYNC.md). */
export type HeadsListener = (peerId: string, heads: ReadonlyArray<{ author: string, seq: number }>) => void

const MAX_TRACKED_BUCKETS = 4096
/** deferred authors remembered per peer until the next periodic sync (a heads exchange names at most 65 536) */
const MAX_HELD = 65_536

interface PeerState {
  id: PeerId
  heads?: WireHead[]
  headsAt?: number
  inbound: number
  bucket: TokenBucket
  running?: Promise<void>
  wantFull: boolean
  pulls: Map<string, Want>
  lastSyncAt?: number
  lastSyncError?: string
  /** entries stored from this peer's sync responses, all sessions */
  entriesIn: number
  /** authors (hex) the store deferred in a session with this peer: not asked again until the periodic sync */
  held: Set<string>
}

export class ReplicationService implements Replication, Startable {
  readonly topic: string
  private readonly store: FeedStore
  private readonly components: ReplicationComponents
  private readonly log: Logger
  private readonly syncIntervalMs: number
  private readonly syncOnConnect: boolean
  private readonly reconcileHeads: boolean
  /** per author hex: seq ranges being stored by sync right now, whose entries are not announced one by one */
  private readonly muted = new Map<string, Array<[number, number]>>()
  private readonly streamTimeoutMs: number
  private readonly maxStreamsPerPeer: number
  private readonly maxPendingPulls: number
  private readonly limits: SyncLimits
  private readonly stats = newCounters()
  private readonly refused = new RejectionLog()
  private readonly peers = new Map<string, PeerState>()
  private readonly headsListeners = new Set<HeadsListener>()
  private readonly headIds = new HeadIdCache()
  private readonly departed = new DepartedLog()
  private readonly headTimes = new Map<string, number>()
  /** serving budgets outlive connections, so reconnecting does not refill one; bounded, least recently used dropped */
  private readonly buckets: BucketTable
  private readonly announcer: Announcer
  private readonly guard: GossipGuard
  private readonly onMisbehaving: ReplicationInit['onMisbehaving']
  private readonly host: SyncHost
  private readonly payloadRounds: PayloadRounds
  private pubsub: FeedPubSub | undefined
  private unlisten: Array<() => void> = []
  private topologyId: string | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  private shutdown = new AbortController()
  private started = false
  private readonly forwards: (author: Uint8Array) => boolean

  constructor (components: ReplicationComponents, init: ReplicationInit) {
    this.components = components
    this.store = init.store
    this.forwards = init.forwards ?? (() => true)
    this.topic = feedTopic(init.mesh)
    this.log = components.logger.forComponent('kiez:replication')
    this.syncIntervalMs = init.syncIntervalMs ?? 30_000
    this.syncOnConnect = init.syncOnConnect ?? true
    this.reconcileHeads = init.reconcileHeads ?? true
    this.streamTimeoutMs = init.streamTimeoutMs ?? 60_000
    this.maxStreamsPerPeer = init.maxStreamsPerPeer ?? 2
    // 8 MiB/s ≈ 50k entries/s: a catch-up is not slower than the store, yet one peer cannot make us send without bound
    const servedBytesPerSecond = init.servedBytesPerSecond ?? 8 * 1024 * 1024
    this.maxPendingPulls = init.maxPendingPullsPerPeer ?? 64
    this.limits = {
      maxEntriesPerResponse: Math.min(init.maxEntriesPerResponse ?? MAX_ENTRIES_PER_RESPONSE, MAX_ENTRIES_PER_RESPONSE),
      maxResponseBytes: Math.min(init.maxResponseBytes ?? MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES),
      maxEntriesPerSession: init.maxEntriesPerSession ?? 20_000
    }
    // a single answer (maxResponseBytes) always fits the bucket: paced, never refused
    this.buckets = new BucketTable({
      ratePerSecond: servedBytesPerSecond,
      capacity: Math.max(servedBytesPerSecond, this.limits.maxResponseBytes),
      maxKeys: MAX_TRACKED_BUCKETS
    })
    this.onMisbehaving = init.onMisbehaving
    this.payloadRounds = new PayloadRounds({
      limit: init.maxPayloadsPerFetch ?? 256,
      intervalMs: init.payloadFetchIntervalMs ?? 10_000,
      maxPeers: MAX_TRACKED_BUCKETS
    })
    this.guard = new GossipGuard({
      maxInFlight: 32,
      maxWaiting: 4096,
      maxStrikes: GOSSIP_MAX_STRIKES,
      windowMs: 60_000,
      maxPeers: 4096
    })
    this.announcer = new Announcer({
      publish: async (it) => {
        await this.publish(it)
      },
      maxQueue: init.maxAnnounceQueue ?? 1024
    })
    this.host = {
      store: this.store,
      counters: this.stats,
      limits: this.limits,
      log: this.log,
      ourHeads: () => this.ourHeads(),
      headId: (h) => this.headIds.id(h),
      forwards: this.forwards,
      ingestRange: async (author, from, items) => await this.ingestRange(author, from, items),
      room: (author) => this.store.room(author),
      afterAuthor: (author, stored) => {
        if (stored > 0) void this.announceHead(author)
      }
    }
  }

  readonly [Symbol.toStringTag] = '@kiez/replication'
  // Sync needs identify (topology notifications), push needs a pubsub.
  readonly [serviceDependencies]: string[] = ['@libp2p/identify', '@libp2p/pubsub']

  async start (): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    this.announcer.start()
    let pubsub: FeedPubSub | undefined
    try {
      pubsub = this.components.pubsub
    } catch {} // libp2p's components proxy throws for a missing service
    if (pubsub?.topicValidators === undefined) {
      throw new ReplicationError('bad_config', 'no gossipsub service named \'pubsub\'')
    }
    if (pubsub.globalSignaturePolicy !== 'StrictNoSign') {
      throw new ReplicationError(
        'bad_config',
        'gossipsub must use globalSignaturePolicy StrictNoSign (spread feedGossipsubOptions() into its init)'
      )
    }
    this.pubsub = pubsub
    this.unlisten.push(this.store.onEntry((entry) => {
      this.onStored(entry)
    }))
    this.unlisten.push(this.store.onFork((_author, _seq, proof) => {
      this.announcer.forkProof(proof)
    }))
    for (const protocol of this.syncProtocols()) {
      await this.components.registrar.handle(protocol, (stream, connection) => {
        this.onStream(stream, connection).catch((err) => {
          this.log.error('sync stream handler failed: %e', err)
        })
      }, {
        maxInboundStreams: this.maxStreamsPerPeer + 1, // one over our own cap, so a peer learns 'busy' rather than a reset
        maxOutboundStreams: 2
      })
    }
    this.topologyId = await this.components.registrar.register(SYNC_PROTOCOL, {
      onConnect: (peerId) => {
        this.onConnect(peerId)
      },
      onDisconnect: (peerId) => {
        this.depart(peerId.toString())
      }
    })
    pubsub.topicValidators.set(this.topic, async (from, msg) => await this.validate(from, msg))
    this.started = true
    // Head times only order requests: filled after the handlers are up, so a neighbour that
    // identifies us meanwhile already sees the sync protocols. A time an entry set meanwhile is newer.
    for (const h of this.store.heads()) {
      if (h.seq === 0) continue
      const e = await this.store.get(h.hash)
      const key = hex(h.author)
      if (e !== undefined && (this.headTimes.get(key) ?? -1) < e.timestamp) this.headTimes.set(key, e.timestamp)
    }
  }

  private onConnect (peerId: PeerId): void {
    this.departed.forget(peerId.toString())
    const peer = this.peerState(peerId)
    if (!this.syncOnConnect) return
    peer.wantFull = true
    this.kickSoon(peer)
  }

  /**
   * Connected neighbours that speak sync but that no topology event told us of: libp2p
   * notifies a topology only on identify, so a connection identified before our start
   * registered the topology (a box dialing out while it starts) would never be synced.
   */
  private async adoptConnected (): Promise<void> {
    const seen = new Set<string>()
    for (const c of this.components.connectionManager.getConnections()) {
      const key = c.remotePeer.toString()
      if (seen.has(key) || this.peers.has(key)) continue
      seen.add(key)
      let protocols: string[]
      try {
        protocols = (await this.components.peerStore.get(c.remotePeer)).protocols
      } catch {
        continue // not identified yet: its identify will reach the topology
      }
      if (this.started && !this.peers.has(key) && protocols.includes(SYNC_PROTOCOL)) {
        this.log('adopting %p: connected and speaks sync, but no topology event came', c.remotePeer)
        this.onConnect(c.remotePeer)
      }
    }
  }

  /** Subscribing needs a started gossipsub; services start concurrently. */
  afterStart (): void {
    this.pubsub?.subscribe(this.topic)
    this.adoptSoon()
    if (this.syncIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.syncAll()
        this.adoptSoon()
      }, this.syncIntervalMs)
      this.timer.unref?.()
    }
  }

  private adoptSoon (): void {
    this.adoptConnected().catch((err) => {
      this.log.error('adopting connected peers failed: %e', err)
    })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearInterval(this.timer)
    this.shutdown.abort()
    for (const u of this.unlisten) u()
    this.unlisten = []
    if (this.topologyId !== undefined) this.components.registrar.unregister(this.topologyId)
    for (const protocol of this.syncProtocols()) await this.components.registrar.unhandle(protocol)
    this.pubsub?.topicValidators.delete(this.topic)
    try {
      this.pubsub?.unsubscribe(this.topic)
    } catch {}
    await this.announcer.stop()
    await Promise.allSettled([...this.peers.values()].map(async (p) => await p.running))
    this.peers.clear()
    this.departed.clear()
  }

  /** The sync protocols we speak, preferred first. */
  private syncProtocols (): string[] {
    return this.reconcileHeads ? [SYNC_PROTOCOL_RECONCILE, SYNC_PROTOCOL] : [SYNC_PROTOCOL]
  }

  /** A neighbour went: keep what it last told us, so `kiez sync` can still say what it lacks. */
  private depart (key: string): void {
    const p = this.peers.get(key)
    this.peers.delete(key)
    this.payloadRounds.forget(key)
    if (p?.heads === undefined || p.headsAt === undefined) return
    const d: DepartedPeer = { peerId: key, heads: p.heads, headsAt: p.headsAt, disconnectedAt: Date.now() }
    if (p.lastSyncAt !== undefined) d.lastSyncAt = p.lastSyncAt
    if (p.lastSyncError !== undefined) d.lastSyncError = p.lastSyncError
    this.departed.note(d)
  }

  isStarted (): boolean {
    return this.started
  }

  // ---- announce ------------------------------------------------------------

  private onStored (entry: Entry): void {
    const key = hex(entry.author)
    if ((this.headTimes.get(key) ?? -1) < entry.timestamp) this.headTimes.set(key, entry.timestamp)
    if (this.muted.get(key)?.some(([a, b]) => entry.seq >= a && entry.seq <= b) === true) return
    if (!this.forwards(entry.author)) return
    this.announcer.entry(entry)
  }

  /** Gaps and repeats are not refusals of the entry; everything else is worth an answer in `kiez why`. */
  private noteRejection (
    from: PeerId,
    bytes: Uint8Array | undefined,
    code: string,
    via: 'gossip' | 'sync',
    entry?: Entry
  ): void {
    if (bytes === undefined || code === 'wrong_seq' || code === 'duplicate') return
    this.refused.note(from.toString(), bytes, code, via, entry)
  }

  rejections (): RejectionRecord[] {
    return this.refused.list()
  }

  onHeads (fn: HeadsListener): () => void {
    this.headsListeners.add(fn)
    return () => {
      this.headsListeners.delete(fn)
    }
  }

  private heard (peer: PeerState, heads: WireHead[]): void {
    peer.heads = heads
    peer.headsAt = Date.now()
    if (this.headsListeners.size === 0) return
    const id = peer.id.toString()
    const list = heads.map((h) => ({ author: hex(h.author), seq: h.seq }))
    for (const fn of this.headsListeners) {
      try {
        fn(id, list)
      } catch { /* a listener's bug is not the peer's */ }
    }
  }

  private async ingestRange (
    author: Uint8Array,
    from: number,
    items: WireItem[],
    peer?: PeerId
  ): Promise<RangeIngestResult> {
    const key = hex(author)
    const range: [number, number] = [from, from + items.length - 1]
    const list = this.muted.get(key) ?? []
    list.push(range)
    this.muted.set(key, list)
    try {
      const r = await this.store.ingestRange(items)
      if (r.rejection !== undefined && peer !== undefined) {
        this.noteRejection(peer, items[r.rejection.index]?.entry, r.rejection.code, 'sync')
      }
      return r
    } finally {
      list.splice(list.indexOf(range), 1)
      if (list.length === 0) this.muted.delete(key)
    }
  }

  /**
   * After sync stored entries of an author, announce just its head: a
   * neighbour that lacks the entries before it sees a gap and pulls from us,
   * so a line of boxes still relays a catch-up without re-gossiping it all.
   */
  private async announceHead (author: Uint8Array): Promise<void> {
    const h = this.store.head(author)
    if (h === undefined || h.seq === 0 || !this.forwards(author)) return
    try {
      const e = await this.store.get(h.hash)
      if (e !== undefined) this.announcer.entry(e)
    } catch {}
  }

  private async publish (
    it: { kind: 'entry', entry: Entry } | { kind: 'forkProof', bytes: Uint8Array }
  ): Promise<void> {
    if (this.pubsub === undefined) return
    const data = it.kind === 'entry'
      ? encodeGossip({
        kind: 'entry',
        entry: it.entry.bytes,
        ...(it.entry.payload !== undefined ? { payload: it.entry.payload } : {})
      })
      : encodeGossip(it)
    try {
      // An entry that came in by gossip is already in gossipsub's seen-cache: this is then a no-op.
      await this.pubsub.publish(this.topic, data, {
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true
      })
      if (it.kind === 'entry') this.stats.publishedEntries++
      else this.stats.publishedForkProofs++
    } catch (err) {
      this.stats.publishErrors++
      this.log('publish failed: %s', (err as Error).message)
    }
  }

  // ---- push: the gossip validator ------------------------------------------

  private async validate (from: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const key = from.toString()
    if (this.guard.refused(key)) {
      bump(this.stats.gossipRejected, 'peer_refused')
      return TopicValidatorResult.Reject
    }
    const release = await this.guard.acquire(key)
    if (release === undefined) {
      bump(this.stats.gossipIgnored, 'peer_busy')
      return TopicValidatorResult.Ignore
    }
    try {
      // the budget may have run out while this message waited for its slot
      if (this.guard.refused(key)) {
        bump(this.stats.gossipRejected, 'peer_refused')
        return TopicValidatorResult.Reject
      }
      const verdict = await judgeGossip({
        store: this.store,
        stats: this.stats,
        log: this.log,
        forwards: this.forwards,
        noteRejection: (bytes, code, entry) => {
          this.noteRejection(from, bytes, code, 'gossip', entry)
        },
        requestPull: (w) => {
          this.requestPull(from, w)
        }
      }, msg.data)
      if (verdict === TopicValidatorResult.Reject && this.guard.strike(key)) {
        this.log('%p sent %d invalid gossip messages: hanging up', from, GOSSIP_MAX_STRIKES)
        try {
          this.onMisbehaving?.(from, 'invalid_gossip')
        } catch {}
        void this.components.connectionManager.closeConnections(from).catch(() => {})
      }
      return verdict
    } finally {
      release()
    }
  }

  private requestPull (peerId: PeerId, w: Want): void {
    const peer = this.peerState(peerId)
    const key = hex(w.author)
    const prev = peer.pulls.get(key)
    if (prev !== undefined) prev.to = Math.max(prev.to, w.to)
    else if (peer.pulls.size >= this.maxPendingPulls) {
      // Too many gaps to chase one by one: a full heads exchange finds them all.
      peer.pulls.clear()
      peer.wantFull = true
    } else peer.pulls.set(key, w)
    this.stats.gapPulls++
    this.kickSoon(peer)
  }

  // ---- pull: sessions we open ----------------------------------------------

  private peerState (peerId: PeerId): PeerState {
    const key = peerId.toString()
    let p = this.peers.get(key)
    if (p === undefined) {
      p = {
        id: peerId,
        inbound: 0,
        bucket: this.buckets.get(key),
        wantFull: false,
        pulls: new Map(),
        entriesIn: 0,
        held: new Set()
      }
      this.peers.set(key, p)
    }
    return p
  }

  private connected (peerId: PeerId): boolean {
    return this.components.connectionManager.getConnections(peerId).length > 0
  }

  private syncAll (): void {
    for (const [key, p] of this.peers) {
      // State made for a peer that has gone (a late gossip message, a stream racing a disconnect) is dropped here.
      if (!this.connected(p.id) && p.running === undefined && p.inbound === 0) {
        this.peers.delete(key)
        continue
      }
      p.held.clear() // the budgets have had a sync interval to refill
      p.wantFull = true
      this.kickSoon(p)
    }
  }

  private kickSoon (peer: PeerState): void {
    this.kick(peer).catch((err) => {
      this.log.error('sync driver failed: %e', err)
    })
  }

  /** Runs sessions with a peer until nothing is wanted from it; one at a time per peer. */
  private async kick (peer: PeerState): Promise<void> {
    peer.running ??= this.drive(peer).finally(() => {
      peer.running = undefined
    })
    await peer.running
  }

  private async drive (peer: PeerState): Promise<void> {
    // Let the caller's stack unwind first (kick is called from event handlers).
    await Promise.resolve()
    while (this.started && (peer.wantFull || peer.pulls.size > 0)) {
      if (!this.connected(peer.id)) {
        peer.lastSyncError = 'not_connected'
        return
      }
      const full = peer.wantFull
      const ranges = [...peer.pulls.values()]
      peer.wantFull = false
      peer.pulls.clear()
      try {
        const n = await this.session(peer, full, ranges)
        peer.entriesIn += n
        peer.lastSyncAt = Date.now()
        delete peer.lastSyncError
      } catch (err) {
        const code = err instanceof ReplicationError ? err.code : 'stream'
        bump(this.stats.syncSessionsFailed, code)
        peer.lastSyncError = `${code}: ${(err as Error).message}`
        this.log('sync with %p failed: %s', peer.id, peer.lastSyncError)
        return // the next periodic sync retries
      }
    }
  }

  private async session (peer: PeerState, full: boolean, ranges: Want[]): Promise<number> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.streamTimeoutMs)])
    const stream = await this.components.connectionManager.openStream(peer.id, this.syncProtocols(), { signal })
    this.stats.syncSessionsMade++
    const f = new Framed(stream)
    try {
      // the same host, but refusals are put down to this peer
      const host: SyncHost = {
        ...this.host,
        ingestRange: async (author, from, items) => await this.ingestRange(author, from, items, peer.id)
      }
      const reconcile = stream.protocol === SYNC_PROTOCOL_RECONCILE
      const out = await pull(host, f, { full, ranges, held: peer.held, reconcile }, signal)
      for (const a of out.deferred) if (peer.held.size < MAX_HELD) peer.held.add(a)
      if (out.theirHeads !== undefined) this.heard(peer, out.theirHeads)
      if (out.truncated) peer.wantFull = true
      const key = peer.id.toString()
      const round = this.payloadRounds.due(key)
      if (round !== undefined) {
        let fetched: FetchOutcome | undefined
        try {
          fetched = await fetchPayloads(host, f, { ...round, holds: heldBy(peer.heads) }, signal)
        } finally {
          this.payloadRounds.done(key, fetched)
          if (fetched === undefined) this.stats.payloadFetchesFailed++
        }
      }
      await stream.close({ signal })
      return out.entriesIn
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  // ---- serve: sessions peers open ------------------------------------------

  private async onStream (stream: Stream, connection: Connection): Promise<void> {
    const peer = this.peerState(connection.remotePeer)
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.streamTimeoutMs)])
    const f = new Framed(stream)
    if (peer.inbound >= this.maxStreamsPerPeer) {
      await this.refuse(
        f,
        new ReplicationError('busy', `at most ${this.maxStreamsPerPeer} concurrent sync streams per peer`)
      )
      return
    }
    peer.inbound++
    try {
      await serve(this.host, f, {
        bucket: peer.bucket,
        reconcile: stream.protocol === SYNC_PROTOCOL_RECONCILE,
        onHeads: (heads) => {
          this.heard(peer, heads)
          // Periodic timers are independent: if the peer has what we lack, pull now rather than wait for ours.
          if (peer.running === undefined && diffHeads(this.ourHeads(), heads).some((a) => a.weLack > 0)) {
            peer.wantFull = true
            this.kickSoon(peer)
          }
        }
      }, signal)
      this.stats.syncSessionsServed++
      await stream.close({ signal })
    } catch (err) {
      await this.refuse(f, err)
    } finally {
      peer.inbound--
    }
  }

  /** Tells the peer why (one ERROR message), then ends the stream; never throws. */
  private async refuse (f: Framed, err: unknown): Promise<void> {
    const code = err instanceof ReplicationError && err.code !== 'bad_config' ? err.code : 'internal'
    bump(this.stats.syncServeErrors, code)
    this.log('sync stream refused: %s %s', code, (err as Error)?.message)
    try {
      const signal = AbortSignal.timeout(2000)
      await f.send({ type: 'error', code, message: (err as Error)?.message ?? code }, signal)
      await f.stream.close({ signal })
    } catch {
      f.stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  // ---- diagnostics -----------------------------------------------------------

  private ourHeads (): Map<string, WireHead> {
    const out = new Map<string, WireHead>()
    for (const h of this.store.heads()) {
      const key = hex(h.author)
      const w: WireHead = { author: h.author, seq: h.seq, hash: h.seq === 0 ? new Uint8Array(0) : h.hash }
      if (h.forkedAt !== undefined) w.forkedAt = h.forkedAt
      const t = this.headTimes.get(key)
      if (t !== undefined) w.timestamp = t
      out.set(key, w)
    }
    return out
  }

  counters (): ReplicationCounters {
    const c = structuredClone(this.stats)
    c.announceDropped = this.announcer.dropped
    return c
  }

  info (): ReplicationInfo {
    const ours = this.ourHeads()
    const peers: PeerSyncInfo[] = []
    for (const [key, p] of this.peers) {
      if (!this.connected(p.id)) continue
      const info = peerSync(ours, key, p.heads, {
        syncing: p.running !== undefined,
        pendingPulls: p.pulls.size,
        inboundStreams: p.inbound
      })
      if (p.headsAt !== undefined) info.headsReceivedAtMs = p.headsAt
      if (p.lastSyncAt !== undefined) info.lastSyncAtMs = p.lastSyncAt
      if (p.lastSyncError !== undefined) info.lastSyncError = p.lastSyncError
      peers.push(info)
    }
    const departed = this.departed.list().map((d) => {
      const info = peerSync(ours, d.peerId, d.heads, { syncing: false, pendingPulls: 0, inboundStreams: 0 })
      info.headsReceivedAtMs = d.headsAt
      info.disconnectedAtMs = d.disconnectedAt
      if (d.lastSyncAt !== undefined) info.lastSyncAtMs = d.lastSyncAt
      if (d.lastSyncError !== undefined) info.lastSyncError = d.lastSyncError
      return info
    })
    return {
      topic: this.topic,
      protocol: SYNC_PROTOCOL,
      peers,
      departed,
      counters: this.counters(),
      announceQueue: this.announcer.size
    }
  }

  async syncNow (peerId?: PeerId): Promise<SyncResult[]> {
    let targets: PeerState[]
    if (peerId !== undefined) {
      if (!this.connected(peerId)) throw new ReplicationError('not_connected', `not connected to ${peerId.toString()}`)
      targets = [this.peerState(peerId)]
    } else {
      targets = [...this.peers.values()].filter((p) => this.connected(p.id))
    }
    return await Promise.all(targets.map(async (p) => {
      const before = p.entriesIn
      p.wantFull = true
      // A session already running will pick up wantFull in its loop; wait for it either way.
      await this.kick(p)
      const r: SyncResult = {
        peerId: p.id.toString(),
        ok: p.lastSyncError === undefined,
        entriesIn: p.entriesIn - before
      }
      if (p.lastSyncError !== undefined) r.error = p.lastSyncError
      return r
    }))
  }
}

/** One neighbour's heads against ours, as the diagnostics show them. */
function peerSync (
  ours: Map<string, WireHead>,
  peerId: string,
  heads: WireHead[] | undefined,
  state: Pick<PeerSyncInfo, 'syncing' | 'pendingPulls' | 'inboundStreams'>
): PeerSyncInfo {
  const authors = heads === undefined ? [] : diffHeads(ours, heads)
  return {
    peerId,
    heads: (heads ?? []).map((h) => {
      const o: PeerSyncInfo['heads'][number] = { author: hex(h.author), seq: h.seq, hash: hex(h.hash) }
      if (h.forkedAt !== undefined) o.forkedAt = h.forkedAt
      if (h.timestamp !== undefined) o.timestamp = h.timestamp
      return o
    }),
    authors,
    weLack: authors.reduce((n, a) => n + a.weLack, 0),
    theyLack: authors.reduce((n, a) => n + a.theyLack, 0),
    ...state
  }
}

export function replication (init: ReplicationInit): (components: ReplicationComponents) => Replication {
  return (components) => new ReplicationService(components, init)
}
