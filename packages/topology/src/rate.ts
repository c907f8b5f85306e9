/** Requests per peer: a token bucket per remote peer, the table bounded (oldest dropped). */
export class PeerRateLimit {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  constructor (
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxPeers = 1024,
    private readonly now: () => number = Date.now
  ) {}

  /** true if `peer` may make a request now (and counts it) */
  take (peer: string): boolean {
    const t = this.now()
    let b = this.buckets.get(peer)
    if (b === undefined) {
      if (this.buckets.size >= this.maxPeers) this.buckets.delete(this.buckets.keys().next().value as string)
      b = { tokens: this.burst, at: t }
    } else this.buckets.delete(peer) // re-inserted: most recently used last
    this.buckets.set(peer, b)
    b.tokens = Math.min(this.burst, b.tokens + (t - b.at) * this.perSecond / 1000)
    b.at = t
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }
}
