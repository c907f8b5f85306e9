import type { PeerId } from '@libp2p/interface'

/**
 * Peers that turned out not to be boxes of our mesh. mDNS answers on the
 * shared `_p2p._udp.local` service (so plain libp2p nodes interoperate), so
 * we also discover IPFS desktops and boxes of other meshes; identify tells us
 * what they speak, and those without our mesh's DHT protocol are remembered
 * here for a while so we neither keep them connected nor keep re-dialing them.
 * Peers that replication hung up on for flooding invalid gossip join them.
 */
export class ForeignPeers {
  private readonly until = new Map<string, number>()

  constructor (
    private readonly max = 1024,
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now
  ) {}

  add (peerId: PeerId | string): void {
    const key = peerId.toString()
    this.until.delete(key)
    if (this.until.size >= this.max) this.until.delete(this.until.keys().next().value as string)
    this.until.set(key, this.now() + this.ttlMs)
  }

  has (peerId: PeerId | string): boolean {
    const key = peerId.toString()
    const t = this.until.get(key)
    if (t === undefined) return false
    if (t > this.now()) return true
    this.until.delete(key)
    return false
  }

  get size (): number {
    return this.until.size
  }
}
