import { decodeEnvelope, decodeHeader, sha256, type Entry } from '@kiez/feed'
import type { Head, StoredEntry } from '@kiez/store'

/** How long a reader counts a vouch after its `seenAt` (PROTOCOL.md §2, "Vouches"). */
export const VOUCH_COUNTS_FOR_MS = 48 * 60 * 60 * 1000

/** The read side of @kiez/store's FeedStore the index uses: heads, raw ranges, one entry, new entries. */
export interface ClaimsStore {
  heads(): Head[]
  head(author: Uint8Array): Head | undefined
  rangeBytes(
    author: Uint8Array,
    from: number,
    to?: number,
    limits?: { maxEntries?: number, maxBytes?: number }
  ): Promise<Uint8Array[]>
  get(hash: Uint8Array): Promise<StoredEntry | undefined>
  onEntry(fn: (entry: StoredEntry) => void): () => void
  /** a payload fetched after its entry (a profile or household whose header came first) */
  onPayload?(fn: (entry: StoredEntry) => void): () => void
}

export interface ClaimsIndexInit {
  /**
   * Most authors with a household, profile or vouch remembered; past it the
   * one noted longest ago is forgotten first (docs/LIMITS.md).
   *
   * @default 10000
   */
  maxAuthors?: number
  /**
   * Most boxes one box is remembered vouching for (its newest vouch per box).
   *
   * @default 256
   */
  maxVouchesPerAuthor?: number
  /**
   * Most entries of one author read at start (newest first), and when a
   * withdrawn vouch sends the index back to that author's log.
   *
   * @default 20000
   */
  maxScanPerAuthor?: number
  /**
   * Most entries read at start over all authors (headers only: a payload is
   * read for households, profiles and vouches alone).
   *
   * @default 500000
   */
  maxStartScan?: number
  /**
   * The reader's clock (ms since the epoch), for the 48-hour window of vouches.
   *
   * @default Date.now
   */
  now?: () => number
  /**
   * Told when reading the store fails (the index then knows less, never throws at a reader).
   *
   * @default none
   */
  onError?(err: unknown): void
}

/** The household a reader shows with an author. */
export interface HouseholdClaim {
  /** the box's key (its libp2p identity) */
  box: Uint8Array
  /** the household entry's name, or for a box without one its profile's name */
  name: string
  /** distinct other boxes vouching for the box (PROTOCOL.md §2, "Vouches") */
  seenBy: number
  /** the box's household lists the author but the author's own profile names another box or none */
  oneSided: boolean
}

/**
 * What the index says of an author:
 * - `member`: a household lists the key (mutual first, then one-sided);
 * - `box`: the author is a box: its own household, or a profile that names no household;
 * - `unclaimed`: none of these.
 * `name` is the author's current profile name, when known.
 */
export type AuthorClaim =
  | { kind: 'member', name?: string, household: HouseholdClaim }
  | { kind: 'box', name?: string, household: HouseholdClaim }
  | { kind: 'unclaimed', name?: string }

interface HouseholdRecord {
  seq: number
  timestamp: number
  name: string
  members: Set<string>
}

interface ProfileRecord {
  seq: number
  name: string
  /** hex of the named box; null: none (also the one-item profile) */
  household: string | null
}

interface VouchRecord {
  seq: number
  timestamp: number
  seenAt: number
  hash: string
}

