import type { LifeBody } from '@kiez/feed'
import type {
  BoardLimits,
  CountedRsvp,
  CountedVote,
  HouseholdOf,
  LifeEntry,
  LifeSource,
  OpenItem,
  PinnedAlert,
  PollTally,
  RsvpCounts
} from './types.js'

/** An alert is pinned for a day, and an author gets 3 pinned alerts a day (PROTOCOL.md §2, "Neighbourhood life"). */
export const ALERT_PIN_MS = 24 * 60 * 60 * 1000
export const ALERTS_PER_AUTHOR_PER_DAY = 3

export const DEFAULT_BOARD_LIMITS: BoardLimits = {
  scanEntries: 50_000,
  items: 5_000,
  answers: 100_000,
  votesPerAuthor: 32
}

export interface NoticeboardInit {
  /**
   * The store to follow: its onEntry and onPayload from now on, and its
   * timeline at start (newest first, at most `limits.scanEntries`).
   *
   * @default none (required)
   */
  source: LifeSource
  /**
   * An author's household, for "N people in M households".
   *
   * @default none: tallies count people only
   */
  householdOf?: HouseholdOf
  /**
   * The clock, for whether a poll is closed and an alert still pinned.
   *
   * @default Date.now
   */
  now?: () => number
  /**
   * Caps on what the board tracks (docs/LIMITS.md, "Noticeboard").
   *
   * @default DEFAULT_BOARD_LIMITS
   */
  limits?: Partial<BoardLimits>
}

type Body<T extends 'poll' | 'event' | 'vote' | 'rsvp'> = Extract<LifeBody, { type: T }>

/** What the board keeps of an entry: its header fields and the part of its body it needs. */
interface Held<B> {
  hash: Uint8Array
  author: Uint8Array
  seq: number
  timestamp: number
  body: B
}

interface Text<K extends string> {
  type: K
  text: string
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Newer first: higher timestamp, then higher seq, then higher hash. A total order, so every box picks the same. */
function newer (a: { timestamp: number, seq: number, hash: Uint8Array }, b: typeof a): number {
  return b.timestamp - a.timestamp || b.seq - a.seq || Buffer.compare(b.hash, a.hash)
}

/**
 * The noticeboard of one box: tallies, RSVP counts, open offers and requests
 * and pinned alerts, from the signed entries its store holds. Every number is
 * a function of the set of entries held (and the clock, for "closed" and
 * "pinned"), never of their arrival order, so boxes holding the same entries
 * show the same numbers. Bounded by `limits`; past a cap the oldest-seen item
 * goes, and answers (votes, rsvps) beyond theirs are not tracked.
 */
export class Noticeboard {
  private readonly householdOf: HouseholdOf | undefined
  private readonly now: () => number
  readonly limits: BoardLimits
  private readonly polls = new Map<string, Held<Body<'poll'>>>()
  private readonly events = new Map<string, Held<Body<'event'>>>()
  private readonly items = new Map<string, Held<Text<'offer' | 'request'>>>()
  private readonly alerts = new Map<string, Held<Text<'alert'>>>()
  /** done entries by target: the authors who said so (only the target's own author counts) */
  private readonly dones = new Map<string, Set<string>>()
  /** poll → author → their votes (newest first, at most votesPerAuthor) */
  private readonly votes = new Map<string, Map<string, Array<Held<Body<'vote'>>>>>()
  /** event → author → their newest rsvp */
  private readonly rsvps = new Map<string, Map<string, Held<Body<'rsvp'>>>>()
  private answers = 0
  private untracked = 0
  private readonly unsubscribe: Array<() => void> = []
  private stopped = false

  constructor (init: Omit<NoticeboardInit, 'source'> = {}) {
    this.householdOf = init.householdOf
    this.now = init.now ?? Date.now
    this.limits = { ...DEFAULT_BOARD_LIMITS, ...init.limits }
  }

  /** A board following `source`: subscribed first, then the store's newest entries read, so none is missed. */
  static async open (init: NoticeboardInit): Promise<Noticeboard> {
    const board = new Noticeboard(init)
    await board.follow(init.source)
    return board
  }

  /**
   * Follows `source`: subscribes at once, then reads its newest entries
   * (resolves when read). The numbers are right for what is read so far, so a
   * caller may serve them while the scan runs (the daemon does, not to delay
   * its start on a full store). Stops reading when closed.
   */
  async follow (source: LifeSource): Promise<void> {
    const add = (e: LifeEntry): void => {
      this.add(e)
    }
    this.stopped = false
    this.unsubscribe.push(source.onEntry(add), source.onPayload(add))
    let before: string | undefined
    let read = 0
    while (read < this.limits.scanEntries && !this.stopped) {
      const limit = Math.min(500, this.limits.scanEntries - read)
      const page = await source.timeline(before === undefined ? { limit } : { limit, before })
      if (this.stopped) return
      for (const e of page.entries) this.add(e)
      read += page.entries.length
      if (page.next === undefined) break
      before = page.next
    }
  }

  /** Stops following; a scan in progress ends at its next page. */
  close (): void {
    this.stopped = true
    for (const u of this.unsubscribe.splice(0)) u()
  }

