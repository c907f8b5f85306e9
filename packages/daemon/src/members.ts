import { equalBytes, signerFromSeed, type KnownBody, type Signer } from '@kiez/feed'
import { dmKeyPairFromSeed, type DmKeyPair } from '@kiez/messages'
import type { GatewayMembers } from '@kiez/gateway'
import {
  householdBody,
  heldMessage,
  type HouseholdBody,
  type Member,
  MemberError,
  MemberFeedGuard,
  memberProfileBody,
  MemberStore,
  sameHousehold,
  seedFromPhrase
} from '@kiez/members'
import type { FeedStore, StoredEntry } from '@kiez/store'
import type { Logger } from 'pino'
import type {
  MemberControlApi,
  MemberExportJson,
  MemberJson,
  MemberOverrideJson,
  MembersJson
} from './control/member-client.js'
import { authorName } from './entry-json.js'
import { ApiError } from './errors.js'
import type { DaemonNode } from './node.js'

/** How a MemberError reaches the CLI and the web page: a stable code and an HTTP status. */
const MEMBER_STATUS: Record<string, number> = {
  bad_name: 400,
  bad_about: 400,
  member_exists: 409,
  author_exists: 409,
  too_many_members: 409,
  bad_phrase: 400,
  bad_checksum: 400,
  no_such_member: 404
}

/** A MemberError as an ApiError (`no_such_member` is shown as `member_not_found`); anything else passes. */
export function memberApiError (err: unknown): unknown {
  if (!(err instanceof MemberError)) return err
  if (err.code === 'no_such_member') {
    return new ApiError(404, 'member_not_found', err.message, undefined, { cause: err })
  }
  // a key file or index the box cannot read or trust: the operator's to fix, not the caller's
  return new ApiError(MEMBER_STATUS[err.code] ?? 500, err.code, err.message, undefined, { cause: err })
}

async function mapped<T> (fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw memberApiError(err)
  }
}

/** The daemon's one local authoring path: signs `body` with `signer`, appends, synced (daemon.ts `author`). */
export type Append = (body: KnownBody, signer: Signer) => Promise<StoredEntry>

export interface BoxMembersInit {
  /** the box's data dir: the members live in its `members` folder */
  dataDir: string
  /** the box's own key: signs the household, and is never a member */
  box: Signer
  /** the box's peer id, for the default display name */
  peerId: () => string
  logger: Logger
  now?: () => number
}

/** How many of the box's newest entries are read at start for its latest profile and household. */
const SCAN_BOX_ENTRIES = 5_000

/**
 * The household's people on this box (issue 14): the member keys
 * (@kiez/members' MemberStore), the per-member self-fork guard, who signs a
 * local entry (`as`), and the entries the box publishes when members change:
 * its `household` (box key, only when it differs from the last) and each new
 * or renamed member's `profile` (member key) naming the box. Opened in two
 * steps because the store opens after the keys: `open` before the feed store
 * (the storage budgets exempt the members), `attach` after it.
 */
export class BoxMembers implements MemberControlApi {
  private guard: MemberFeedGuard | undefined
  private store: FeedStore | undefined
  private append: Append | undefined
  private readonly listeners = new Set<() => void>()
  /** the box's latest household and profile name, as far as its own feed says */
  private lastHousehold: HouseholdBody | undefined
  private boxProfileName: string | undefined
  /** the household could not be published (the box's own guard held it): tried again by the watch */
  private householdPending = false
  /** the last attempt failed: the next failure is not logged again */
  private householdFailed = false
  private publishing: Promise<void> = Promise.resolve()
  private readonly now: () => number
  private unlisten: (() => void) | undefined
  private memberKeys = new Set<string>()

  private constructor (readonly keys: MemberStore, private readonly init: BoxMembersInit) {
    this.now = init.now ?? Date.now
  }

