/**
 * Per-peer bounds on gossip validation. gossipsub hands every message to the
 * validator as it arrives (it does not await one RPC before reading the
 * next) and looks at a sender's score through a 1 s cache, so a peer could
 * make us verify a whole burst of forgeries before it is graylisted (found by
 * the adversarial suite: 1 000 of 1 000). The guard keeps at most
 * `maxInFlight` validations per peer running and, once a peer has sent
 * `maxStrikes` invalid messages within `windowMs`, refuses the rest unseen.
 */
export interface GossipGuardInit {
  /**
   * Validations of one peer's messages running at once.
   *
   * @default none (required; the replication service uses 32)
   */
  maxInFlight: number
  /**
   * Messages waiting for a slot, per peer; beyond it they are dropped (sync recovers honest ones).
   *
   * @default none (required; the replication service uses 4096)
   */
  maxWaiting: number
  /**
   * Invalid messages from one peer, within `windowMs`, after which the rest are refused unseen.
   *
   * @default none (required; the replication service uses 16)
   */
  maxStrikes: number
  /**
   * Milliseconds after a peer's last strike at which its count starts again from zero.
   *
   * @default none (required; the replication service uses 60000)
   */
  windowMs: number
  /**
   * Peers remembered (the oldest idle one is forgotten first).
   *
   * @default none (required; the replication service uses 4096)
   */
  maxPeers: number
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
}

interface PeerGuard {
  inFlight: number
  waiting: Array<() => void>
  strikes: number
  lastStrikeAt: number
}

export class GossipGuard {
  private readonly peers = new Map<string, PeerGuard>()
  private readonly now: () => number

  constructor (private readonly init: GossipGuardInit) {
    this.now = init.now ?? Date.now
  }

  /** true while the peer is over its strike budget */
  refused (peer: string): boolean {
    const p = this.peers.get(peer)
    if (p === undefined || p.strikes < this.init.maxStrikes) return false
    if (this.now() - p.lastStrikeAt > this.init.windowMs) {
      p.strikes = 0
      return false
    }
    return true
  }

  /** Counts an invalid message; true when this one used up the peer's budget. */
  strike (peer: string): boolean {
    const p = this.get(peer)
    if (this.now() - p.lastStrikeAt > this.init.windowMs) p.strikes = 0
    p.strikes++
    p.lastStrikeAt = this.now()
    return p.strikes === this.init.maxStrikes
  }

  /** Waits for a validation slot; resolves with its release, or undefined when too many wait already. */
  async acquire (peer: string): Promise<(() => void) | undefined> {
    const p = this.get(peer)
    if (p.inFlight >= this.init.maxInFlight) {
      if (p.waiting.length >= this.init.maxWaiting) return undefined
      await new Promise<void>((resolve) => p.waiting.push(resolve))
    } else {
      p.inFlight++
    }
    let released = false
    return () => {
      if (released) return
      released = true
      const next = p.waiting.shift()
      if (next !== undefined) next() // the slot passes on: inFlight stays
      else p.inFlight--
    }
  }

  private get (peer: string): PeerGuard {
    let p = this.peers.get(peer)
    if (p === undefined) {
      if (this.peers.size >= this.init.maxPeers) {
        for (const [k, v] of this.peers) {
          if (v.inFlight === 0) {
            this.peers.delete(k)
            break
          }
        }
      }
      p = { inFlight: 0, waiting: [], strikes: 0, lastStrikeAt: 0 }
      this.peers.set(peer, p)
    }
    return p
  }
}
