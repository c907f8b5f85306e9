import type { PeerId, PeerStore } from '@libp2p/interface'

export type PeerSource = 'mdns' | 'dht' | 'bootstrap' | 'inbound' | 'gossip'
export const PEER_SOURCES: readonly PeerSource[] = ['mdns', 'dht', 'bootstrap', 'inbound', 'gossip']

/**
 * Which finding answers "how did I find it" best, first wins (docs/CLI.md,
 * "found by"). mDNS first: a neighbour on the box's own link says so even when
 * the DHT or its own dial got there first, because "my own network sees it" is
 * what a person debugging the LAN needs. `inbound` is last: it says only that
 * the peer found us.
 */
export const SOURCE_PRECEDENCE: readonly PeerSource[] = ['mdns', 'bootstrap', 'dht', 'gossip', 'inbound']
const RANK = new Map(SOURCE_PRECEDENCE.map((s, i) => [s, i]))

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

/** The better of two sources by {@link SOURCE_PRECEDENCE}. */
export function betterSource (a: PeerSource, b: PeerSource): PeerSource {
  return (RANK.get(a) ?? 99) <= (RANK.get(b) ?? 99) ? a : b
}

export interface PeerSourcesComponents {
  /** only what it uses: read all at start, read one, merge metadata */
  peerStore: Pick<PeerStore, 'all' | 'get' | 'merge'>
}

export interface PeerSourcesInit {
  /**
   * Peers held in memory; the peer store holds the rest.
   *
   * @default 1024
   */
  maxCached?: number
  /**
   * How long an mDNS finding stays true without being heard again, in ms.
   * `@kiez/discovery` re-announces a live peer every 10 s and forgets it after
   * 120 s, so a neighbour that left the link stops saying `mdns` then.
   *
   * @default 120000
   */
  mdnsTrueForMs?: number
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
  /**
   * Told when the peer store refuses a write (a finding or a last-seen stamp).
   *
   * @default none (errors are dropped)
   */
  onError?(err: unknown): void
}

/** What is known of one peer: each finding with when it was last made, and a connection's fallback claim. */
interface Findings {
  /** source → ms timestamp it was last noted */
  found: Map<PeerSource, number>
  /** what a connection said when nothing had found the peer: `inbound`, or `bootstrap` for a dial by address */
  fallback?: PeerSource
  /** the source last written to the peer store */
  persisted?: PeerSource
}

/**
 * Remembers how each peer was found and answers with the best finding that
 * is still true ({@link SOURCE_PRECEDENCE}). Events arrive from several places
 * in the same tick (a discovery module's 'peer', then the peer store update
 * it causes), so the answer is decided synchronously in memory and only then
 * written to the peer store, and only when it changes (mDNS re-announces a
 * live peer every few seconds).
 */
export class PeerSources {
  private readonly cache = new Map<string, Findings>()
  private readonly maxCached: number
  private readonly mdnsTrueForMs: number
  private readonly now: () => number

  constructor (private readonly components: PeerSourcesComponents, private readonly init: PeerSourcesInit = {}) {
    this.maxCached = init.maxCached ?? 1024
    this.mdnsTrueForMs = init.mdnsTrueForMs ?? 120_000
    this.now = init.now ?? (() => Date.now())
  }

  /** Loads persisted sources so a restart keeps them until something better is found. */
  async load (): Promise<void> {
    for (const peer of await this.components.peerStore.all()) {
      const source = decodeSource(peer.metadata.get(SOURCE_KEY))
      if (source == null) continue
      const f = this.findings(peer.id.toString())
      this.absorbStored(f, source)
      f.persisted = source
    }
  }

  get (peerId: PeerId | string): PeerSource | undefined {
    const f = this.cache.get(peerId.toString())
    return f === undefined ? undefined : this.answer(f)
  }

  /**
   * Records that `source` found the peer (a discovery event, the DHT, gossip);
   * returns the source that now stands. `inbound` is never a finding: it goes
   * through {@link noteConnection}.
   */
  note (peerId: PeerId, source: PeerSource): PeerSource {
    if (source === 'inbound') return this.noteConnection(peerId, 'inbound')
    const f = this.findings(peerId.toString())
    f.found.set(source, this.now())
    return this.settle(peerId, f)
  }

  /**
   * A connection opened. When nothing found the peer, say what the connection
   * tells: it called us (`inbound`), or we dialed its address on purpose (an
   * operator's `kiez ping /ip4/…`, the trust class of `bootstrap`). Any real
   * finding replaces this claim.
   */
  noteConnection (peerId: PeerId, direction: 'inbound' | 'outbound'): PeerSource {
    const f = this.findings(peerId.toString())
    f.fallback ??= direction === 'inbound' ? 'inbound' : 'bootstrap'
    return this.settle(peerId, f)
  }

  private answer (f: Findings): PeerSource | undefined {
    const now = this.now()
    let best: PeerSource | undefined
    let stale: PeerSource | undefined
    for (const [source, at] of f.found) {
      const stillTrue = source !== 'mdns' || now - at <= this.mdnsTrueForMs
      if (stillTrue) best = best === undefined ? source : betterSource(best, source)
      else stale = stale === undefined ? source : betterSource(stale, source)
    }
    // a finding no longer true still beats knowing nothing (mDNS last heard long ago)
    return best ?? stale ?? f.fallback
  }

  private findings (key: string): Findings {
    let f = this.cache.get(key)
    if (f === undefined) {
      if (this.cache.size >= this.maxCached) this.cache.delete(this.cache.keys().next().value as string)
      f = { found: new Map() }
      this.cache.set(key, f)
    }
    return f
  }

  /** A source read back from the peer store: `inbound` stays a fallback, the rest count as findings made long ago. */
  private absorbStored (f: Findings, source: PeerSource): void {
    if (source === 'inbound') f.fallback ??= 'inbound'
    else if (!f.found.has(source)) f.found.set(source, source === 'mdns' ? this.now() : 0)
  }

  private settle (peerId: PeerId, f: Findings): PeerSource {
    const source = this.answer(f) as PeerSource
    if (source !== f.persisted) void this.persist(peerId, f)
    return source
  }

  private async persist (peerId: PeerId, f: Findings): Promise<void> {
    try {
      // a peer new to the cache (or evicted from it) may have a stored source that still counts
      if (f.persisted === undefined) {
        const stored = await this.components.peerStore.get(peerId).then(
          p => decodeSource(p.metadata.get(SOURCE_KEY)),
          () => undefined
        )
        if (stored != null) this.absorbStored(f, stored)
      }
      const source = this.answer(f)
      if (source === undefined || source === f.persisted) return
      f.persisted = source
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