  static async open (init: BoxMembersInit): Promise<BoxMembers> {
    const keys = await MemberStore.open({
      dataDir: init.dataDir,
      boxAuthor: init.box.publicKey,
      ...(init.now !== undefined ? { now: init.now } : {})
    })
    const members = new BoxMembers(keys, init)
    members.refreshKeys()
    return members
  }

  /** Before the store closes. */
  async close (): Promise<void> {
    this.unlisten?.()
    await this.publishing
  }

  /**
   * Whether `author` is one of this box's members: the storage budgets never
   * evict them, no block applies to them. Asked on the ingest path: one hex and a set lookup.
   */
  isMember (author: Uint8Array): boolean {
    return this.memberKeys.size > 0 && this.memberKeys.has(hexOf(author))
  }

  private refreshKeys (): void {
    this.memberKeys = new Set(this.keys.list().map((m) => hexOf(m.author)))
  }

  /** After the feed store opened: the guards, and what the box last published. */
  async attach (store: FeedStore, append: Append): Promise<void> {
    this.store = store
    this.append = append
    this.guard = await MemberFeedGuard.open(store, {
      members: this.keys.list(),
      ...(this.init.now !== undefined ? { now: this.init.now } : {})
    })
    for (const m of this.keys.list()) {
      if (this.guard.isArmed(m.author)) this.init.logger.warn({ member: m.name }, heldMessage(m.name))
    }
    await this.scanBoxFeed(store)
    // checked at every start (a change a crash cut short), by the watch once the node runs
    this.householdPending = true
  }

  /** Reads the box's own newest entries (bounded) for its latest household and profile name. */
  private async scanBoxFeed (store: FeedStore): Promise<void> {
    const box = this.init.box.publicKey
    const head = store.head(box)?.seq ?? 0
    for (let at = Math.max(1, head - SCAN_BOX_ENTRIES + 1); at <= head;) {
      const page = await store.range(box, at, head, { maxEntries: 500 })
      if (page.length === 0) break
      for (const e of page) this.noteBoxEntry(e)
      at = (page[page.length - 1]?.seq ?? head) + 1
    }
    // the box's later profiles and households (from the web page, or this class) keep both current
    this.unlisten = store.onEntry((e) => {
      if (equalBytes(e.author, box)) this.noteBoxEntry(e)
    })
  }

  private noteBoxEntry (e: StoredEntry): void {
    if (e.body?.type === 'profile') this.boxProfileName = e.body.name
    else if (e.body?.type === 'household') this.lastHousehold = e.body
  }

  /** The box's display name: its latest profile's name, or "Kiez box" and the end of its peer id. */
  boxName (): string {
    return this.boxProfileName ?? `Kiez box ${this.init.peerId().slice(-6)}`
  }

  // ---- who signs ---------------------------------------------------------

  /** The web page's `as`: a member's author key, or the box when absent. 403 not_member for another key. */
  async signerFor (as: Uint8Array | undefined): Promise<Signer> {
    if (as === undefined) return this.init.box
    const m = this.keys.byAuthor(as)
    if (m === undefined) throw new ApiError(403, 'not_member', 'that author is no member of this box')
    return await mapped(async () => await this.keys.signer(m.name))
  }

  /**
   * The CLI's `--as NAME`: that member; without it, the box when it has no
   * members, its one member when it has one, and `member_required` otherwise.
   */
  async signerNamed (name: string | undefined): Promise<Signer> {
    if (name !== undefined) return await mapped(async () => await this.keys.signer(name))
    const all = this.keys.list()
    if (all.length === 0) return this.init.box
    if (all.length === 1) return await mapped(async () => await this.keys.signer((all[0] as Member).name))
    throw new ApiError(
      400,
      'member_required',
      `this box has ${all.length} members: say who writes with --as NAME (${all.map((m) => m.name).join(', ')})`
    )
  }

  /** The body of a `profile` by `signer`: a member's names this box as their household, and their message key. */
  async profileBody (signer: Signer, req: { name: string, about?: string }): Promise<KnownBody> {
    if (equalBytes(signer.publicKey, this.init.box.publicKey)) {
      // the box's display name is the household's name too: republished after this profile
      return req.about === undefined ? { type: 'profile', name: req.name } : memberProfile(req, null)
    }
    return memberProfile(req, this.init.box.publicKey, await this.dmKeyOf(signer.publicKey))
  }

