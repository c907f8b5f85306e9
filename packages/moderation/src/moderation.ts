import { equalBytes, MAX_REASON_BYTES } from '@kiez/feed'
import type { FeedStore, IngestGate, StoredEntry } from '@kiez/store'
import { decode, encode } from 'cborg'

/** What Moderation needs of the store: its meta records, the followed lists' logs, and dropping payloads. */
export type ModerationStore = Pick<
  FeedStore,
  'getMeta' | 'putMeta' | 'metaRecords' | 'range' | 'head' | 'onEntry' | 'onPayload' | 'dropPayloadsOf'
>

export interface ModerationInit {
  /**
   * The box's store: blocks and followed lists are kept in its meta records,
   * lists are read from the entries it holds.
   *
   * @default none (required)
   */
  store: ModerationStore
  /**
   * Keys that are never blocked, by the owner or by a list: the box's own
   * authors (their posts go in unconditionally, and must go out). A function
   * for a set that changes while the box runs (the household's members); it
   * is asked on the ingest path, so it must be cheap.
   *
   * @default none
   */
  exempt?: Uint8Array[] | ((author: Uint8Array) => boolean)
  /**
   * Most authors the owner may block.
   *
   * @default 10 000
   */
  maxBlocks?: number
  /**
   * Most moderation lists the owner may follow.
   *
   * @default 64
   */
  maxLists?: number
  /**
   * Most mod-block and mod-hide entries kept per followed list; later ones are ignored.
   *
   * @default 100 000
   */
  maxListEntries?: number
  /** @default Date.now */
  now?: () => number
  /**
   * Called when dropping a blocked author's payloads fails in the background.
   *
   * @default ignore
   */
  onError?: (err: unknown) => void
}

/** Why an author is blocked or an entry hidden: the owner's block, or a followed list's entry. */
export type Because =
  | { by: 'owner', reason: string, at: number }
  /** `list` is the list's author, `entry` the hash of its mod-block or mod-hide entry */
  | { by: 'list', list: Uint8Array, entry: Uint8Array, reason: string }

export interface OwnerBlock {
  author: Uint8Array
  reason: string
  /** when the owner blocked it, ms since the epoch */
  at: number
}

export interface FollowedList {
  author: Uint8Array
  followedAt: number
  /** authors the list blocks now (retracted ones not counted) */
  blocks: number
  /** entries the list hides now */
  hides: number
}

export type ModerationErrorCode = 'bad_input' | 'limit'

export class ModerationError extends Error {
  readonly code: ModerationErrorCode
  constructor (code: ModerationErrorCode, message: string) {
    super(message)
    this.name = 'ModerationError'
    this.code = code
  }
}

interface ModEntry {
  hash: Uint8Array
  seq: number
  type: 'mod-block' | 'mod-hide'
  subject: Uint8Array
  reason: string
}

interface ListState {
  author: Uint8Array
  followedAt: number
  /** every live mod entry of the list, by hex of its hash */
  entries: Map<string, ModEntry>
  /** what is in force: the newest live entry per blocked author / hidden entry (hex) */
  blocked: Map<string, ModEntry>
  hidden: Map<string, ModEntry>
}

const BLOCK_PREFIX = 'mod:block:'
const LIST_PREFIX = 'mod:list:'
const SCAN_PAGE = 500

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')
const fromB64 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64url'))

function checkKey (key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== 32) {
    throw new ModerationError('bad_input', `${what} must be a 32-byte ed25519 key`)
  }
}

/**
 * The box owner's moderation (docs/SECURITY.md "Blocks and moderation lists"):
 * authors the owner blocked, and the moderation lists the owner follows — the
 * mod-block and mod-hide entries of chosen authors, enforced as if the owner
 * had made them, until the list deletes them or the owner unfollows.
 *
 * A blocked author's entries are kept as headers only (`gate`: the chain stays
 * checkable, the payloads are refused), the payloads already held are dropped
 * and compacted off the disk, and nothing of the author is forwarded
 * (`forwards`). A hidden entry is only marked (`hiddenBy`): the page collapses
 * it and can show it anyway. Nothing here is enforced unless the owner chose
 * it: a box that follows no list and blocks no one behaves as before.
 */
