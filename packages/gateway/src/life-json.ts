import { entryId, fallbackText, type Entry } from '@kiez/feed'

/**
 * The kinds of neighbourhood life in the entry JSON of both HTTP faces (the
 * gateway's /api/v1 and the daemon's control API): which entries a feed
 * shows, and the fields each kind adds (docs/HTTP-API.md, "Kinds of post").
 * A shown kind keeps `type: "post"` and its main text in `text`, so a client
 * that knows only posts still shows it; `kind` says what it really is.
 */

/** Kinds shown in a feed as posts with more fields. */
export const LIFE_SHOWN_KINDS = [
  'offer',
  'request',
  'event',
  'lost',
  'found',
  'recommendation',
  'alert',
  'poll'
] as const
/** Kinds that answer another entry: shown only as the answer to their own authoring, counted on their target. */
export const LIFE_ANSWER_KINDS = ['vote', 'rsvp', 'done'] as const
/** Every kind `POST /posts` takes. */
export const POST_KINDS = ['post', ...LIFE_SHOWN_KINDS, ...LIFE_ANSWER_KINDS] as const
export type PostKind = typeof POST_KINDS[number]

/** How many counted votes an entry's JSON lists ("how we know"); `tally.more` says how many are left out. */
export const MAX_TALLY_VOTES_JSON = 500

/** What the entry JSON needs of @kiez/life's Noticeboard (structural: the gateway does not depend on it). */
export interface LifeView {
  tally(poll: Uint8Array): TallyView | undefined
  rsvpsOf(event: Uint8Array): { counts: { going: number, maybe: number, no: number } }
  isDone(hash: Uint8Array, author?: Uint8Array): boolean
  pinned(hash: Uint8Array): boolean
  closed(poll: Uint8Array): boolean | undefined
}

export interface TallyView {
  counts: number[]
  voters: number
  households?: number
  unclaimed?: number
  byHousehold?: Array<{ household: string, voters: number }>
  votes: Array<{ hash: Uint8Array, author: Uint8Array, timestamp: number, choices: number[], household?: string }>
  refused: { late: number, invalid: number }
}

/** A poll's tally as JSON. */
export interface TallyJson {
  counts: number[]
  voters: number
  households?: number
  unclaimed?: number
  byHousehold?: Array<{ household: string, voters: number }>
  /** the counted votes, one per author, oldest first: "how we know" (at most 500) */
  votes: Array<{ id: string, author: string, timestamp: number, choices: number[], household?: string }>
  /** counted votes not listed in `votes` */
  more?: number
  refused: { late: number, invalid: number }
}

/** The fields the kinds of neighbourhood life add to an entry's JSON. */
export interface LifeJson {
  /** the entry's kind as its header says: set for the kinds of neighbourhood life and kinds to come */
  kind?: string
  /** a kind this box does not know, shown as a post of its payload's first text (PROTOCOL.md §2) */
  unknownKind?: true
  /** offer */
  price?: string
  /** offer, request: its author marked it done ("given away", "found help") */
  done?: true
  /** event */
  title?: string
  starts?: number
  ends?: number
  place?: string
  /** an event's text (its title is `text`) */
  description?: string
  rsvps?: { going: number, maybe: number, no: number }
  /** poll (its question is `text`) */
  options?: string[]
  multiple?: boolean
  closesAt?: number
  closed?: boolean
  tally?: TallyJson
  /** alert: pinned on top of every page (24 h, 3 per author a day) */
  pinned?: boolean
  /** alert: when its 24 h are over */
  until?: number
  /** vote: the chosen option indexes (from 0) */
  choices?: number[]
  /** rsvp */
  answer?: 'going' | 'maybe' | 'no'
}

/** What lifeFields sets besides the LifeJson fields: the parts of an entry's JSON every face has. */
export interface LifeBase {
  type?: 'post' | 'vote' | 'rsvp' | 'done'
  text?: string
  target?: string
}

type LifeEntry = Pick<Entry, 'kind' | 'hash' | 'author' | 'body' | 'payload' | 'timestamp'>

/** Whether a feed shows the entry as a kind of neighbourhood life or a kind to come. */
export function isLifeShown (e: LifeEntry): boolean {
  if ((LIFE_SHOWN_KINDS as readonly string[]).includes(e.kind)) return true
  return e.body?.type === 'unknown' && e.payload !== undefined && fallbackText(e.payload) !== undefined
}