  /** Each member's author key, name and X25519 key pair for private messages (@kiez/messages). */
  async dmReaders (): Promise<Array<{ author: Uint8Array, name: string, keys: DmKeyPair }>> {
    const out = []
    for (const m of this.keys.list()) {
      out.push({ author: m.author, name: m.name, keys: await this.keys.derived(m.name, dmKeyPairFromSeed) })
    }
    return out
  }

  private async dmKeyOf (author: Uint8Array): Promise<Uint8Array | undefined> {
    const m = this.keys.byAuthor(author)
    return m === undefined ? undefined : (await this.keys.derived(m.name, dmKeyPairFromSeed)).publicKey
  }

  /** After any local entry: a new box profile renames the household. */
  async authored (e: StoredEntry): Promise<void> {
    if (e.body?.type === 'profile' && equalBytes(e.author, this.init.box.publicKey)) await this.publishHousehold()
  }

  // ---- the control API (kiez member …) ------------------------------------

  async list (): Promise<MembersJson> {
    return { members: this.keys.list().map((m) => this.json(m)) }
  }

  async get (name: string): Promise<MemberJson> {
    return this.json(await mapped(async () => this.keys.get(name)))
  }

  async add (name: string): Promise<MemberJson> {
    const m = await mapped(async () => await this.keys.add(name))
    await this.guardOf().adopt(m)
    this.init.logger.info({ member: m.name, author: authorName(m.author) }, 'added a member')
    await this.changed(m)
    return this.json(m)
  }

  async remove (name: string): Promise<MemberJson> {
    const m = await mapped(async () => await this.keys.remove(name))
    await this.guardOf().forget(m.author)
    this.init.logger.info({ member: m.name, author: authorName(m.author) }, 'removed a member; their key is gone')
    await this.changed()
    return this.json(m, false)
  }

  async rename (oldName: string, newName: string): Promise<MemberJson> {
    const m = await mapped(async () => await this.keys.rename(oldName, newName))
    await this.changed(m)
    return this.json(m)
  }

  async exportPhrase (name: string): Promise<MemberExportJson> {
    const m = await mapped(async () => this.keys.get(name))
    const phrase = await mapped(async () => await this.keys.exportPhrase(m.name))
    this.init.logger.warn({ member: m.name }, 'exported a member\'s recovery phrase')
    return { ...this.json(m), phrase }
  }

  /** A member who brings their key: held until their feed is learned from a neighbour, or `override`. */
  async import (name: string, phrase: string): Promise<MemberJson> {
    const guard = this.guardOf()
    const seed = await mapped(async () => seedFromPhrase(phrase))
    const author = signerFromSeed(seed).publicKey
    // held BEFORE the key becomes a member: a post in between (say `kiez post` on a box whose one
    // member this is) would sign at a seq the mesh may have, a fork. Not for a key that is a
    // member already or the box's own: the import refuses those, and their posts must go on.
    const holdFirst = this.keys.byAuthor(author) === undefined && !equalBytes(author, this.init.box.publicKey)
    if (holdFirst) await guard.arm({ author, name })
    let m: Member
    try {
      m = await this.keys.import(name, seed)
    } catch (err) {
      if (holdFirst) await guard.forget(author)
      throw memberApiError(err)
    }
    await guard.arm(m) // again, under the name as stored
    this.init.logger.warn({ member: m.name, author: authorName(m.author) }, heldMessage(m.name))
    // their profile waits for the guard: signing it now could fork their feed
    await this.changed()
    return this.json(m)
  }

  async override (name: string): Promise<MemberOverrideJson> {
    const m = await mapped(async () => this.keys.get(name))
    const released = await this.guardOf().override(m.author)
    if (released) {
      this.init.logger.warn(
        { member: m.name },
        'the operator released a held member: posting continues after the highest seq this box holds'
      )
      await this.publishProfile(m)
    }
    return { ...this.json(m), released }
  }

