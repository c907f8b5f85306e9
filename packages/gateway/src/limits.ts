import { BucketTable } from '@kiez/rate'

/**
 * Per-key token buckets with a bounded key table (the least recently used
 * key is forgotten first), for per-IP rate limits.
 */
export class RateLimiter {
  private readonly buckets: BucketTable

  constructor (init: { capacity: number, refillPerSec: number, maxKeys?: number, now?: () => number }) {
    this.buckets = new BucketTable({
      ratePerSecond: init.refillPerSec,
      capacity: init.capacity,
      maxKeys: init.maxKeys ?? 4096,
      now: init.now
    })
  }

  /** Takes one token; returns 0 when allowed, else the seconds until one is available (for Retry-After). */
  take (key: string): number {
    const b = this.buckets.get(key)
    return b.tryTake() ? 0 : Math.ceil(b.delayFor(1) / 1000)
  }
}

/**
 * Failures counted in a sliding window, per key and in total: after
 * `perKey` failures a key is locked out, after `total` everyone is, until
 * the window passes. Bounds guessing of pairing codes.
 */
export class FailureWindow {
  private readonly perKey = new Map<string, number[]>()
  private total: number[] = []

  constructor (
    private readonly init: { perKey: number, total: number, windowMs: number, maxKeys?: number, now?: () => number }
  ) {}

  private prune (list: number[], now: number): number[] {
    return list.filter((t) => now - t < this.init.windowMs)
  }

  /** Seconds until `key` may try again, or 0 when it may now. */
  lockedFor (key: string): number {
    const now = (this.init.now ?? Date.now)()
    this.total = this.prune(this.total, now)
    const mine = this.prune(this.perKey.get(key) ?? [], now)
    const wait = (list: number[]): number => Math.ceil(((list[0] ?? now) + this.init.windowMs - now) / 1000)
    if (mine.length >= this.init.perKey) return wait(mine)
    if (this.total.length >= this.init.total) return wait(this.total)
    return 0
  }

  fail (key: string): void {
    const now = (this.init.now ?? Date.now)()
    const mine = this.prune(this.perKey.get(key) ?? [], now)
    mine.push(now)
    this.perKey.delete(key)
    if (this.perKey.size >= (this.init.maxKeys ?? 4096)) this.perKey.delete(this.perKey.keys().next().value as string)
    this.perKey.set(key, mine)
    this.total.push(now)
  }
}
