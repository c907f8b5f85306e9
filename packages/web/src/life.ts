/**
 * The kinds of neighbourhood life as the page reads them from an entry's
 * JSON (docs/HTTP-API.md, "Kinds of post"), shape-checked like the rest:
 * a field of the wrong shape is left out, never trusted.
 */

import type { ImageRef } from './images/refs.js'

export const SHOWN_KINDS = ['offer', 'request', 'event', 'lost', 'found', 'recommendation', 'alert', 'poll'] as const
export type ShownKind = typeof SHOWN_KINDS[number]
/** What the compose box writes: a plain post or one of the kinds. */
export type ComposeKind = 'post' | ShownKind

export interface Tally {
  counts: number[]
  voters: number
  households?: number
  unclaimed?: number
  /** "how we know": the counted votes, oldest first */
  votes: Array<{ id: string, author: string, timestamp: number, choices: number[], household?: string }>
  more?: number
  refused: { late: number, invalid: number }
}

export interface LifeFields {
  kind?: string
  price?: string
  done?: true
  starts?: number
  ends?: number
  place?: string
  description?: string
  rsvps?: { going: number, maybe: number, no: number }
  options?: string[]
  multiple?: boolean
  closesAt?: number
  closed?: boolean
  tally?: Tally
  pinned?: boolean
  until?: number
}

/** What `POST /posts` takes for a kind (the page's side of lifePostProps). */
export interface KindPost {
  kind: ComposeKind
  text: string
  price?: string
  starts?: number
  ends?: number
  place?: string
  description?: string
  options?: string[]
  multiple?: boolean
  closesAt?: number
  /** photos uploaded first (POST /api/v1/blobs) */
  images?: ImageRef[]
}

export const MAX_POLL_OPTIONS = 10
export const MIN_POLL_OPTIONS = 2

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
const num = (x: unknown): number | undefined => typeof x === 'number' && Number.isFinite(x) ? x : undefined
const count = (x: unknown): number => {
  const n = num(x)
  return n !== undefined && n >= 0 ? Math.floor(n) : 0
}
const ints = (x: unknown): number[] | undefined =>
  Array.isArray(x) && x.length <= 64 && x.every((n) => Number.isInteger(n) && (n as number) >= 0)
    ? x as number[]
    : undefined

/** The life fields of an entry's JSON, each checked; the kinds of a later version come in as `kind` alone. */
export function asLife (x: Record<string, unknown>): LifeFields {
  const out: LifeFields = {}
  if (typeof x.kind === 'string' && /^[a-z][a-z0-9_-]{0,31}$/.test(x.kind)) out.kind = x.kind
  if (typeof x.price === 'string') out.price = x.price
  if (x.done === true) out.done = true
  const starts = num(x.starts)
  if (starts !== undefined) out.starts = starts
  const ends = num(x.ends)
  if (ends !== undefined) out.ends = ends
  if (typeof x.place === 'string') out.place = x.place
  if (typeof x.description === 'string') out.description = x.description
  if (isObject(x.rsvps)) out.rsvps = { going: count(x.rsvps.going), maybe: count(x.rsvps.maybe), no: count(x.rsvps.no) }
  if (Array.isArray(x.options) && x.options.length <= 64 && x.options.every((o) => typeof o === 'string')) {
    out.options = x.options as string[]
  }
  if (typeof x.multiple === 'boolean') out.multiple = x.multiple
  const closesAt = num(x.closesAt)
  if (closesAt !== undefined) out.closesAt = closesAt
  if (typeof x.closed === 'boolean') out.closed = x.closed
  const tally = asTally(x.tally)
  if (tally !== undefined) out.tally = tally
  if (typeof x.pinned === 'boolean') out.pinned = x.pinned
  const until = num(x.until)
  if (until !== undefined) out.until = until
  return out
}

function asTally (x: unknown): Tally | undefined {
  if (!isObject(x)) return undefined
  const counts = ints(x.counts)
  if (counts === undefined || !Array.isArray(x.votes)) return undefined
  const votes: Tally['votes'] = []
  for (const v of x.votes.slice(0, 500)) {
    if (!isObject(v) || typeof v.id !== 'string' || typeof v.author !== 'string') continue
    const choices = ints(v.choices) ?? []
    const vote: Tally['votes'][number] = { id: v.id, author: v.author, timestamp: num(v.timestamp) ?? 0, choices }
    if (typeof v.household === 'string') vote.household = v.household
    votes.push(vote)
  }
  const refused = isObject(x.refused) ? x.refused : {}
  const t: Tally = {
    counts,
    voters: count(x.voters),
    votes,
    refused: { late: count(refused.late), invalid: count(refused.invalid) }
  }
  if (num(x.households) !== undefined) t.households = count(x.households)
  if (num(x.unclaimed) !== undefined) t.unclaimed = count(x.unclaimed)
  if (num(x.more) !== undefined) t.more = count(x.more)
  return t
}

/** Which filter shows which kinds ("Offers & requests" is two). */
export const FILTERS = {
  all: undefined,
  trade: ['offer', 'request'],
  events: ['event'],
  polls: ['poll'],
  lostFound: ['lost', 'found'],
  recommendations: ['recommendation'],
  alerts: ['alert']
} as const satisfies Record<string, readonly ShownKind[] | undefined>
export type FilterName = keyof typeof FILTERS

/** Events that have not ended (or, without an end, started less than 6 h ago), soonest first. */
export function upcomingEvents<E extends { kind?: string, starts?: number, ends?: number }> (
  entries: Iterable<E>,
  now: number
): E[] {
  const out: E[] = []
  for (const e of entries) {
    if (e.kind !== 'event' || e.starts === undefined) continue
    const over = e.ends ?? e.starts + 6 * 3_600_000
    if (over >= now) out.push(e)
  }
  return out.sort((a, b) => (a.starts ?? 0) - (b.starts ?? 0))
}

/** Offers and requests not marked done, newest first. */
export function openTrades<E extends { kind?: string, done?: true, timestamp: number }> (entries: Iterable<E>): E[] {
  return [...entries].filter((e) => (e.kind === 'offer' || e.kind === 'request') && e.done !== true)
    .sort((a, b) => b.timestamp - a.timestamp)
}

/** Alerts still pinned (the box says so, and their 24 h are not over), newest first. */
export function pinnedAlerts<E extends { kind?: string, pinned?: boolean, until?: number, timestamp: number }> (
  entries: Iterable<E>,
  now: number
): E[] {
  return [...entries].filter((e) => e.kind === 'alert' && e.pinned === true && (e.until ?? Infinity) > now)
    .sort((a, b) => b.timestamp - a.timestamp)
}

/** The largest time a Date holds (ms from the epoch): past it, Date and Intl throw. */
const MAX_TIME = 8.64e15

/** Whether a time from the network can be shown (Date and Intl throw on a time out of range). */
export function showable (ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME
}

/** An ISO time for a `<time dateTime>`, or undefined for one out of range. */
export function isoOf (ms: number): string | undefined {
  return showable(ms) ? new Date(ms).toISOString() : undefined
}
