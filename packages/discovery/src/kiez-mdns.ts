import { randomBytes } from 'node:crypto'
import { peerDiscoverySymbol, serviceCapabilities } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { TokenBucket } from '@kiez/rate'
import { addrsForLink, onLink } from './addresses.js'
import { InvalidMdnsInitError } from './errors.js'
import { LinkSocket } from './link-socket.js'
import { linkKey, listLinks } from './links.js'
import { PeerTable } from './peer-table.js'
import { DEFAULT_SERVICE_TAG, buildQuery, buildResponse, parseResponse, queryConcernsUs } from './records.js'
import type { LinkInfo } from './links.js'
import type { FoundOn } from './peer-table.js'
import type { Announcement, ParseLimits } from './records.js'
import type {
  KiezMdns,
  KiezMdnsComponents,
  KiezMdnsCounters,
  KiezMdnsEvents,
  KiezMdnsInfo,
  KiezMdnsInit
} from './types.js'
import type { Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Packet } from 'dns-packet'
import type { RemoteInfo } from 'node:dgram'

const MIN_ANSWER_GAP_MS = 1000 // RFC 6762 6: don't multicast the same record more than once a second
const SOCKET_RETRY_MS = 10_000
const MAX_TRACKED_SOURCES = 256

export class KiezMulticastDns extends TypedEventEmitter<KiezMdnsEvents> implements KiezMdns {
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = '@kiez/discovery'
  readonly [serviceCapabilities]: string[] = ['@libp2p/peer-discovery']

  private readonly log: Logger
  private readonly instance: string
  private readonly serviceTag: string
  private readonly queryIntervalMs: number
  private readonly pollMs: number
  private readonly reemitMs: number
  private readonly peerTtlMs: number
  private readonly limits: ParseLimits
  private readonly table: PeerTable
  private readonly events: TokenBucket
  private readonly sourceEvents = new Map<string, TokenBucket>()
  /** unicast replies go wherever the (spoofable) source says: bound them so we can't be used as a reflector */
  private readonly unicastReplies = new TokenBucket({ ratePerSecond: 5, capacity: 10 })
  private readonly sockets = new Map<string, LinkSocket>()
  private readonly retryAfter = new Map<string, number>()
  private readonly lastAnswer = new Map<string, number>()
  private readonly pendingAnswer = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly counters: KiezMdnsCounters = {
    queriesSent: 0,
    queriesAnswered: 0,
    responsesReceived: 0,
    malformedPackets: 0,
    oversizedPackets: 0,
    selfIgnored: 0,
    offSubnetAddrsDropped: 0,
    peersEmitted: 0,
    eventsRateLimited: 0,
    socketFailures: 0
  }

  private pollTimer?: ReturnType<typeof setInterval>
  private queryTimer?: ReturnType<typeof setInterval>
  private started = false

  constructor (private readonly components: KiezMdnsComponents, private readonly init: KiezMdnsInit = {}) {
    super()
    this.log = components.logger.forComponent('kiez:discovery:mdns')
    this.instance = init.peerName ?? randomBytes(16).toString('hex')
    if (this.instance.length === 0 || this.instance.length > 63 || this.instance.includes('.')) {
      throw new InvalidMdnsInitError('peerName must be a single DNS label of 1..63 characters')
    }
    this.serviceTag = init.serviceTag ?? DEFAULT_SERVICE_TAG
    this.queryIntervalMs = positive('queryIntervalMs', init.queryIntervalMs ?? 10_000)
    this.pollMs = positive('interfacePollMs', init.interfacePollMs ?? 2_000)
    this.reemitMs = init.reemitMs ?? this.queryIntervalMs
    this.peerTtlMs = positive('peerTtlMs', init.peerTtlMs ?? 120_000)
    this.limits = {
      maxRecordsPerPacket: positive('maxRecordsPerPacket', init.maxRecordsPerPacket ?? 64),
      maxPeersPerPacket: positive('maxPeersPerPacket', init.maxPeersPerPacket ?? 4),
      maxAddrsPerPeer: positive('maxAddrsPerPeer', init.maxAddrsPerPeer ?? 16)
    }
    this.table = new PeerTable(positive('maxPeers', init.maxPeers ?? 256))
    this.events = new TokenBucket({
      ratePerSecond: positive('maxEventsPerSecond', init.maxEventsPerSecond ?? 10),
      capacity: positive('eventBurst', init.eventBurst ?? 20)
    })
    positive('maxEventsPerSourcePerSecond', init.maxEventsPerSourcePerSecond ?? 2)
    positive('eventBurstPerSource', init.eventBurstPerSource ?? 5)
  }

