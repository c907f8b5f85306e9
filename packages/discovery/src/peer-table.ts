import type { Multiaddr } from '@multiformats/multiaddr'

/** Where (and when) one peer was heard: the diagnostics answer to "found by mdns on eth1". */
export interface FoundOn {
  /** interface name, e.g. "eth1" */
  interface: string
  /** our address on that interface */
  localAddress: string
  /** prefixes of that interface, e.g. ["198.19.250.1/24"] */
  cidrs: string[]
  /** source address of the last announcement */
  from: string
  multiaddrs: string[]
  firstSeenMs: number
  lastSeenMs: number
}

export interface PeerRecord {
  peerId: string
  /** keyed by interface name */
  links: Map<string, FoundOn>
  lastEmittedMs: number
  lastEmittedAddrs: string
}

/**
 * Peers heard recently, bounded: when full, the least recently heard peer is forgotten.
 * Real neighbours answer every query round, so a flood of fakes can evict them only
 * until their next answer — it can never grow memory.
 */
export class PeerTable {
  private readonly peers = new Map<string, PeerRecord>()

  constructor (private readonly maxPeers: number) {}

  get size (): number {
    return this.peers.size
  }

  get (peerId: string): PeerRecord | undefined {
    return this.peers.get(peerId)
  }

  /** Record a sighting; returns the record (re-inserted as most recent). */
  touch (
    peerId: string,
    seen: Omit<FoundOn, 'firstSeenMs' | 'lastSeenMs' | 'multiaddrs'> & { multiaddrs: Multiaddr[] },
    now: number
  ): PeerRecord {
    let rec = this.peers.get(peerId)
    if (rec != null) {
      this.peers.delete(peerId)
    } else {
      rec = { peerId, links: new Map(), lastEmittedMs: 0, lastEmittedAddrs: '' }
      while (this.peers.size >= this.maxPeers) {
        const oldest = this.peers.keys().next().value
        if (oldest == null) break
        this.peers.delete(oldest)
      }
    }
    this.peers.set(peerId, rec)
    const prev = rec.links.get(seen.interface)
    rec.links.set(seen.interface, {
      ...seen,
      multiaddrs: seen.multiaddrs.map(m => m.toString()),
      firstSeenMs: prev?.firstSeenMs ?? now,
      lastSeenMs: now
    })
    return rec
  }

  /** Forget sightings on a link that went away. */
  dropLink (name: string): void {
    for (const [id, rec] of this.peers) {
      rec.links.delete(name)
      if (rec.links.size === 0) this.peers.delete(id)
    }
  }

  /** Forget sightings older than `maxAgeMs`. */
  expire (now: number, maxAgeMs: number): void {
    for (const [id, rec] of this.peers) {
      for (const [name, f] of rec.links) {
        if (now - f.lastSeenMs > maxAgeMs) rec.links.delete(name)
      }
      if (rec.links.size === 0) this.peers.delete(id)
    }
  }

  entries (): IterableIterator<PeerRecord> {
    return this.peers.values()
  }
}
