import { BucketTable } from '@kiez/rate'

/** Requests per peer: a token bucket per remote peer, the table bounded (least recently used dropped). */
export class PeerRateLimit {
  private readonly buckets: BucketTable
  constructor (perSecond: number, burst: number, maxPeers = 1024, now: () => number = Date.now) {
    this.buckets = new BucketTable({ ratePerSecond: perSecond, capacity: burst, maxKeys: maxPeers, now })
  }

  /** true if `peer` may make a request now (and counts it) */
  take (peer: string): boolean {
    return this.buckets.get(peer).tryTake()
  }
}