  /** What the gateway sees (GatewayMembers). */
  gateway (): GatewayMembers {
    return {
      list: () => this.keys.list().map((m) => ({ name: m.name, author: m.author })),
      add: async (name) => {
        const m = await this.add(name)
        return { name: m.name, author: Buffer.from(m.authorKey, 'hex') }
      },
      onChange: (fn) => {
        this.listeners.add(fn)
        return () => this.listeners.delete(fn)
      }
    }
  }

  // ---- publishing ---------------------------------------------------------

  /** After an add, remove, rename or import: the household, then the member's profile, then the listeners. */
  private async changed (member?: Member): Promise<void> {
    this.refreshKeys()
    await this.publishHousehold()
    if (member !== undefined) await this.publishProfile(member)
    for (const fn of this.listeners) {
      try {
        fn()
      } catch (err) {
        this.init.logger.warn({ err }, 'a members listener failed')
      }
    }
  }

  /** The box's household entry, when it differs from the last one (one at a time). */
  async publishHousehold (): Promise<void> {
    const run = this.publishing.then(async () => {
      const append = this.append
      if (append === undefined) return
      const members = this.keys.list()
      // a box that never had members publishes no household: its feed stays as it always was
      if (members.length === 0 && this.lastHousehold === undefined) {
        this.householdPending = false
        return
      }
      const body = householdBody(this.boxName(), members)
      if (sameHousehold(this.lastHousehold, body)) {
        this.householdPending = false
        return
      }
      try {
        const e = await append(body, this.init.box)
        this.lastHousehold = body
        this.householdPending = false
        this.init.logger.info({ seq: e.seq, members: body.members.length }, 'published the household')
      } catch (err) {
        // the box's own guard holds its posts after a store reset: tried again by the watch, said once
        if (!this.householdFailed) this.init.logger.warn({ err }, 'could not publish the household yet; trying again')
        this.householdPending = true
        this.householdFailed = true
        return
      }
      this.householdFailed = false
    })
    this.publishing = run.catch(() => {})
    await run
  }

  /**
   * A member's profile naming this box, unless their guard still holds them.
   * Their latest about is kept: a rename or a move changes the name and the household only.
   */
  private async publishProfile (m: Member): Promise<void> {
    const append = this.append
    if (append === undefined || this.guardOf().isArmed(m.author)) return
    try {
      const signer = await this.keys.signer(m.name)
      const about = await this.latestAbout(m.author)
      const dmKey = (await this.keys.derived(m.name, dmKeyPairFromSeed)).publicKey
      await append(memberProfileBody(m, { household: this.init.box.publicKey, about, dmKey }), signer)
    } catch (err) {
      this.init.logger.warn({ err, member: m.name }, 'could not publish the member\'s profile')
    }
  }

  /**
   * Publishes the profile again of each member whose newest profile has no
   * message key (made by an older version), so others can write to them.
   */
  async publishMissingDmKeys (): Promise<number> {
    const store = this.store
    if (store === undefined) return 0
    let n = 0
    for (const m of this.keys.list()) {
      const head = store.head(m.author)?.seq ?? 0
      if (head === 0 || this.guardOf().isArmed(m.author)) continue
      const page = await store.range(m.author, Math.max(1, head - 499), head, { maxEntries: 500 })
      const newest = page.findLast((e) => e.body?.type === 'profile')
      if (newest?.body?.type === 'profile' && newest.body.dmKey === undefined) {
        await this.publishProfile(m)
        n++
      }
    }
    return n
  }

  /** The about of the member's newest profile among their last 500 entries ('' if none). */
  private async latestAbout (author: Uint8Array): Promise<string> {
    const store = this.store
    const head = store?.head(author)?.seq ?? 0
    if (store === undefined || head === 0) return ''
    const page = await store.range(author, Math.max(1, head - 499), head, { maxEntries: 500 })
    for (let i = page.length - 1; i >= 0; i--) {
      const b = page[i]?.body
      if (b?.type === 'profile') return b.about ?? ''
    }
    return ''
  }