/**
 * The JSON fields of a life kind or a kind to come (none for the others);
 * `view` adds the counts, `voterName` names a tally's voters.
 */
export function lifeFields (
  e: LifeEntry,
  view?: LifeView,
  voterName: (key: Uint8Array) => string = hex
): LifeBase & LifeJson {
  const b = e.body
  // the kinds of format 2's first release keep their JSON as it was: `type` says it all
  const life = (LIFE_SHOWN_KINDS as readonly string[]).includes(e.kind) ||
    (LIFE_ANSWER_KINDS as readonly string[]).includes(e.kind)
  if (!life && b?.type !== 'unknown') return {}
  const out: LifeBase & LifeJson = { kind: e.kind }
  if ((LIFE_SHOWN_KINDS as readonly string[]).includes(e.kind)) out.type = 'post'
  if ((LIFE_ANSWER_KINDS as readonly string[]).includes(e.kind)) out.type = e.kind as 'vote' | 'rsvp' | 'done'
  if (b === undefined) return out
  switch (b.type) {
    case 'offer':
    case 'request':
      out.text = b.text
      if (b.type === 'offer' && b.price !== null) out.price = b.price
      if (view?.isDone(e.hash, e.author) === true) out.done = true
      break
    case 'lost':
    case 'found':
    case 'recommendation':
      out.text = b.text
      break
    case 'alert':
      out.text = b.text
      if (view !== undefined) out.pinned = view.pinned(e.hash)
      out.until = e.timestamp + 24 * 60 * 60 * 1000
      break
    case 'event':
      out.text = b.title
      out.title = b.title
      out.starts = b.starts
      if (b.ends !== null) out.ends = b.ends
      out.place = b.place
      if (b.text !== '') out.description = b.text
      if (view !== undefined) out.rsvps = view.rsvpsOf(e.hash).counts
      break
    case 'poll': {
      out.text = b.question
      out.options = b.options
      out.multiple = b.multiple
      out.closesAt = b.closesAt
      if (view === undefined) break
      const closed = view.closed(e.hash)
      if (closed !== undefined) out.closed = closed
      const t = view.tally(e.hash)
      if (t !== undefined) out.tally = tallyJson(t, voterName)
      break
    }
    case 'vote':
      out.target = entryId(b.poll)
      out.choices = b.choices
      break
    case 'rsvp':
      out.target = entryId(b.event)
      out.answer = b.answer
      break
    case 'done':
      out.target = entryId(b.target)
      break
    case 'unknown': {
      const text = e.payload === undefined ? undefined : fallbackText(e.payload)
      if (text !== undefined) {
        out.type = 'post'
        out.text = text
        out.unknownKind = true
      }
      break
    }
  }
  return out
}

function tallyJson (t: TallyView, voterName: (key: Uint8Array) => string): TallyJson {
  const listed = t.votes.slice(0, MAX_TALLY_VOTES_JSON)
  const out: TallyJson = {
    counts: t.counts,
    voters: t.voters,
    votes: listed.map((v) => ({
      id: entryId(v.hash),
      author: voterName(v.author),
      timestamp: v.timestamp,
      choices: v.choices,
      ...(v.household !== undefined ? { household: v.household } : {})
    })),
    refused: t.refused
  }
  if (t.households !== undefined) out.households = t.households
  if (t.unclaimed !== undefined) out.unclaimed = t.unclaimed
  if (t.byHousehold !== undefined) out.byHousehold = t.byHousehold
  if (t.votes.length > listed.length) out.more = t.votes.length - listed.length
  return out
}

const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex')