/** What is known of one author: each part only when seen. */
interface AuthorRecord {
  household?: HouseholdRecord
  profile?: ProfileRecord
  /** box (hex) → this author's newest vouch for it */
  vouches?: Map<string, VouchRecord>
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

const WATCHED = new Set(['household', 'profile', 'vouch', 'delete'])

/**
 * Who claims whom (PROTOCOL.md §2, "Households, members and neighbours"):
 * each author's current household, current profile and newest vouch per box,
 * read from the store once at start (bounded) and kept current from its new
 * entries. Answers from memory, so a feed page asks it per entry for free.
 *
 * Households and vouches of a **member key** mean nothing. A member key is
 * one whose current profile names a box whose current household lists it:
 * both sides agree. A household listing a key alone does not make it a
 * member key, or any box could silence a neighbouring box's household and
 * vouches by listing its key.
 */
export class ClaimsIndex {
  private readonly authors = new Map<string, AuthorRecord>()
  /** member key (hex) → boxes (hex) whose current household lists it */
  private readonly listedBy = new Map<string, Set<string>>()
  /** box (hex) → authors (hex) with a vouch for it in `authors` */
  private readonly vouchers = new Map<string, Set<string>>()
  /** vouch entry hash (hex) → [voucher, box], so a delete can withdraw it */
  private readonly vouchHashes = new Map<string, [string, string]>()
  private readonly maxAuthors: number
  private readonly maxVouchesPerAuthor: number
  private readonly maxScanPerAuthor: number
  private readonly maxStartScan: number
  private readonly now: () => number
  private unsubscribe: Array<() => void> = []
  private scanning: Promise<void> | undefined
  private closed = false

  constructor (private readonly store: ClaimsStore, private readonly init: ClaimsIndexInit = {}) {
    this.maxAuthors = init.maxAuthors ?? 10_000
    this.maxVouchesPerAuthor = init.maxVouchesPerAuthor ?? 256
    this.maxScanPerAuthor = init.maxScanPerAuthor ?? 20_000
    this.maxStartScan = init.maxStartScan ?? 500_000
    this.now = init.now ?? Date.now
  }

  /**
   * Follows new entries at once, then reads what the store holds in the
   * background; `ready` resolves when that read is done. Idempotent.
   */
  start (): void {
    if (this.scanning !== undefined || this.closed) return
    this.unsubscribe.push(this.store.onEntry((e) => this.note(e)))
    if (this.store.onPayload !== undefined) this.unsubscribe.push(this.store.onPayload((e) => this.note(e)))
    this.scanning = this.scanAll().catch((err) => this.init.onError?.(err))
  }

  /** Resolves once the start's read of the store is done (at once if never started). */
  async ready (): Promise<void> {
    await this.scanning
  }

  stop (): void {
    this.closed = true
    for (const u of this.unsubscribe.splice(0)) u()
  }

  /** Authors remembered (for diagnostics and tests of the bound). */
  get size (): number {
    return this.authors.size
  }

  /** Takes one stored entry; anything that is not a household, profile, vouch or delete is ignored. */
  note (e: Entry): void {
    const b = e.body
    if (b === undefined) return
    const author = hex(e.author)
    switch (b.type) {
      case 'household': {
        const rec = this.record(author)
        if (rec.household !== undefined && rec.household.seq >= e.seq) return
        this.unlist(author, rec.household)
        rec.household = { seq: e.seq, timestamp: e.timestamp, name: b.name, members: new Set(b.members.map(hex)) }
        for (const m of rec.household.members) {
          let boxes = this.listedBy.get(m)
          if (boxes === undefined) this.listedBy.set(m, boxes = new Set())
          boxes.add(author)
        }
        return
      }
      case 'profile': {
        const rec = this.record(author)
        if (rec.profile !== undefined && rec.profile.seq >= e.seq) return
        rec.profile = { seq: e.seq, name: b.name, household: b.household != null ? hex(b.household) : null }
        return
      }
      case 'vouch': {
        const box = hex(b.box)
        const rec = this.record(author)
        rec.vouches ??= new Map()
        const known = rec.vouches.get(box)
        if (known !== undefined && known.seq >= e.seq) return
        if (known === undefined && rec.vouches.size >= this.maxVouchesPerAuthor) {
          // keep the freshest sightings: drop the one seen longest ago
          let oldest: [string, VouchRecord] | undefined
          for (const kv of rec.vouches) if (oldest === undefined || kv[1].seenAt < oldest[1].seenAt) oldest = kv
          if (oldest === undefined || oldest[1].seenAt >= b.seenAt) return
          this.dropVouch(author, oldest[0])
        }
        if (known !== undefined) this.vouchHashes.delete(known.hash)
        const h = hex(e.hash)
        rec.vouches.set(box, { seq: e.seq, timestamp: e.timestamp, seenAt: b.seenAt, hash: h })
        this.vouchHashes.set(h, [author, box])
        let by = this.vouchers.get(box)
        if (by === undefined) this.vouchers.set(box, by = new Set())
        by.add(author)
        return
      }
      case 'delete': {
        // a box withdraws a vouch with a delete; a delete of a household or profile does nothing (PROTOCOL.md §2)
        const target = this.vouchHashes.get(hex(b.target))
        if (target === undefined || target[0] !== author) return
        this.dropVouch(target[0], target[1])
        // an older vouch for the same box may still count: read the log again for it
        void this.rescanVouches(e.author, target[1]).catch((err) => this.init.onError?.(err))
        return
      }
      default:
    }
  }

