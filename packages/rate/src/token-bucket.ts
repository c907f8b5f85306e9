export interface TokenBucketInit {
  /**
   * Tokens added per second (events, bytes: whatever one token stands for).
   *
   * @default none (required)
   */
  ratePerSecond: number
  /**
   * Most tokens held, and what a fresh bucket starts with (the burst).
   *
   * @default none (required)
   */
  capacity: number
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
}

/**
 * Classic token bucket: `ratePerSecond` sustained, `capacity` at once. It
 * never waits itself: a caller either drops what finds no token (tryTake) or
 * waits delayFor() and tries again.
 */
export class TokenBucket {
  private tokens: number
  private last: number
  private readonly rate: number
  readonly capacity: number
  private readonly now: () => number

  constructor (init: TokenBucketInit) {
    this.rate = init.ratePerSecond
    this.capacity = init.capacity
    this.now = init.now ?? Date.now
    this.tokens = init.capacity
    this.last = this.now()
  }

  private refill (): void {
    const t = this.now()
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.rate / 1000)
    this.last = t
  }

  /** Takes `n` tokens if they are there now; otherwise takes nothing and answers false. */
  tryTake (n = 1): boolean {
    this.refill()
    if (this.tokens < n) return false
    this.tokens -= n
    return true
  }

  /** Whole tokens there now (nothing taken). */
  available (): number {
    this.refill()
    return Math.floor(this.tokens)
  }

  /** Milliseconds until `n` tokens (at most the capacity) are there; 0 = now. */
  delayFor (n: number): number {
    this.refill()
    const need = Math.min(n, this.capacity) - this.tokens
    return need <= 0 ? 0 : Math.ceil(need * 1000 / this.rate)
  }
}