/** JSON schema of the LifeJson fields, for both faces' entry schemas. */
export const lifeEntryProps = {
  kind: { type: 'string' },
  unknownKind: { type: 'boolean' },
  price: { type: 'string' },
  done: { type: 'boolean' },
  title: { type: 'string' },
  starts: { type: 'integer' },
  ends: { type: 'integer' },
  place: { type: 'string' },
  description: { type: 'string' },
  rsvps: {
    type: 'object',
    required: ['going', 'maybe', 'no'],
    properties: { going: { type: 'integer' }, maybe: { type: 'integer' }, no: { type: 'integer' } }
  },
  options: { type: 'array', items: { type: 'string' } },
  multiple: { type: 'boolean' },
  closesAt: { type: 'integer' },
  closed: { type: 'boolean' },
  tally: {
    type: 'object',
    required: ['counts', 'voters', 'votes', 'refused'],
    properties: {
      counts: { type: 'array', items: { type: 'integer' } },
      voters: { type: 'integer' },
      households: { type: 'integer' },
      unclaimed: { type: 'integer' },
      byHousehold: {
        type: 'array',
        items: {
          type: 'object',
          required: ['household', 'voters'],
          properties: { household: { type: 'string' }, voters: { type: 'integer' } }
        }
      },
      votes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'author', 'timestamp', 'choices'],
          properties: {
            id: { type: 'string' },
            author: { type: 'string' },
            timestamp: { type: 'integer' },
            choices: { type: 'array', items: { type: 'integer' } },
            household: { type: 'string' }
          }
        }
      },
      more: { type: 'integer' },
      refused: {
        type: 'object',
        required: ['late', 'invalid'],
        properties: { late: { type: 'integer' }, invalid: { type: 'integer' } }
      }
    }
  },
  pinned: { type: 'boolean' },
  until: { type: 'integer' },
  choices: { type: 'array', items: { type: 'integer' } },
  answer: { type: 'string', enum: ['going', 'maybe', 'no'] }
} as const

/** The fields `POST /posts` takes besides `text` and `replyTo` (both faces). */
export const lifePostProps = {
  kind: { type: 'string', enum: POST_KINDS },
  price: { type: 'string', minLength: 1 },
  starts: { type: 'integer', minimum: 0 },
  ends: { type: 'integer', minimum: 0 },
  place: { type: 'string', minLength: 1 },
  description: { type: 'string' },
  options: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 64 },
  multiple: { type: 'boolean' },
  closesAt: { type: 'integer', minimum: 0 },
  target: { type: 'string', minLength: 1, maxLength: 100 },
  // option indexes from 0, or the options' texts (resolved against the poll)
  choices: {
    type: 'array',
    minItems: 1,
    maxItems: 64,
    items: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1 }] }
  },
  answer: { type: 'string', enum: ['going', 'maybe', 'no'] }
} as const

/** A post request of any kind (both faces). */
export interface PostKindRequest {
  text?: string
  replyTo?: string
  kind?: PostKind
  price?: string
  starts?: number
  ends?: number
  place?: string
  description?: string
  options?: string[]
  multiple?: boolean
  closesAt?: number
  target?: string
  choices?: Array<number | string>
  answer?: 'going' | 'maybe' | 'no'
  /** a post's or reply's images: blobs uploaded first (POST /api/v1/blobs), 1..4 */
  images?: Array<{ cid: string, alt?: string, thumb?: string }>
}

/** What a `?kind=` page reads at most (entries, store pages) before it answers with what it found and `next`. */
export const MAX_KIND_SCAN = 5000
export const MAX_KIND_PAGES = 20

/**
 * A feed page of one kind: reads timeline pages from `before`, each as large
 * as what is still missing (so a page ends where the store's cursor does),
 * until `limit` entries pass `keep`, or MAX_KIND_SCAN entries or
 * MAX_KIND_PAGES pages were read. A sparse kind may come out short: `next`
 * pages on from where it stopped.
 */
export async function kindPage<E> (
  timeline: (q: { limit: number, before?: string }) => Promise<{ entries: E[], next?: string }>,
  query: { limit: number, before?: string },
  keep: (e: E) => boolean
): Promise<{ entries: E[], next?: string }> {
  const out: E[] = []
  let before = query.before
  let read = 0
  for (let pages = 0; pages < MAX_KIND_PAGES && read < MAX_KIND_SCAN; pages++) {
    const limit = query.limit - out.length
    const page = await timeline(before !== undefined ? { limit, before } : { limit })
    read += page.entries.length
    for (const e of page.entries) if (keep(e)) out.push(e)
    before = page.next
    if (before === undefined || out.length >= query.limit) break
  }
  return before === undefined ? { entries: out } : { entries: out, next: before }
}