  // ---- the per-member self-fork guard's watch -----------------------------

  /**
   * While a member is held: reads what each neighbour's heads say of them,
   * and lets the guard release them once the store holds their feed that far
   * ("settled" as in own-feed-watch.ts: every connected neighbour spoke, or
   * settleMs passed since the first claim). Also retries a household the
   * box's own guard held back. Returns the stop.
   */
  watch (
    node: Pick<DaemonNode, 'replicationState' | 'onHeads'>,
    opts: { intervalMs?: number, settleMs?: number } = {}
  ): () => void {
    const guard = this.guardOf()
    const settleMs = opts.settleMs ?? 60_000
    const firstClaim = new Map<string, number>()
    let claims = Promise.resolve()
    const claim = (peer: string, heads: ReadonlyArray<{ author: string, seq: number }>): void => {
      const armed = new Set(guard.armedAuthors().map(hexOf))
      const wanted = heads.filter((h) => armed.has(h.author) && h.seq > 0)
      if (wanted.length === 0) return
      for (const h of wanted) if (!firstClaim.has(h.author)) firstClaim.set(h.author, this.now())
      claims = claims.then(async () => await guard.claimHeads(peer, wanted)).catch((err: unknown) => {
        this.init.logger.warn({ err }, 'the member guard could not record a neighbour\'s claim')
      })
    }
    const unlisten = node.onHeads?.((peer, heads) => claim(peer, heads))
    let busy = false
    const tick = async (): Promise<void> => {
      if (this.householdPending) await this.publishHousehold()
      const armed = guard.armedAuthors()
      if (armed.length === 0) return
      const info = node.replicationState?.()?.info
      const peers = info?.peers ?? []
      for (const p of [...peers, ...(info?.departed ?? [])]) claim(p.peerId, p.heads)
      await claims
      const allSpoke = peers.length > 0 && peers.every((p) => p.headsReceivedAtMs !== undefined)
      for (const author of armed) {
        const first = firstClaim.get(hexOf(author))
        const settled = allSpoke || (first !== undefined && this.now() - first >= settleMs)
        if (!await guard.check(author, settled)) continue
        const m = this.keys.byAuthor(author)
        if (m === undefined) continue
        this.init.logger.info(
          { member: m.name, seq: guard.status(author)?.ownSeq, learnedFrom: guard.status(author)?.claimedBy },
          'learned a member\'s feed from a neighbour; they post again'
        )
        await this.publishProfile(m)
      }
    }
    const timer = setInterval(() => {
      if (busy) return
      busy = true
      tick().catch((err: unknown) => {
        this.init.logger.warn({ err }, 'the member guard could not check neighbours\' heads')
      }).finally(() => {
        busy = false
      })
    }, opts.intervalMs ?? 500)
    timer.unref()
    return () => {
      clearInterval(timer)
      unlisten?.()
    }
  }

  private guardOf (): MemberFeedGuard {
    if (this.guard === undefined) throw new ApiError(503, 'not_running', 'the daemon is starting or stopping')
    return this.guard
  }

  private json (m: Member, withState = true): MemberJson {
    const out: MemberJson = {
      name: m.name,
      author: authorName(m.author),
      authorKey: hexOf(m.author),
      origin: m.origin,
      addedAt: m.addedAt
    }
    if (withState && this.guard?.isArmed(m.author) === true) out.held = true
    return out
  }
}

function memberProfile (
  req: { name: string, about?: string },
  household: Uint8Array | null,
  dmKey?: Uint8Array
): KnownBody {
  try {
    return memberProfileBody(req, {
      household,
      ...(req.about !== undefined ? { about: req.about } : {}),
      ...(dmKey !== undefined ? { dmKey } : {})
    })
  } catch (err) {
    throw memberApiError(err)
  }
}

function hexOf (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}
