import { decode, encode } from 'cborg'
import { StoreError, type FeedStore } from '@kiez/store'
import type { Member, MemberOrigin } from './member-store.js'

/**
 * The self-fork guard, per member (the box's own is packages/store/src/own-feed.ts).
 * A member who brings their key from another box (an import) has a feed this
 * box's store may know only in part, or not at all: posting at once would
 * start again at a seq that is already taken, a fork, and every box would
 * freeze the member's feed for good. So an imported member's local posts are
 * held until a neighbour has named how far their feed goes and the store has
 * fetched it that far, or until the operator overrides. The same holds for a
 * member made here when the feed store is new while the member is not (the
 * store was wiped, the keys kept).
 *
 * State lives in the feed store's meta records, one per member, so it goes
 * with what the store knows: a wiped store forgets that a member was settled.
 * Heads claims are unsigned and only decide how long we wait; only entries
 * signed by the member, fetched and verified, move the member's head.
 */

/** imported: the key came with a recovery phrase; store_new: the feed store is newer than the member */
export type MemberFeedReason = 'imported' | 'store_new'

export interface MemberFeedStatus {
  /** the member's author key, hex */
  author: string
  /** armed: posts as the member are refused until their feed is learned from a neighbour */
  state: 'ok' | 'armed'
  /** the highest seq of the member's feed this store holds */
  ownSeq: number
  reason?: MemberFeedReason
  armedAt?: number
  /** the highest seq of the member's feed a neighbour named while armed, and which neighbour */
  claimedSeq?: number
  claimedBy?: string
  disarmedAt?: number
  disarmedBy?: 'neighbour' | 'override'
}

/** What the guard needs of a FeedStore. */
export type GuardedStore = Pick<FeedStore, 'getMeta' | 'putMeta' | 'holdAuthor' | 'releaseAuthor' | 'head' | 'created'>

interface GuardRecord {
  state: 'ok' | 'armed'
  reason?: MemberFeedReason
  armedAt?: number
  claimedSeq?: number
  claimedBy?: string
  disarmedAt?: number
  disarmedBy?: 'neighbour' | 'override'
}

/** 12 + 43 base64url characters: within the store's 64-byte meta names. */
const RECORD_PREFIX = 'member-feed:'

export function memberRecordName (author: Uint8Array): string {
  return RECORD_PREFIX + Buffer.from(author).toString('base64url')
}

/**
 * Whether a member with no guard record must be held at open. Pure, so each
 * case is unit-tested. A member made on this box has nothing to learn, unless
 * the feed store was created by this very start: then the member is older
 * than the store, which held their feed once.
 */
export function memberArmReason (f: { origin: MemberOrigin, storeCreated: boolean }): MemberFeedReason | undefined {
  if (f.origin === 'imported') return 'imported'
  return f.storeCreated ? 'store_new' : undefined
}

export function heldMessage (name: string): string {
  return `member "${name}" brought their key from elsewhere (or this box's feed was reset): waiting to learn ` +
    `${name}'s feed from a neighbour before posting as ${name}, so as not to fork it ` +
    '(the operator can override if no box has ever seen their posts)'
}

type Who = Pick<Member, 'author' | 'name'>

export class MemberFeedGuard {
  private readonly records = new Map<string, { who: Who, record: GuardRecord }>()

  private constructor (private readonly store: GuardedStore, private readonly now: () => number) {}

  /**
   * Reads each member's record, decides it for a member that has none
   * (`memberArmReason`), persists it, and holds the armed members' posts.
   */
  static async open (
    store: GuardedStore,
    init: { members: Iterable<Pick<Member, 'author' | 'name' | 'origin'>>, now?: () => number }
  ): Promise<MemberFeedGuard> {
    const g = new MemberFeedGuard(store, init.now ?? Date.now)
    for (const m of init.members) {
      let record = decodeRecord(await store.getMeta(memberRecordName(m.author)))
      if (record === undefined) {
        const reason = memberArmReason({ origin: m.origin, storeCreated: store.created })
        record = reason === undefined ? { state: 'ok' } : { state: 'armed', reason, armedAt: g.now() }
        await g.save(m, record)
      } else g.records.set(hexOf(m.author), { who: m, record })
      if (record.state === 'armed') store.holdAuthor(m.author, held(m.name))
    }
    return g
  }

  /** A member just made on this box (a new key): nothing to learn, posts at once. */
  async adopt (member: Who): Promise<void> {
    await this.save(member, { state: 'ok' })
    this.store.releaseAuthor(member.author)
  }

  /** A member just imported: their posts are held until their feed is learned or the operator overrides. */
  async arm (member: Who, reason: MemberFeedReason = 'imported'): Promise<void> {
    // held before the record is written: no post can slip in between
    this.store.holdAuthor(member.author, held(member.name))
    await this.save(member, { state: 'armed', reason, armedAt: this.now() })
  }