  /** What a reader shows of an author (see AuthorClaim). */
  claimOf (author: Uint8Array): AuthorClaim {
    const key = hex(author)
    const rec = this.authors.get(key)
    const profile = rec?.profile
    const name = profile?.name
    const withName = <T extends object>(c: T): T & { name?: string } => name !== undefined ? { ...c, name } : c
    // 1. mutual: the box the member's own profile names lists them
    const named = profile?.household
    if (named != null && named !== key && this.lists(named, key) && !this.isMemberKey(named)) {
      return withName({ kind: 'member' as const, household: this.view(named, false) })
    }
    // 2. a box: its own household (a household listing the box's key elsewhere does not make it a member)
    if (rec?.household !== undefined && !this.isMemberKey(key)) {
      return withName({ kind: 'box' as const, household: this.view(key, false) })
    }
    // 3. one-sided: listed by a household, the member's own word names another box or none
    let best: { box: string, timestamp: number } | undefined
    for (const box of this.listedBy.get(key) ?? []) {
      if (box === key || this.isMemberKey(box)) continue
      const ts = this.authors.get(box)?.household?.timestamp ?? 0
      if (best === undefined || ts > best.timestamp || (ts === best.timestamp && box < best.box)) {
        best = { box, timestamp: ts }
      }
    }
    if (best !== undefined) return withName({ kind: 'member' as const, household: this.view(best.box, true) })
    // 4. a box that has only a profile naming no household (or itself): a box posting as itself
    if (profile !== undefined && (profile.household === null || profile.household === key)) {
      return withName({ kind: 'box' as const, household: this.view(key, false) })
    }
    return withName({ kind: 'unclaimed' as const })
  }

  /**
   * "Seen by N neighbouring boxes": distinct other authors, not member keys,
   * whose newest vouch for `box` has a `seenAt` not after its own entry's
   * timestamp and within the last 48 hours of the reader's clock.
   */
  seenBy (box: Uint8Array | string): number {
    const key = typeof box === 'string' ? box : hex(box)
    const since = this.now() - VOUCH_COUNTS_FOR_MS
    let n = 0
    for (const voucher of this.vouchers.get(key) ?? []) {
      if (voucher === key || this.isMemberKey(voucher)) continue
      const v = this.authors.get(voucher)?.vouches?.get(key)
      if (v !== undefined && v.seenAt <= v.timestamp && v.seenAt >= since) n++
    }
    return n
  }

  /** `author`'s newest vouch for `box` as the index holds it (the vouching service asks about its own). */
  vouchOf (author: Uint8Array, box: Uint8Array): { seq: number, timestamp: number, seenAt: number } | undefined {
    const v = this.authors.get(hex(author))?.vouches?.get(hex(box))
    return v === undefined ? undefined : { seq: v.seq, timestamp: v.timestamp, seenAt: v.seenAt }
  }

  /** Boxes `author` vouched for with an entry timestamped at or after `since` (the daily budget). */
  vouchesSince (author: Uint8Array, since: number): number {
    let n = 0
    for (const v of this.authors.get(hex(author))?.vouches?.values() ?? []) if (v.timestamp >= since) n++
    return n
  }

