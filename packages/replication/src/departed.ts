import type { WireHead } from './messages.js'

/** What we last knew of a neighbour that disconnected (for `kiez sync`: "they lack 13..20"). */
export interface DepartedPeer {
  peerId: string
  heads: WireHead[]
  headsAt: number
  disconnectedAt: number
  lastSyncAt?: number
  lastSyncError?: string
}

export interface DepartedLogInit {
  /**
   * Departed peers remembered.
   *
   * @default 64
   */
  maxPeers?: number
  /**
   * Heads remembered over all of them, so 64 big vectors cannot pile up.
   *
   * @default 65536 (one full heads vector)
   */
  maxHeads?: number
}

/**
 * The last heads of recently disconnected neighbours, newest last. Bounded
 * by peers and by heads in all; the oldest departure is forgotten first.
 * A peer that connects again is taken out: its live state replaces this.
 */
export class DepartedLog {
  private readonly peers = new Map<string, DepartedPeer>()
  private readonly maxPeers: number
  private readonly maxHeads: number
  private heads = 0

  constructor (init: DepartedLogInit = {}) {
    this.maxPeers = init.maxPeers ?? 64
    this.maxHeads = init.maxHeads ?? 65_536
  }

  note (p: DepartedPeer): void {
    this.forget(p.peerId)
    if (p.heads.length > this.maxHeads) return
    this.peers.set(p.peerId, p)
    this.heads += p.heads.length
    while (this.peers.size > this.maxPeers || this.heads > this.maxHeads) {
      this.forget(this.peers.keys().next().value as string)
    }
  }

  forget (peerId: string): void {
    const p = this.peers.get(peerId)
    if (p === undefined) return
    this.peers.delete(peerId)
    this.heads -= p.heads.length
  }

  /** newest departure first */
  list (): DepartedPeer[] {
    return [...this.peers.values()].reverse()
  }

  get size (): number {
    return this.peers.size
  }

  clear (): void {
    this.peers.clear()
    this.heads = 0
  }
}