export class Moderation {
  private readonly store: ModerationStore
  private readonly exempt: (author: Uint8Array, k: string) => boolean
  private readonly maxBlocks: number
  private readonly maxLists: number
  private readonly maxListEntries: number
  private readonly now: () => number
  private readonly onError: (err: unknown) => void
  private readonly owner = new Map<string, OwnerBlock>()
  private readonly followed = new Map<string, ListState>()
  /** whether anyone is blocked at all: the gate's fast path */
  private blocking = false
  /** payload drops run one after another, in the background of list updates */
  private drops: Promise<void> = Promise.resolve()
  private readonly unsubscribe: Array<() => void> = []
  private readonly listeners = new Set<() => void>()

  /** The gate the store consults on every ingest: a blocked author's entries come in as headers only. */
  readonly gate: IngestGate = {
    admit: (entry) => (this.isBlocked(entry.author) ? 'header' : 'store'),
    takesPayload: (author) => !this.isBlocked(author)
  }

  /** What replication forwards: nobody blocked here, by the owner or a followed list. */
  readonly forwards = (author: Uint8Array): boolean => !this.isBlocked(author)

  private constructor (init: ModerationInit) {
    this.store = init.store
    const exempt = init.exempt
    if (typeof exempt === 'function') this.exempt = (a) => exempt(a)
    else {
      const keys = new Set((exempt ?? []).map(hex))
      this.exempt = (_a, k) => keys.has(k)
    }
    this.maxBlocks = init.maxBlocks ?? 10_000
    this.maxLists = init.maxLists ?? 64
    this.maxListEntries = init.maxListEntries ?? 100_000
    this.now = init.now ?? Date.now
    this.onError = init.onError ?? (() => {})
  }

  /** Reads the owner's blocks and followed lists from the store, and the lists' entries it holds. */
  static async open (init: ModerationInit): Promise<Moderation> {
    const m = new Moderation(init)
    await m.load()
    return m
  }

  private async load (): Promise<void> {
    for (const { name, value } of await this.store.metaRecords(BLOCK_PREFIX, this.maxBlocks)) {
      const author = fromB64(name.slice(BLOCK_PREFIX.length))
      const [reason, at] = decodeRecord(value)
      if (author.byteLength === 32) {
        this.owner.set(hex(author), { author, reason: typeof reason === 'string' ? reason : '', at: num(at) })
      }
    }
    for (const { name, value } of await this.store.metaRecords(LIST_PREFIX, this.maxLists)) {
      const author = fromB64(name.slice(LIST_PREFIX.length))
      if (author.byteLength === 32) this.followed.set(hex(author), emptyList(author, num(decodeRecord(value)[0])))
    }
    // Live first, so nothing that arrives during the scan is missed; learning is idempotent.
    this.unsubscribe.push(this.store.onEntry((e) => this.learnLive(e)))
    this.unsubscribe.push(this.store.onPayload((e) => this.learnLive(e)))
    for (const list of this.followed.values()) await this.scan(list)
    this.update()
  }

