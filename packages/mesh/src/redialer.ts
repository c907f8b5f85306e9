import { backoffDelay } from './backoff.js'
import { KeyedLimiter } from './limiter.js'
import type { DialHost } from './dialer.js'
import type { PeerId } from '@libp2p/interface'

export interface RedialerInit {
  /**
   * Redials running at once.
   *
   * @default none (required; the node uses LIMITS.redial, 4)
   */
  concurrency: number
  /**
   * Backoff before the first redial, in milliseconds; it doubles per attempt (equal jitter, see backoffDelay).
   *
   * @default none (required; the node uses LIMITS.redial, 1000)
   */
  baseMs: number
  /**
   * Longest backoff between two redials, in milliseconds.
   *
   * @default none (required; the node uses LIMITS.redial, 300000)
   */
  capMs: number
  /**
   * At most this many peers are waiting for a redial at once.
   *
   * @default none (required; the node uses LIMITS.redial, 256)
   */
  maxTracked: number
  /**
   * Deadline of one redial, in milliseconds.
   *
   * @default 10000
   */
  dialTimeoutMs?: number
  /**
   * Source of the backoff jitter, in [0, 1); injectable for tests.
   *
   * @default Math.random
   */
  random?: () => number
  /**
   * Told of each attempt: with `err` when it failed.
   *
   * @default none (nobody is told)
   */
  onAttempt?(peerId: PeerId, attempt: number, err?: unknown): void
}

interface Pending {
  peerId: PeerId
  attempt: number
  timer?: ReturnType<typeof setTimeout>
}

/**
 * Keeps known neighbours connected: after a restart and after every
 * disconnect (a link flap, a neighbour rebooting) it redials with capped,
 * jittered exponential backoff and never gives up while the node runs.
 * libp2p's own KEEP_ALIVE reconnect gives up after a few tries and then forgets
 * the peer, which is wrong for a neighbour that is merely off for the night.
 */
export class Redialer {
  private readonly pending = new Map<string, Pending>()
  private readonly limiter: KeyedLimiter
  private controller = new AbortController()
  private running = false

  constructor (private readonly host: DialHost, private readonly init: RedialerInit) {
    this.limiter = new KeyedLimiter(init.concurrency, init.maxTracked)
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.controller = new AbortController()
  }

  stop (): void {
    this.running = false
    this.controller.abort()
    for (const p of this.pending.values()) clearTimeout(p.timer)
    this.pending.clear()
    this.limiter.clear()
  }

  /** Peers currently waiting for a redial, for diagnostics. */
  waiting (): Array<{ peerId: string, attempt: number }> {
    return [...this.pending.values()].map(p => ({ peerId: p.peerId.toString(), attempt: p.attempt }))
  }

  /** A neighbour went away (or we just started and it is not connected yet). */
  lost (peerId: PeerId, initialDelayMs?: number): void {
    if (!this.running) return
    const key = peerId.toString()
    if (this.pending.has(key)) return
    if (this.pending.size >= this.init.maxTracked) return
    const p: Pending = { peerId, attempt: 0 }
    this.pending.set(key, p)
    this.schedule(p, initialDelayMs)
  }

  /** A neighbour is back, whoever dialed: stop trying. */
  connected (peerId: PeerId): void {
    const key = peerId.toString()
    const p = this.pending.get(key)
    if (p == null) return
    clearTimeout(p.timer)
    this.pending.delete(key)
  }

  private schedule (p: Pending, delayMs?: number): void {
    const delay = delayMs ?? backoffDelay(p.attempt, this.init.baseMs, this.init.capMs, this.init.random)
    p.timer = setTimeout(() => {
      this.due(p)
    }, delay)
    p.timer.unref?.()
  }

  private due (p: Pending): void {
    const key = p.peerId.toString()
    if (!this.running || this.pending.get(key) !== p) return
    const queued = this.limiter.add(key, async () => {
      await this.attempt(p)
    })
    if (!queued) this.schedule(p) // queue full: try again later instead of dropping the neighbour
  }

  private async attempt (p: Pending): Promise<void> {
    const key = p.peerId.toString()
    if (!this.running || this.pending.get(key) !== p) return
    if (this.host.getConnections(p.peerId).length > 0) {
      this.connected(p.peerId)
      return
    }
    try {
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.init.dialTimeoutMs ?? 10_000)])
      await this.host.dial(p.peerId, { signal })
      this.init.onAttempt?.(p.peerId, p.attempt)
      this.connected(p.peerId)
    } catch (err) {
      if (!this.running || this.pending.get(key) !== p) return
      this.init.onAttempt?.(p.peerId, p.attempt, err)
      p.attempt++
      this.schedule(p)
    }
  }
}