  /** Takes one entry into account; idempotent, any order. Entries without a body (payload not held) are skipped. */
  add (e: LifeEntry): void {
    const body = e.body
    if (body === undefined || e.fate?.reason === 'deleted') return
    const held = { hash: e.hash, author: e.author, seq: e.seq, timestamp: e.timestamp }
    switch (body.type) {
      case 'poll':
        this.keep(this.polls, { ...held, body })
        return
      case 'event':
        this.keep(this.events, { ...held, body })
        return
      case 'offer':
      case 'request':
        this.keep(this.items, { ...held, body: { type: body.type, text: body.text } })
        return
      case 'alert':
        this.pruneAlerts()
        if (e.timestamp + 2 * ALERT_PIN_MS > this.now()) {
          this.keep(this.alerts, { ...held, body: { type: 'alert', text: body.text } })
        }
        return
      case 'done': {
        const key = hex(body.target)
        const by = this.dones.get(key) ?? new Set<string>()
        // anyone may say "done" of anything; only the target's author is believed, so a few names are plenty
        if (by.size < 4) by.add(hex(e.author))
        this.dones.set(key, by)
        this.trim(this.dones)
        return
      }
      case 'vote':
        this.addVote({ ...held, body })
        return
      case 'rsvp':
        this.addRsvp({ ...held, body })
        return
      case 'delete':
        this.forget(body.target, e.author)
    }
  }

  private keep<B> (map: Map<string, Held<B>>, h: Held<B>): void {
    map.set(hex(h.hash), h)
    this.trim(map)
  }

  private trim (map: Map<string, unknown>): void {
    while (map.size > this.limits.items) {
      const first = map.keys().next()
      if (first.done === true) return
      map.delete(first.value)
    }
  }

  private addVote (v: Held<Body<'vote'>>): void {
    const poll = hex(v.body.poll)
    const byAuthor = this.votes.get(poll) ?? new Map<string, Array<Held<Body<'vote'>>>>()
    const author = hex(v.author)
    const mine = byAuthor.get(author) ?? []
    if (mine.some((m) => Buffer.compare(m.hash, v.hash) === 0)) return
    if (this.answers >= this.limits.answers) {
      this.untracked++
      return
    }
    mine.push(v)
    mine.sort(newer)
    this.answers++
    // an author changing their mind 33 times: the oldest pending vote goes
    if (mine.length > this.limits.votesPerAuthor) {
      mine.pop()
      this.answers--
    }
    byAuthor.set(author, mine)
    this.votes.set(poll, byAuthor)
  }

  private addRsvp (r: Held<Body<'rsvp'>>): void {
    const event = hex(r.body.event)
    const byAuthor = this.rsvps.get(event) ?? new Map<string, Held<Body<'rsvp'>>>()
    const author = hex(r.author)
    const old = byAuthor.get(author)
    if (old !== undefined) {
      if (newer(r, old) < 0) byAuthor.set(author, r)
      return
    }
    if (this.answers >= this.limits.answers) {
      this.untracked++
      return
    }
    this.answers++
    byAuthor.set(author, r)
    this.rsvps.set(event, byAuthor)
  }

  /** A delete by the target's author takes the target out of every list and tally. */
  private forget (target: Uint8Array, author: Uint8Array): void {
    const key = hex(target)
    const own = (h: { author: Uint8Array } | undefined): boolean =>
      h !== undefined && Buffer.compare(h.author, author) === 0
    if (own(this.polls.get(key))) this.polls.delete(key)
    if (own(this.events.get(key))) this.events.delete(key)
    if (own(this.items.get(key))) this.items.delete(key)
    if (own(this.alerts.get(key))) this.alerts.delete(key)
    // a withdrawn vote or rsvp: find it by hash among the author's
    const who = hex(author)
    for (const byAuthor of this.votes.values()) {
      const mine = byAuthor.get(who)
      const i = mine?.findIndex((v) => Buffer.compare(v.hash, target) === 0) ?? -1
      if (mine !== undefined && i >= 0) {
        mine.splice(i, 1)
        this.answers--
        if (mine.length === 0) byAuthor.delete(who)
        return
      }
    }
    for (const byAuthor of this.rsvps.values()) {
      const r = byAuthor.get(who)
      if (r !== undefined && Buffer.compare(r.hash, target) === 0) {
        byAuthor.delete(who)
        this.answers--
        return
      }
    }
  }

  private pruneAlerts (): void {
    const horizon = this.now() - 2 * ALERT_PIN_MS
    for (const [k, a] of this.alerts) if (a.timestamp <= horizon) this.alerts.delete(k)
  }

