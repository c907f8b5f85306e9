import type { PeerId, PeerStore } from '@libp2p/interface'

export type PeerSource = 'mdns' | 'dht' | 'bootstrap' | 'inbound' | 'gossip'
export const PEER_SOURCES: readonly PeerSource[] = ['mdns', 'dht', 'bootstrap', 'inbound', 'gossip']
/** Sources where this box did the finding (an `inbound` first claim gives way to them). */
const FOUND_BY_US = new Set<PeerSource>(['mdns', 'dht'])

/** Peer store metadata keys: persisted with the peer, so `kiez peers` survives restarts. */
export const SOURCE_KEY = 'kiez/source'
export const LAST_SEEN_KEY = 'kiez/last-seen'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function decodeSource (bytes: Uint8Array | undefined): PeerSource | undefined {
  if (bytes == null || bytes.byteLength > 16) return undefined
  const s = decoder.decode(bytes)
  return (PEER_SOURCES as readonly string[]).includes(s) ? s as PeerSource : undefined
}

export function decodeTime (bytes: Uint8Array | undefined): number | undefined {
  if (bytes == null || bytes.byteLength > 20) return undefined
  const n = Number(decoder.decode(bytes))
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

export interface PeerSourcesComponents {
  peerStore: PeerStore
}

export interface PeerSourcesInit {
  /** bounds the in-memory map; the peer store holds the rest */
  maxCached?: number
  onError?(err: unknown): void
}

/**
 * Remembers how each peer was FIRST found. Events arrive from several
 * places in the same tick (a discovery module's 'peer', then the peer store
 * update it causes), so the first claim is decided synchronously in memory
 * and only then written to the peer store.
 */
export class PeerSources {
  private readonly cache = new Map<string, PeerSource>()
  private readonly maxCached: number

  constructor (private readonly components: PeerSourcesComponents, private readonly init: PeerSourcesInit = {}) {
    this.maxCached = init.maxCached ?? 1024
  }

  /** Loads persisted sources so a restart keeps them (and they keep winning). */
  async load (): Promise<void> {
    for (const peer of await this.components.peerStore.all()) {
      const source = decodeSource(peer.metadata.get(SOURCE_KEY))
      if (source != null) this.remember(peer.id.toString(), source)
    }
  }

  get (peerId: PeerId | string): PeerSource | undefined {
    return this.cache.get(peerId.toString())
  }

  /**
   * Records `source` unless the peer already has one; returns the source that stands.
   * One exception: `inbound` means "it found us", so when our own mDNS or DHT
   * finds that peer later, that answers "how did I find it" better and wins.
   */
  note (peerId: PeerId, source: PeerSource): PeerSource {
    const key = peerId.toString()
    const existing = this.cache.get(key)
    const upgrade = existing === 'inbound' && FOUND_BY_US.has(source)
    if (existing != null && !upgrade) return existing
    this.remember(key, source)
    void this.persist(peerId, source, upgrade)
    return source
  }

  private remember (key: string, source: PeerSource): void {
    if (this.cache.size >= this.maxCached && !this.cache.has(key)) {
      this.cache.delete(this.cache.keys().next().value as string)
    }
    this.cache.set(key, source)
  }

  private async persist (peerId: PeerId, source: PeerSource, upgrade: boolean): Promise<void> {
    try {
      // a peer evicted from the cache may already have a stored source: keep it (unless we upgrade an inbound one)
      const stored = await this.components.peerStore.get(peerId).then(p => decodeSource(p.metadata.get(SOURCE_KEY)), () => undefined)
      if (stored != null && !(upgrade && stored === 'inbound')) {
        this.remember(peerId.toString(), stored)
        return
      }
      await this.components.peerStore.merge(peerId, { metadata: { [SOURCE_KEY]: encoder.encode(source) } })
    } catch (err) {
      this.init.onError?.(err)
    }
  }

  /** Stamps "last seen" so diagnostics can say how long ago a known peer was around. */
  async touch (peerId: PeerId, now = Date.now()): Promise<void> {
    try {
      await this.components.peerStore.merge(peerId, { metadata: { [LAST_SEEN_KEY]: encoder.encode(String(now)) } })
    } catch (err) {
      this.init.onError?.(err)
    }
  }
}
