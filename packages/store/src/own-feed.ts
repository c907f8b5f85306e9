import { decode, encode } from 'cborg'
import { StoreError } from './errors.js'
import { equalBytes } from '@kiez/feed'
import type { FeedStore } from './store.js'

/**
 * The self-fork guard. A box whose store was wiped but whose key was kept
 * would author from seq 1 again and fork its own feed (its neighbours then
 * freeze it for good). So the store remembers whose it is (meta `owner`), and
 * when an old key meets a store that does not know it, local posts are held
 * until a neighbour has told us how far our feed goes and we have fetched it
 * that far. Heads claims are unsigned: they only decide how long we wait;
 * only entries signed by our own key, fetched and verified, move our head.
 */

const OWNER = 'owner'
const GUARD = 'own-feed-guard'

/** store_new: an old key on a new (or empty) store; key_not_owner: the store belonged to another key */
export type OwnFeedReason = 'store_new' | 'key_not_owner'

export interface OwnFeedStatus {
  /** armed: local posts are refused until our own feed is learned from a neighbour */
  state: 'ok' | 'armed'
  /** the highest seq of our own feed this store holds */
  ownSeq: number
  reason?: OwnFeedReason
  armedAt?: number
  /** the highest seq of our feed a neighbour named while armed, and which neighbour */
  claimedSeq?: number
  claimedBy?: string
  disarmedAt?: number
  disarmedBy?: 'neighbour' | 'override'
}

export interface OwnFeedFacts {
  keyCreated: boolean
  storeCreated: boolean
  /** the owner the store records, if any */
  marker: Uint8Array | undefined
  owner: Uint8Array
  ownSeq: number
  /** authors with a head in the store */
  authors: number
}

/** Whether a start must arm the guard. Pure, so every case is unit-tested. */
export function armReason (f: OwnFeedFacts): OwnFeedReason | undefined {
  if (f.keyCreated || f.ownSeq > 0) return undefined // a new author, or we know our head
  if (f.marker !== undefined) return equalBytes(f.marker, f.owner) ? undefined : 'key_not_owner'
  // No marker: a store made before the marker existed (it has always been this key's) — unless it
  // is new or empty, which is exactly what a wiped store looks like.
  return f.storeCreated || f.authors === 0 ? 'store_new' : undefined
}

interface GuardRecord {
  reason: OwnFeedReason
  armedAt: number
  claimedSeq?: number
  claimedBy?: string
}

export const OWN_HEAD_UNKNOWN_MESSAGE =
  'this box\'s feed was reset but its key was kept: waiting to learn its own feed from a neighbour before posting ' +
  '(or restart the daemon with --fresh-feed-ok if no box has ever seen this box\'s posts)'

export class OwnFeedGuard {
  private record: GuardRecord | undefined
  /** how this run disarmed, and the claim it went by (kept for status after the record is gone) */
  private disarmed: { at: number, by: 'neighbour' | 'override', claim: GuardRecord | undefined } | undefined
  private constructor (
    private readonly store: FeedStore,
    readonly owner: Uint8Array,
    private readonly now: () => number
  ) {}

  /** Reads or decides the guard's state for this start, persists it, and holds local posts if armed. */
  static async open (
    store: FeedStore,
    init: { owner: Uint8Array, keyCreated: boolean, now?: () => number }
  ): Promise<OwnFeedGuard> {
    const g = new OwnFeedGuard(store, init.owner, init.now ?? Date.now)
    g.record = decodeRecord(await store.getMeta(GUARD))
    const marker = await store.getMeta(OWNER)
    if (g.record === undefined) {
      const reason = armReason({
        keyCreated: init.keyCreated,
        storeCreated: store.created,
        marker,
        owner: init.owner,
        ownSeq: g.ownSeq(),
        authors: store.heads().length
      })
      // the guard record before the marker: a crash between them leaves the guard armed, never a marked store without it
      if (reason !== undefined) await g.save({ reason, armedAt: g.now() })
    }
    if (marker === undefined || !equalBytes(marker, init.owner)) await store.putMeta(OWNER, init.owner)
    if (g.record !== undefined) {
      store.holdAuthor(init.owner, new StoreError('own_head_unknown', OWN_HEAD_UNKNOWN_MESSAGE))
    }
    return g
  }

  get armed (): boolean {
    return this.record !== undefined
  }

  ownSeq (): number {
    return this.store.head(this.owner)?.seq ?? 0
  }

  /** A neighbour's heads named our feed at `seq`: the highest claim wins (persisted, so a restart keeps it). */
  async claim (peer: string, seq: number): Promise<void> {
    const r = this.record
    if (r === undefined || !Number.isSafeInteger(seq) || seq < 1 || seq <= (r.claimedSeq ?? 0)) return
    await this.save({ ...r, claimedSeq: seq, claimedBy: peer.slice(0, 128) })
  }

  /**
   * Disarms once a neighbour has named our feed and we hold it up to the
   * highest seq named. `settled` is false while neighbours that might name a
   * higher seq have yet to report. Returns true when this call disarmed.
   */
  async check (settled: boolean): Promise<boolean> {
    const r = this.record
    if (r?.claimedSeq === undefined || !settled || this.ownSeq() < r.claimedSeq) return false
    await this.disarm('neighbour')
    return true
  }

  /** The operator's word (--fresh-feed-ok): no box has our feed, or what they have is all there is. */
  async override (): Promise<boolean> {
    if (this.record === undefined) return false
    await this.disarm('override')
    return true
  }

  status (): OwnFeedStatus {
    const out: OwnFeedStatus = { state: this.record === undefined ? 'ok' : 'armed', ownSeq: this.ownSeq() }
    const r = this.record ?? this.disarmed?.claim
    if (this.record !== undefined) {
      out.reason = this.record.reason
      out.armedAt = this.record.armedAt
    }
    if (r?.claimedSeq !== undefined) out.claimedSeq = r.claimedSeq
    if (r?.claimedBy !== undefined) out.claimedBy = r.claimedBy
    if (this.disarmed !== undefined) {
      out.disarmedAt = this.disarmed.at
      out.disarmedBy = this.disarmed.by
    }
    return out
  }

  private async disarm (by: 'neighbour' | 'override'): Promise<void> {
    await this.store.putMeta(GUARD, undefined)
    this.disarmed = { at: this.now(), by, claim: this.record }
    this.record = undefined
    this.store.releaseAuthor(this.owner)
  }

  private async save (r: GuardRecord): Promise<void> {
    await this.store.putMeta(GUARD, encode(r))
    this.record = r
  }
}

function decodeRecord (bytes: Uint8Array | undefined): GuardRecord | undefined {
  if (bytes === undefined) return undefined
  try {
    const v = decode(bytes) as Partial<GuardRecord> | null
    const reason = v?.reason === 'key_not_owner' ? 'key_not_owner' : 'store_new'
    const r: GuardRecord = { reason, armedAt: typeof v?.armedAt === 'number' ? v.armedAt : 0 }
    if (typeof v?.claimedSeq === 'number') r.claimedSeq = v.claimedSeq
    if (typeof v?.claimedBy === 'string') r.claimedBy = v.claimedBy
    return r
  } catch {
    // unreadable: stay armed (the safe side); the operator can override
    return { reason: 'store_new', armedAt: 0 }
  }
}
