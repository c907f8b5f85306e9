import { TokenBucket, type TokenBucketInit } from './token-bucket.js'

export interface BucketTableInit extends TokenBucketInit {
  /**
   * Most keys remembered; the least recently used is forgotten first (it merely gets a fresh bucket).
   *
   * @default none (required)
   */
  maxKeys: number
}

/** A token bucket per key (peer, IP address), all alike, in a table of bounded size. */
export class BucketTable {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor (private readonly init: BucketTableInit) {}

  /** The bucket of `key`: a full one for a key not seen (or forgotten). */
  get (key: string): TokenBucket {
    let b = this.buckets.get(key)
    if (b === undefined) {
      if (this.buckets.size >= this.init.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string)
      b = new TokenBucket(this.init)
    } else this.buckets.delete(key) // re-inserted below: most recently used last
    this.buckets.set(key, b)
    return b
  }

  get size (): number {
    return this.buckets.size
  }
}