  /** A member removed from the box: their record goes, and nothing is held for them any more. */
  async forget (author: Uint8Array): Promise<void> {
    await this.store.putMeta(memberRecordName(author), undefined)
    this.records.delete(hexOf(author))
    this.store.releaseAuthor(author)
  }

  isArmed (author: Uint8Array): boolean {
    return this.records.get(hexOf(author))?.record.state === 'armed'
  }

  /** The authors whose posts are held: what a watch of neighbours' heads looks for. */
  armedAuthors (): Uint8Array[] {
    return [...this.records.values()].filter((r) => r.record.state === 'armed').map((r) => r.who.author)
  }

  /** A neighbour's heads named the member's feed at `seq`: the highest claim wins (persisted). */
  async claim (author: Uint8Array, peer: string, seq: number): Promise<void> {
    const r = this.records.get(hexOf(author))
    if (r?.record.state !== 'armed' || !Number.isSafeInteger(seq) || seq < 1) return
    if (seq <= (r.record.claimedSeq ?? 0)) return
    await this.save(r.who, { ...r.record, claimedSeq: seq, claimedBy: peer.slice(0, 128) })
  }

  /** Every claim in one neighbour's heads message (authors in hex, as replication reports them). */
  async claimHeads (peer: string, heads: Iterable<{ author: string, seq: number }>): Promise<void> {
    for (const h of heads) {
      const r = this.records.get(h.author)
      if (r?.record.state === 'armed') await this.claim(r.who.author, peer, h.seq)
    }
  }

  /**
   * Disarms a member once a neighbour has named their feed and the store holds
   * it up to the highest seq named. `settled` is false while neighbours that
   * might name a higher seq have yet to report. True when this call disarmed.
   */
  async check (author: Uint8Array, settled: boolean): Promise<boolean> {
    const r = this.records.get(hexOf(author))
    const claimed = r?.record.state === 'armed' ? r.record.claimedSeq : undefined
    if (r === undefined || claimed === undefined || !settled || this.ownSeq(author) < claimed) return false
    await this.disarm(r.who, r.record, 'neighbour')
    return true
  }

  /** `check` for every armed member; returns those it disarmed. */
  async checkAll (settled: boolean): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for (const author of this.armedAuthors()) if (await this.check(author, settled)) out.push(author)
    return out
  }

  /** The operator's word: no box has the member's feed, or what they have is all there is. */
  async override (author: Uint8Array): Promise<boolean> {
    const r = this.records.get(hexOf(author))
    if (r?.record.state !== 'armed') return false
    await this.disarm(r.who, r.record, 'override')
    return true
  }

  status (author: Uint8Array): MemberFeedStatus | undefined {
    const r = this.records.get(hexOf(author))
    if (r === undefined) return undefined
    const { state, ...rest } = r.record
    return { author: hexOf(author), state, ownSeq: this.ownSeq(author), ...rest }
  }

  statuses (): MemberFeedStatus[] {
    return [...this.records.values()].map((r) => this.status(r.who.author) as MemberFeedStatus)
  }

  private ownSeq (author: Uint8Array): number {
    return this.store.head(author)?.seq ?? 0
  }

  private async disarm (who: Who, r: GuardRecord, by: 'neighbour' | 'override'): Promise<void> {
    const { reason: _reason, armedAt: _armedAt, ...claim } = r
    await this.save(who, { ...claim, state: 'ok', disarmedAt: this.now(), disarmedBy: by })
    this.store.releaseAuthor(who.author)
  }

  private async save (who: Who, record: GuardRecord): Promise<void> {
    await this.store.putMeta(memberRecordName(who.author), encode(record))
    this.records.set(hexOf(who.author), { who, record })
  }
}

function held (name: string): StoreError {
  return new StoreError('own_head_unknown', heldMessage(name))
}

function hexOf (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

function decodeRecord (bytes: Uint8Array | undefined): GuardRecord | undefined {
  if (bytes === undefined) return undefined
  try {
    const v = decode(bytes) as Partial<GuardRecord> | null
    if (v?.state === 'ok') {
      const r: GuardRecord = { state: 'ok' }
      if (typeof v.claimedSeq === 'number') r.claimedSeq = v.claimedSeq
      if (typeof v.claimedBy === 'string') r.claimedBy = v.claimedBy
      if (typeof v.disarmedAt === 'number') r.disarmedAt = v.disarmedAt
      if (v.disarmedBy === 'neighbour' || v.disarmedBy === 'override') r.disarmedBy = v.disarmedBy
      return r
    }
    const r: GuardRecord = {
      state: 'armed',
      reason: v?.reason === 'store_new' ? 'store_new' : 'imported',
      armedAt: typeof v?.armedAt === 'number' ? v.armedAt : 0
    }
    if (typeof v?.claimedSeq === 'number') r.claimedSeq = v.claimedSeq
    if (typeof v?.claimedBy === 'string') r.claimedBy = v.claimedBy
    return r
  } catch {
    // unreadable: stay armed (the safe side); the operator can override
    return { state: 'armed', reason: 'imported', armedAt: 0 }
  }
}