  /**
   * A key whose current profile names a box whose current household lists
   * it: its households and vouches mean nothing (PROTOCOL.md §2).
   */
  isMemberKey (author: Uint8Array | string): boolean {
    const key = typeof author === 'string' ? author : hex(author)
    const named = this.authors.get(key)?.profile?.household
    return named != null && named !== key && this.lists(named, key)
  }

  private lists (box: string, member: string): boolean {
    return this.authors.get(box)?.household?.members.has(member) === true
  }

  private view (box: string, oneSided: boolean): HouseholdClaim {
    const rec = this.authors.get(box)
    const name = rec?.household?.name ?? rec?.profile?.name ?? ''
    return { box: fromHex(box), name, seenBy: this.seenBy(box), oneSided }
  }

  /** The author's record, made fresh when new; the least recently made is forgotten past the bound. */
  private record (author: string): AuthorRecord {
    let rec = this.authors.get(author)
    if (rec !== undefined) return rec
    if (this.authors.size >= this.maxAuthors) this.forget(this.authors.keys().next().value as string)
    rec = {}
    this.authors.set(author, rec)
    return rec
  }

  private forget (author: string): void {
    const rec = this.authors.get(author)
    if (rec === undefined) return
    this.unlist(author, rec.household)
    for (const box of rec.vouches?.keys() ?? []) this.dropVouch(author, box) // a Map allows deleting the key at hand
    this.authors.delete(author)
  }

  private unlist (box: string, household: HouseholdRecord | undefined): void {
    for (const m of household?.members ?? []) {
      const boxes = this.listedBy.get(m)
      boxes?.delete(box)
      if (boxes?.size === 0) this.listedBy.delete(m)
    }
  }

  private dropVouch (author: string, box: string): void {
    const vouches = this.authors.get(author)?.vouches
    const v = vouches?.get(box)
    if (v === undefined) return
    vouches?.delete(box)
    this.vouchHashes.delete(v.hash)
    const by = this.vouchers.get(box)
    by?.delete(author)
    if (by?.size === 0) this.vouchers.delete(box)
  }

  /** After a withdrawn vouch: the author's newest vouch for `box` that is still held, if any. */
  private async rescanVouches (author: Uint8Array, box: string): Promise<void> {
    await this.scanAuthor(author, this.maxScanPerAuthor, (e) => e.body?.type === 'vouch' && hex(e.body.box) === box)
  }

  private async scanAll (): Promise<void> {
    let budget = this.maxStartScan
    for (const head of this.store.heads()) {
      if (this.closed || budget <= 0) return
      budget -= await this.scanAuthor(head.author, Math.min(this.maxScanPerAuthor, budget))
    }
  }

  /**
   * Reads an author's log, newest `max` entries, headers only; the payload of
   * a watched kind is read and noted. Returns the entries read.
   */
  private async scanAuthor (
    author: Uint8Array,
    max: number,
    wanted: (e: StoredEntry) => boolean = () => true
  ): Promise<number> {
    const head = this.store.head(author)?.seq ?? 0
    const from = Math.max(1, head - max + 1)
    let read = 0
    for (let at = from; at <= head && !this.closed;) {
      const page = await this.store.rangeBytes(author, at, head, { maxEntries: 1000 })
      let next = at
      for (const bytes of page) {
        read++
        const env = decodeEnvelope(bytes)
        const header = env.ok ? decodeHeader(env.value.header) : undefined
        if (header?.ok !== true) continue
        next = header.value.seq + 1
        // deletes are not read back: a deleted vouch's payload is gone, so it is not noted either
        if (header.value.kind === 'delete' || !WATCHED.has(header.value.kind)) continue
        const e = await this.store.get(sha256(bytes))
        if (e !== undefined && e.fate?.reason !== 'deleted' && wanted(e)) this.note(e)
      }
      if (next <= at) break
      at = next
    }
    return read
  }
}
