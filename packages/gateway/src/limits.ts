/**
 * Per-key token buckets with a bounded key table (the least recently used
 * key is forgotten first), for per-IP rate limits.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()

  constructor (private readonly init: { capacity: number, refillPerSec: number, maxKeys?: number, now?: () => number }) {}

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take (key: string): number {
    const now = (this.init.now ?? Date.now)()
    const b = this.buckets.get(key) ?? { tokens: this.init.capacity, at: now }
    b.tokens = Math.min(this.init.capacity, b.tokens + (now - b.at) / 1000 * this.init.refillPerSec)
    b.at = now
    this.buckets.delete(key)
    if (this.buckets.size >= (this.init.maxKeys ?? 4096)) this.buckets.delete(this.buckets.keys().next().value as string)
    this.buckets.set(key, b)
    if (b.tokens >= 1) { b.tokens -= 1; return 0 }
    return Math.ceil((1 - b.tokens) / this.init.refillPerSec)
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

  constructor (private readonly init: { perKey: number, total: number, windowMs: number, maxKeys?: number, now?: () => number }) {}

  private prune (list: number[], now: number): number[] { return list.filter((t) => now - t < this.init.windowMs) }

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