  isStarted (): boolean {
    return this.started
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.poll()
    this.pollTimer = setInterval(() => {
      this.poll()
    }, this.pollMs)
    this.queryTimer = setInterval(() => {
      this.queryAll()
    }, this.queryIntervalMs)
    this.pollTimer.unref?.()
    this.queryTimer.unref?.()
    this.components.events?.addEventListener('self:peer:update', this.onSelfUpdate)
  }

  private readonly onSelfUpdate = (): void => {
    for (const [key, s] of this.sockets) if (s.ready) this.answerSoon(key, s)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.components.events?.removeEventListener('self:peer:update', this.onSelfUpdate)
    clearInterval(this.pollTimer)
    clearInterval(this.queryTimer)
    for (const t of this.pendingAnswer.values()) clearTimeout(t)
    this.pendingAnswer.clear()
    const closing = [...this.sockets.values()].map(async s => {
      await s.close()
    })
    this.sockets.clear()
    await Promise.all(closing)
  }

  foundOn (peerId: PeerId | string): FoundOn[] {
    const rec = this.table.get(peerId.toString())
    return rec == null
      ? []
      : [...rec.links.values()].map(f => ({ ...f, cidrs: [...f.cidrs], multiaddrs: [...f.multiaddrs] }))
  }

  info (): KiezMdnsInfo {
    const ours = this.ourAddrs()
    return {
      instance: this.instance,
      serviceTag: this.serviceTag,
      links: [...this.sockets.values()].map(s => ({
        interface: s.name,
        localAddress: s.link.ipv4,
        cidrs: s.link.cidrs.map(c => c.text),
        ready: s.ready,
        announcing: addrsForLink(ours, s.link, this.components.peerId.toString()).map(m => m.toString())
      })),
      peers: [...this.table.entries()].map(r => ({ peerId: r.peerId, foundOn: this.foundOn(r.peerId) })),
      counters: { ...this.counters }
    }
  }

  /** Diff the interface list against our sockets: open for new links, close for vanished ones. */
  private poll (): void {
    if (!this.started) return
    let links: LinkInfo[]
    try {
      links = listLinks(
        {
          includeLoopback: this.init.includeLoopback ?? false,
          interfaces: this.init.interfaces,
          ignoreInterfaces: this.init.ignoreInterfaces
        },
        this.init.networkInterfaces,
        this.init.canMulticast
      )
    } catch (err) {
      this.log.error('cannot list interfaces - %e', err)
      return
    }
    const now = Date.now()
    const wanted = new Map(links.map(l => [linkKey(l), l]))
    for (const [key, socket] of this.sockets) {
      const link = wanted.get(key)
      if (link == null) {
        this.log('link %s went away', key)
        this.closeSocket(key, socket)
        this.table.dropLink(socket.name)
      } else {
        socket.link = link // prefixes may change under a fixed address
      }
    }
    for (const [key, link] of wanted) {
      if (this.sockets.has(key) || (this.retryAfter.get(key) ?? 0) > now) continue
      this.openSocket(key, link)
    }
    this.table.expire(now, this.peerTtlMs)
  }

  private openSocket (key: string, link: LinkInfo): void {
    this.log('starting mdns on %s', key)
    const socket = new LinkSocket(link, {
      port: this.init.port ?? 5353,
      group: this.init.ip ?? '224.0.0.251',
      log: this.log,
      onQuery: (s, p, r) => {
        this.onQuery(s, p, r)
      },
      onResponse: (s, p, r) => {
        this.onResponse(s, p, r)
      },
      onFatal: (s, err) => {
        this.counters.socketFailures++
        this.log.error('mdns socket on %s failed, retrying later - %e', key, err)
        this.retryAfter.set(key, Date.now() + SOCKET_RETRY_MS)
        if (this.sockets.get(key) === s) this.closeSocket(key, s)
      }
    })
    this.sockets.set(key, socket)
    socket.whenReady().then(() => {
      if (this.sockets.get(key) !== socket) return
      // a new link: ask who is there, and tell them we are
      this.query(socket)
      this.answer(socket)
    }, () => {})
  }

  private closeSocket (key: string, socket: LinkSocket): void {
    this.sockets.delete(key)
    const t = this.pendingAnswer.get(key)
    if (t != null) clearTimeout(t)
    this.pendingAnswer.delete(key)
    this.lastAnswer.delete(key)
    socket.close().catch(err => {
      this.log.error('closing %s - %e', key, err)
    })
  }

  private queryAll (): void {
    for (const s of this.sockets.values()) {
      if (s.ready) this.query(s)
    }
  }

  private query (socket: LinkSocket): void {
    this.counters.queriesSent++
    socket.query(buildQuery(this.serviceTag))
  }

