import { entryId, sha256, type Entry } from '@kiez/feed'

/** One entry a neighbour offered that the store refused (for `kiez why`). */
export interface RejectionRecord {
  /** entry id of the refused bytes (CID of their sha256), whether or not they parsed */
  id: string
  /** the author key and the seq, when the bytes parsed far enough to tell */
  author?: Uint8Array
  seq?: number
  /** the store's validation code (bad_signature, content_too_large, …) */
  code: string
  /** the neighbour that sent it */
  peerId: string
  via: 'gossip' | 'sync'
  atMs: number
}

export interface RejectionLogInit {
  /**
   * Records kept in all.
   *
   * @default 256
   */
  max?: number
  /**
   * Records kept per sending peer, so one rogue cannot flush everyone else's.
   *
   * @default 64
   */
  maxPerPeer?: number
  /**
   * The clock in milliseconds, injectable for tests.
   *
   * @default Date.now
   */
  now?: () => number
}

/** The last refusals, oldest dropped first; bounded overall and per peer. */
export class RejectionLog {
  private readonly records: RejectionRecord[] = []
  private readonly max: number
  private readonly maxPerPeer: number
  private readonly now: () => number

  constructor (init: RejectionLogInit = {}) {
    this.max = init.max ?? 256
    this.maxPerPeer = init.maxPerPeer ?? 64
    this.now = init.now ?? Date.now
  }

  note (peerId: string, bytes: Uint8Array, code: string, via: RejectionRecord['via'], entry?: Entry): void {
    const rec: RejectionRecord = { id: entryId(sha256(bytes)), code, peerId, via, atMs: this.now() }
    if (entry !== undefined) {
      rec.seq = entry.seq
      rec.author = entry.author
    }
    const mine = this.records.filter((r) => r.peerId === peerId)
    if (mine.length >= this.maxPerPeer) this.records.splice(this.records.indexOf(mine[0] as RejectionRecord), 1)
    else if (this.records.length >= this.max) this.records.shift()
    this.records.push(rec)
  }

  /** newest first */
  list (): RejectionRecord[] {
    return [...this.records].reverse()
  }

  find (id: string): RejectionRecord[] {
    return this.list().filter((r) => r.id === id)
  }
}