  /** The tally of the poll with this hash, or undefined when the poll is not held. */
  tally (pollHash: Uint8Array): PollTally | undefined {
    const poll = this.polls.get(hex(pollHash))
    if (poll === undefined) return undefined
    const { question, options, multiple, closesAt } = poll.body
    const counts = options.map(() => 0)
    const counted: CountedVote[] = []
    const refused = { late: 0, invalid: 0 }
    for (const mine of this.votes.get(hex(pollHash))?.values() ?? []) {
      let vote: Held<Body<'vote'>> | undefined
      for (const v of mine) {
        if (v.timestamp > closesAt) refused.late++
        else if (vote === undefined) vote = v // newest first: the first in time is the one that counts
      }
      if (vote === undefined) continue
      const choices = vote.body.choices
      // the newest vote is the author's word; one naming an option the poll lacks counts for nothing
      if (choices.some((c) => c >= options.length) || (!multiple && choices.length !== 1)) {
        refused.invalid++
        continue
      }
      for (const c of choices) counts[c] = (counts[c] as number) + 1
      const household = this.householdOf?.(vote.author)
      counted.push({
        hash: vote.hash,
        author: vote.author,
        seq: vote.seq,
        timestamp: vote.timestamp,
        choices: [...choices],
        ...(household !== undefined ? { household } : {})
      })
    }
    counted.sort((a, b) => -newer(a, b))
    const out: PollTally = {
      poll: poll.hash,
      question,
      options: [...options],
      multiple,
      closesAt,
      counts,
      voters: counted.length,
      votes: counted,
      refused
    }
    if (this.householdOf !== undefined) {
      const per = new Map<string, number>()
      let unclaimed = 0
      for (const v of counted) {
        if (v.household === undefined) unclaimed++
        else per.set(v.household, (per.get(v.household) ?? 0) + 1)
      }
      out.households = per.size
      out.unclaimed = unclaimed
      out.byHousehold = [...per].map(([household, voters]) => ({ household, voters }))
        .sort((a, b) => b.voters - a.voters || (a.household < b.household ? -1 : 1))
    }
    return out
  }

  /** Whether the poll with this hash is held and closed by the board's clock. */
  closed (pollHash: Uint8Array): boolean | undefined {
    const poll = this.polls.get(hex(pollHash))
    return poll === undefined ? undefined : this.now() > poll.body.closesAt
  }

  /** Each author's newest answer to the event with this hash, and the counts. */
  rsvpsOf (eventHash: Uint8Array): { counts: RsvpCounts, answers: CountedRsvp[] } {
    const counts: RsvpCounts = { going: 0, maybe: 0, no: 0 }
    const answers: CountedRsvp[] = []
    for (const r of this.rsvps.get(hex(eventHash))?.values() ?? []) {
      counts[r.body.answer]++
      answers.push({ hash: r.hash, author: r.author, timestamp: r.timestamp, answer: r.body.answer })
    }
    answers.sort((a, b) => a.timestamp - b.timestamp || Buffer.compare(a.hash, b.hash))
    return { counts, answers }
  }

  /** Whether the offer or request with this hash was marked done by its own author. */
  isDone (hash: Uint8Array, author?: Uint8Array): boolean {
    const by = this.dones.get(hex(hash))
    if (by === undefined) return false
    const own = author ?? this.items.get(hex(hash))?.author
    return own !== undefined && by.has(hex(own))
  }

  /** Offers and requests not done, newest first. */
  open (opts: { kind?: 'offer' | 'request', limit?: number } = {}): OpenItem[] {
    const limit = Math.max(1, Math.min(opts.limit ?? 100, 1000))
    return [...this.items.values()]
      .filter((i) => (opts.kind === undefined || i.body.type === opts.kind) && !this.isDone(i.hash, i.author))
      .sort(newer)
      .slice(0, limit)
      .map((i) => ({ hash: i.hash, author: i.author, timestamp: i.timestamp, kind: i.body.type, text: i.body.text }))
  }

  /**
   * Whether the alert with this hash is pinned: fewer than 3 alerts of its
   * author in the 24 h before it (by timestamp, ties by hash), and its 24 h
   * not over by the board's clock.
   */
  pinned (hash: Uint8Array): boolean {
    const a = this.alerts.get(hex(hash))
    return a !== undefined && this.withinQuota(a) && this.now() < a.timestamp + ALERT_PIN_MS
  }

  private withinQuota (a: Held<Text<'alert'>>): boolean {
    let before = 0
    for (const o of this.alerts.values()) {
      if (Buffer.compare(o.author, a.author) !== 0 || o === a) continue
      const earlier = o.timestamp < a.timestamp || (o.timestamp === a.timestamp && Buffer.compare(o.hash, a.hash) < 0)
      if (earlier && o.timestamp > a.timestamp - ALERT_PIN_MS) before++
    }
    return before < ALERTS_PER_AUTHOR_PER_DAY
  }

  /** The pinned alerts, newest first. */
  pinnedAlerts (): PinnedAlert[] {
    return [...this.alerts.values()]
      .filter((a) => this.pinned(a.hash))
      .sort(newer)
      .map((a) => ({
        hash: a.hash,
        author: a.author,
        timestamp: a.timestamp,
        text: a.body.text,
        until: a.timestamp + ALERT_PIN_MS
      }))
  }

  stats (): { polls: number, events: number, items: number, alerts: number, answers: number, untracked: number } {
    return {
      polls: this.polls.size,
      events: this.events.size,
      items: this.items.size,
      alerts: this.alerts.size,
      answers: this.answers,
      untracked: this.untracked
    }
  }
}
