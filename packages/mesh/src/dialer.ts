import { KeyedLimiter } from './limiter.js'
import type { AbortOptions, Connection, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The part of libp2p the dialers need (narrow, so tests can pass a fake). */
export interface DialHost {
  dial(peer: PeerId | Multiaddr | Multiaddr[], options?: AbortOptions): Promise<Connection>
  getConnections(peerId?: PeerId): Connection[]
}

export interface DiscoveryDialerInit {
  /**
   * Dials of discovered peers running at once.
   *
   * @default none (required; the node uses LIMITS.discoveryDial, 4)
   */
  concurrency: number
  /**
   * Discovered peers waiting for a dial; beyond it a discovery is dropped.
   *
   * @default none (required; the node uses LIMITS.discoveryDial, 64)
   */
  maxQueued: number
  /**
   * Do not redial a discovered peer sooner than this (milliseconds) after an attempt.
   *
   * @default none (required; the node uses LIMITS.discoveryDial, 10000)
   */
  minRetryMs: number
  /**
   * Stop dialing discovered peers once this many connections are open.
   *
   * @default none (required; the node uses half of LIMITS.connectionManager.maxConnections, 32)
   */
  maxConnections: number
  /**
   * Deadline of one dial, in milliseconds.
   *
   * @default 10000
   */
  dialTimeoutMs?: number
  /**
   * Told of each failed dial (not of those cut short by stop()).
   *
   * @default none (failures are dropped)
   */
  onError?(peerId: PeerId, err: unknown): void
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?(): number
}

/**
 * libp2p 3 does not dial what discovery finds; a neighbourhood mesh wants
 * every neighbour it hears of connected. Each discovery is deduplicated per
 * peer, rate limited per peer (minRetryMs) and capped globally.
 */
export class DiscoveryDialer {
  private readonly limiter: KeyedLimiter
  private readonly lastAttempt = new Map<string, number>()
  private controller = new AbortController()
  /**
   * Open once the node has started. A dial made while libp2p starts its services lets the
   * neighbour identify us before they have registered their protocols, and libp2p tells a
   * topology of a peer only on identify: the neighbour would never sync with us.
   */
  private open = Promise.resolve()
  private opens: (() => void) | undefined

  constructor (private readonly host: DialHost, private readonly init: DiscoveryDialerInit) {
    this.limiter = new KeyedLimiter(init.concurrency, init.maxQueued)
  }

  /** Returns true when a dial was queued. */
  discovered (peer: PeerInfo): boolean {
    if (this.controller.signal.aborted) return false
    if (this.host.getConnections(peer.id).length > 0) return false
    if (this.host.getConnections().length >= this.init.maxConnections) return false
    const key = peer.id.toString()
    const now = this.init.now?.() ?? Date.now()
    const last = this.lastAttempt.get(key)
    if (last != null && now - last < this.init.minRetryMs) return false
    return this.limiter.add(key, async () => {
      this.remember(key, this.init.now?.() ?? Date.now())
      await this.open
      if (this.controller.signal.aborted) return
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.init.dialTimeoutMs ?? 10_000)])
      try {
        // dial by peer id: libp2p picks from every address it knows, not only the discovered ones
        await this.host.dial(peer.id, { signal })
      } catch (err) {
        if (!this.controller.signal.aborted) this.init.onError?.(peer.id, err)
      }
    })
  }

  /** Idempotent; a stopped dialer can be started again (node restart). Dials wait for afterStart. */
  start (): void {
    if (this.controller.signal.aborted) this.controller = new AbortController()
    if (this.opens !== undefined) return
    this.open = new Promise((resolve) => {
      this.opens = resolve
    })
  }

  /** libp2p calls this once every service has started (and registered its protocols). */
  afterStart (): void {
    this.opens?.()
    this.opens = undefined
  }

  stop (): void {
    this.controller.abort()
    this.limiter.clear()
    this.afterStart() // queued dials see the abort and end
  }

  private remember (key: string, at: number): void {
    // bounded: forget the oldest attempts first
    if (this.lastAttempt.size >= 4 * this.init.maxQueued) {
      this.lastAttempt.delete(this.lastAttempt.keys().next().value as string)
    }
    this.lastAttempt.delete(key)
    this.lastAttempt.set(key, at)
  }
}
