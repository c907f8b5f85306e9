import type { Entry, RsvpAnswer } from '@kiez/feed'

/**
 * The household an author belongs to, as this box sees it (a household id of
 * the caller's choosing, e.g. the box key in hex), or undefined when none
 * claims them. Passed in: @kiez/life knows nothing of households.
 */
export type HouseholdOf = (author: Uint8Array) => string | undefined

/** An entry as the store hands it out: the header, and the payload's body when held. */
export type LifeEntry = Pick<Entry, 'author' | 'seq' | 'timestamp' | 'kind' | 'hash'> & {
  readonly body?: Entry['body']
  /** set by the store when the payload is gone for good (a delete) */
  readonly fate?: { readonly reason: string }
}

/** The part of @kiez/store's FeedStore the board follows (structural, so tests can pass a fake). */
export interface LifeSource {
  onEntry(fn: (e: LifeEntry) => void): () => void
  onPayload(fn: (e: LifeEntry) => void): () => void
  /** newest first, paged */
  timeline(opts: { limit?: number, before?: string }): Promise<{ entries: LifeEntry[], next?: string }>
}

/** One vote the tally counted: the evidence ("how we know"). */
export interface CountedVote {
  /** the vote entry's hash */
  hash: Uint8Array
  author: Uint8Array
  seq: number
  timestamp: number
  choices: number[]
  /** the voter's household, when a lookup was passed and knows one */
  household?: string
}

export interface PollTally {
  /** the poll entry's hash */
  poll: Uint8Array
  question: string
  options: string[]
  multiple: boolean
  closesAt: number
  /** votes per option, in the poll's order */
  counts: number[]
  /** people: distinct author keys whose vote counted */
  voters: number
  /** distinct households among the voters (a lookup was passed); voters no household claims count in `unclaimed` */
  households?: number
  unclaimed?: number
  /** voters per household, most first (ties by id): a household with 20 keys stands out */
  byHousehold?: Array<{ household: string, voters: number }>
  /** the counted votes, one per author, oldest first */
  votes: CountedVote[]
  /** votes held but not counted: timestamped after closesAt, or naming an option the poll lacks / two in a single-choice poll */
  refused: { late: number, invalid: number }
}

export interface RsvpCounts {
  going: number
  maybe: number
  no: number
}

/** An author's newest answer to an event. */
export interface CountedRsvp {
  hash: Uint8Array
  author: Uint8Array
  timestamp: number
  answer: RsvpAnswer
}

export interface OpenItem {
  hash: Uint8Array
  author: Uint8Array
  timestamp: number
  kind: 'offer' | 'request'
  text: string
}

export interface PinnedAlert {
  hash: Uint8Array
  author: Uint8Array
  timestamp: number
  text: string
  /** when it stops being pinned: timestamp + 24 h */
  until: number
}

/** The caps of a board (docs/LIMITS.md, "Noticeboard"). */
export interface BoardLimits {
  /** most entries read from the store at start, newest first */
  scanEntries: number
  /** most polls, events, offers/requests and alerts each tracked; the oldest-seen goes first */
  items: number
  /** most vote or rsvp entries tracked in all */
  answers: number
  /** most votes kept per author and poll (a poll not held yet cannot pick the one that counts) */
  votesPerAuthor: number
}
