import { ReplicationError } from './errors.js'

export interface TokenBucketInit {
  /** tokens (bytes) added per second */
  ratePerSecond: number
  /** most tokens held; a single take may not exceed it */
  capacity: number
  now?: () => number
}

/** Paces what we serve one peer: a take waits until enough tokens have accrued. */
export class TokenBucket {
  private tokens: number
  private last: number
  private readonly rate: number
  private readonly capacity: number
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

  /** Milliseconds until `n` tokens are available (0 = now). */
  delayFor (n: number): number {
    this.refill()
    const need = Math.min(n, this.capacity) - this.tokens
    return need <= 0 ? 0 : Math.ceil(need * 1000 / this.rate)
  }

  async take (n: number, signal?: AbortSignal): Promise<void> {
    for (let wait = this.delayFor(n); wait > 0; wait = this.delayFor(n)) {
      await sleep(wait, signal)
    }
    this.tokens -= Math.min(n, this.capacity)
  }
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) { reject(new ReplicationError('timeout', 'aborted while pacing')); return }
    const onAbort = (): void => { clearTimeout(t); reject(new ReplicationError('timeout', 'aborted while pacing')) }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