  /** Stops following the store; waits for payload drops under way. */
  async close (): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off()
    await this.drops
  }

  /** Why `author` is blocked here, or undefined: the owner's block first, then the lists in the order followed. */
  blockedBy (author: Uint8Array): Because | undefined {
    if (!this.blocking) return undefined
    const k = hex(author)
    if (this.exempt(author, k)) return undefined
    const own = this.owner.get(k)
    if (own !== undefined) return { by: 'owner', reason: own.reason, at: own.at }
    for (const list of this.followed.values()) {
      const e = list.blocked.get(k)
      if (e !== undefined && !this.followed.has(k)) {
        return { by: 'list', list: list.author, entry: e.hash, reason: e.reason }
      }
    }
    return undefined
  }

  /** Why the entry with this hash is hidden by a followed list, or undefined. */
  hiddenBy (hash: Uint8Array): Because | undefined {
    if (this.followed.size === 0) return undefined
    const k = hex(hash)
    for (const list of this.followed.values()) {
      const e = list.hidden.get(k)
      if (e !== undefined) return { by: 'list', list: list.author, entry: e.hash, reason: e.reason }
    }
    return undefined
  }

  isBlocked (author: Uint8Array): boolean {
    return this.blocking && this.blockedBy(author) !== undefined
  }

  /**
   * The owner blocks `author`: from now on its entries are stored as headers
   * only and not forwarded, and every payload of it the store holds is
   * dropped (resolves once they are, with how many). Blocking again updates
   * the reason.
   */
  async block (author: Uint8Array, reason = ''): Promise<{ dropped: number }> {
    checkKey(author, 'the author')
    checkReason(reason)
    const k = hex(author)
    if (this.exempt(author, k)) throw new ModerationError('bad_input', 'this box\'s own author cannot be blocked')
    if (this.followed.has(k)) {
      throw new ModerationError('bad_input', 'this author\'s moderation list is followed here: unfollow it first')
    }
    if (!this.owner.has(k) && this.owner.size >= this.maxBlocks) {
      throw new ModerationError('limit', `at most ${this.maxBlocks} authors can be blocked`)
    }
    const at = this.now()
    this.owner.set(k, { author, reason, at })
    this.update()
    this.changed()
    await this.store.putMeta(BLOCK_PREFIX + b64(author), encode([reason, at]))
    return { dropped: await this.dropPayloads(author) }
  }

  /** Lifts the owner's block; the author's payloads are fetched again unless a followed list blocks it. */
  async unblock (author: Uint8Array): Promise<boolean> {
    checkKey(author, 'the author')
    if (!this.owner.delete(hex(author))) return false
    this.update()
    this.changed()
    await this.store.putMeta(BLOCK_PREFIX + b64(author), undefined)
    return true
  }

  /** The owner's blocks, newest first. */
  blocks (): OwnerBlock[] {
    return [...this.owner.values()].sort((a, b) => b.at - a.at)
  }

  /**
   * Follows `author`'s moderation list: its mod-block and mod-hide entries
   * held now and arriving later are enforced here, the blocked authors'
   * payloads dropped (in the background).
   */
  async follow (author: Uint8Array): Promise<FollowedList> {
    checkKey(author, 'the list\'s author')
    const k = hex(author)
    const had = this.followed.get(k)
    if (had !== undefined) return summary(had)
    if (this.owner.has(k)) throw new ModerationError('bad_input', 'this author is blocked here: unblock it first')
    if (this.followed.size >= this.maxLists) {
      throw new ModerationError('limit', `at most ${this.maxLists} moderation lists can be followed`)
    }
    const list = emptyList(author, this.now())
    this.followed.set(k, list)
    await this.store.putMeta(LIST_PREFIX + b64(author), encode([list.followedAt]))
    await this.scan(list)
    this.update()
    this.changed()
    for (const e of list.blocked.values()) this.dropLater(e.subject)
    return summary(list)
  }

  /** Stops enforcing `author`'s list; what it blocked is fetched again unless blocked otherwise. */
  async unfollow (author: Uint8Array): Promise<boolean> {
    checkKey(author, 'the list\'s author')
    if (!this.followed.delete(hex(author))) return false
    this.update()
    this.changed()
    await this.store.putMeta(LIST_PREFIX + b64(author), undefined)
    return true
  }

  /** The followed lists, in the order followed. */
  lists (): FollowedList[] {
    return [...this.followed.values()].map(summary)
  }

  /**
   * Calls `fn` after what is blocked or hidden here may have changed: the
   * owner blocked, unblocked, followed or unfollowed, or a followed list
   * published or took back an entry. Returns the unsubscribe.
   */
  onChange (fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private changed (): void {
    for (const fn of this.listeners) fn()
  }

  /** Waits for the payload drops started so far (tests, shutdown). */
  async settled (): Promise<void> {
    await this.drops
  }

  private update (): void {
    this.blocking = this.owner.size > 0 || [...this.followed.values()].some((l) => l.blocked.size > 0)
  }

  /** The list's entries this store holds, from seq 1 to its head. */
  private async scan (list: ListState): Promise<void> {
    const head = this.store.head(list.author)
    if (head === undefined) return
    for (let from = 1; from <= head.seq;) {
      const page = await this.store.range(list.author, from, head.seq, { maxEntries: SCAN_PAGE })
      const last = page.at(-1)
      if (last === undefined) break
      for (const e of page) this.learn(list, e)
      from = last.seq + 1
    }
  }

  private learnLive (e: StoredEntry): void {
    if (this.followed.size === 0) return
    const list = this.followed.get(hex(e.author))
    if (list === undefined) return
    const blocked = this.learn(list, e)
    this.update()
    if (blocked !== undefined) this.dropLater(blocked)
    const t = e.body?.type
    if (t === 'mod-block' || t === 'mod-hide' || t === 'delete') this.changed()
  }

  /** Takes one entry of a followed list into account; returns an author it newly blocks. */
  private learn (list: ListState, e: StoredEntry): Uint8Array | undefined {
    const b = e.body
    if (b === undefined || e.fate !== undefined) return undefined
    if (b.type === 'delete') {
      this.retract(list, b.target)
      return undefined
    }
    if (b.type !== 'mod-block' && b.type !== 'mod-hide') return undefined
    const k = hex(e.hash)
    if (list.entries.has(k) || list.entries.size >= this.maxListEntries) return undefined
    const m: ModEntry = {
      hash: e.hash,
      seq: e.seq,
      type: b.type,
      subject: b.type === 'mod-block' ? b.author : b.target,
      reason: b.reason
    }
    list.entries.set(k, m)
    const index = m.type === 'mod-block' ? list.blocked : list.hidden
    const s = hex(m.subject)
    const was = index.get(s)
    if (was === undefined || was.seq < m.seq) index.set(s, m)
    return m.type === 'mod-block' && was === undefined ? m.subject : undefined
  }

  /** The list deleted one of its entries: it is no longer in force; an older one about the same subject may be. */
  private retract (list: ListState, target: Uint8Array): void {
    const k = hex(target)
    const m = list.entries.get(k)
    if (m === undefined) return
    list.entries.delete(k)
    const index = m.type === 'mod-block' ? list.blocked : list.hidden
    const s = hex(m.subject)
    if (index.get(s)?.hash !== m.hash) return
    index.delete(s)
    let newest: ModEntry | undefined
    for (const other of list.entries.values()) {
      if (other.type === m.type && equalBytes(other.subject, m.subject) && (newest?.seq ?? 0) < other.seq) {
        newest = other
      }
    }
    if (newest !== undefined) index.set(s, newest)
  }

  private async dropPayloads (author: Uint8Array): Promise<number> {
    let dropped = 0
    const run = this.drops.then(async () => {
      dropped = await this.store.dropPayloadsOf(author)
    })
    this.drops = run.catch((err: unknown) => this.onError(err))
    await run
    return dropped
  }

  private dropLater (author: Uint8Array): void {
    if (!this.isBlocked(author)) return
    this.drops = this.drops.then(async () => {
      // still blocked by the time its turn comes (a retract or unfollow may have come first)
      if (this.isBlocked(author)) await this.store.dropPayloadsOf(author)
    }).catch((err: unknown) => this.onError(err))
  }
}

function emptyList (author: Uint8Array, followedAt: number): ListState {
  return { author, followedAt, entries: new Map(), blocked: new Map(), hidden: new Map() }
}

function summary (l: ListState): FollowedList {
  return { author: l.author, followedAt: l.followedAt, blocks: l.blocked.size, hides: l.hidden.size }
}

function checkReason (reason: string): void {
  if (typeof reason !== 'string') throw new ModerationError('bad_input', 'the reason must be text')
  if (Buffer.byteLength(reason, 'utf8') > MAX_REASON_BYTES) {
    throw new ModerationError('bad_input', `the reason is over ${MAX_REASON_BYTES} UTF-8 bytes`)
  }
}

function decodeRecord (bytes: Uint8Array): unknown[] {
  try {
    const v = decode(bytes) as unknown
    return Array.isArray(v) ? v : []
  } catch {
    return []
  }
}

function num (v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : 0
}