  private onQuery (socket: LinkSocket, packet: Packet, from: RemoteInfo): void {
    if (this.init.broadcast === false || !queryConcernsUs(packet.questions, this.serviceTag, this.instance)) return
    const port = this.init.port ?? 5353
    if (from.port !== port) {
      // legacy one-shot querier: it only listens on its own port, so answer there
      if (this.unicastReplies.tryTake()) this.answer(socket, from, packet.id)
      return
    }
    this.answerSoon(linkKey(socket.link), socket)
  }

  /** Answer now, or — if we answered on this link under a second ago — once, when the second is up. */
  private answerSoon (key: string, socket: LinkSocket): void {
    const wait = (this.lastAnswer.get(key) ?? 0) + MIN_ANSWER_GAP_MS - Date.now()
    if (wait <= 0) {
      this.answer(socket)
    } else if (!this.pendingAnswer.has(key)) {
      // one deferred answer covers every query in between
      this.pendingAnswer.set(
        key,
        setTimeout(() => {
          this.pendingAnswer.delete(key)
          if (this.sockets.get(key) === socket) this.answer(socket)
        }, wait)
      )
    }
  }

  /** Announce the addresses reachable on this link, and only those. */
  private answer (socket: LinkSocket, to?: RemoteInfo, id?: number): void {
    if (this.init.broadcast === false) return
    const addrs = addrsForLink(this.ourAddrs(), socket.link, this.components.peerId.toString())
    const packet = buildResponse(this.instance, this.serviceTag, addrs)
    if (packet == null) return
    if (to == null) this.lastAnswer.set(linkKey(socket.link), Date.now())
    else packet.id = id
    this.counters.queriesAnswered++
    socket.respond(packet, to)
  }

  private onResponse (socket: LinkSocket, packet: Packet, from: RemoteInfo): void {
    this.counters.responsesReceived++
    const parsed = parseResponse(packet, this.serviceTag, this.limits)
    if (!parsed.ok) {
      if (parsed.reason === 'too-many-records') this.counters.oversizedPackets++
      else this.counters.malformedPackets++
      return
    }
    for (const a of parsed.announcements) this.accept(socket, a, from)
  }

  private accept (socket: LinkSocket, a: Announcement, from: RemoteInfo): void {
    if (a.peerId === this.components.peerId.toString() || a.instance.toLowerCase() === this.instance.toLowerCase()) {
      this.counters.selfIgnored++
      return
    }
    let id: PeerId
    try {
      id = peerIdFromString(a.peerId)
    } catch {
      this.counters.malformedPackets++
      return
    }
    // anyone can announce anything: only addresses on the link it arrived on are plausible
    const multiaddrs = a.multiaddrs.filter(m => onLink(m, socket.link))
    this.counters.offSubnetAddrsDropped += a.multiaddrs.length - multiaddrs.length
    if (multiaddrs.length === 0) return

    const now = Date.now()
    const link = socket.link
    const seen = {
      interface: link.name,
      localAddress: link.ipv4,
      cidrs: link.cidrs.map(c => c.text),
      from: from.address
    }
    const rec = this.table.touch(a.peerId, { ...seen, multiaddrs }, now)
    const addrsKey = link.name + ' ' + multiaddrs.map(m => m.toString()).sort().join(' ')
    if (rec.lastEmittedAddrs === addrsKey && now - rec.lastEmittedMs < this.reemitMs) return
    if (!this.sourceBucket(from.address).tryTake() || !this.events.tryTake()) {
      this.counters.eventsRateLimited++
      return
    }
    rec.lastEmittedAddrs = addrsKey
    rec.lastEmittedMs = now
    this.counters.peersEmitted++
    this.log('discovered %p on %s', id, link.name)
    this.safeDispatchEvent('peer', { detail: { id, multiaddrs } })
    this.safeDispatchEvent('kiez:peer', { detail: { id, multiaddrs, ...seen } })
  }

  /** Per-source bucket, in a bounded map (oldest source forgotten first: it merely gets a fresh bucket). */
  private sourceBucket (source: string): TokenBucket {
    let b = this.sourceEvents.get(source)
    if (b != null) return b
    if (this.sourceEvents.size >= MAX_TRACKED_SOURCES) {
      const oldest = this.sourceEvents.keys().next().value
      if (oldest != null) this.sourceEvents.delete(oldest)
    }
    b = new TokenBucket({
      ratePerSecond: this.init.maxEventsPerSourcePerSecond ?? 2,
      capacity: this.init.eventBurstPerSource ?? 5
    })
    this.sourceEvents.set(source, b)
    return b
  }

  private ourAddrs (): Multiaddr[] {
    try {
      return this.components.addressManager.getAddresses()
    } catch (err) {
      this.log.error('cannot read our addresses - %e', err)
      return []
    }
  }
}

function positive (name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new InvalidMdnsInitError(`${name} must be a positive number`)
  return v
}
