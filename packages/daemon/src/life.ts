import { equalBytes, MAX_POLL_OPTIONS, MIN_POLL_OPTIONS, parseEntryId, type KnownBody } from '@kiez/feed'
import type { PostKindRequest } from '@kiez/gateway/life-json'
import type { StoredEntry } from '@kiez/store'
import { ApiError } from './errors.js'

/** A poll without --closes closes a week after it is posted. */
export const DEFAULT_POLL_DAYS = 7
const DAY = 24 * 60 * 60 * 1000

/** The fields each kind takes besides `kind` (and `text` where it has one); anything else is a mistake. */
const FIELDS: Record<string, readonly string[]> = {
  post: ['text', 'replyTo'],
  offer: ['text', 'price'],
  request: ['text'],
  lost: ['text'],
  found: ['text'],
  recommendation: ['text'],
  alert: ['text'],
  event: ['text', 'starts', 'ends', 'place', 'description'],
  poll: ['text', 'options', 'multiple', 'closesAt'],
  vote: ['target', 'choices'],
  rsvp: ['target', 'answer'],
  done: ['target']
}

export interface LifeBodyContext {
  /** the key that signs the entry */
  me: Uint8Array
  now: number
  get: (hash: Uint8Array) => Promise<StoredEntry | undefined>
}

function bad (code: 'bad_kind_fields' | 'bad_time' | 'bad_options' | 'bad_choice', message: string): ApiError {
  return new ApiError(400, code, message)
}

/**
 * The body of a post of any kind (`POST /posts`, `kiez post --kind …`,
 * `kiez vote`, `kiez rsvp`, `kiez done`): checks what the request says
 * against the kind and, for the kinds that answer another entry, against the
 * entry it answers, with typed codes. The feed then checks the bytes
 * (limits: malformed_content / content_too_large).
 */
export async function lifeBody (req: PostKindRequest, ctx: LifeBodyContext): Promise<KnownBody> {
  const kind = req.kind ?? 'post'
  const allowed = FIELDS[kind]
  if (allowed === undefined) throw bad('bad_kind_fields', `there is no kind "${kind}" to post`)
  const extra = Object.keys(req).filter((k) => k !== 'kind' && !allowed.includes(k))
  if (extra.length > 0) throw bad('bad_kind_fields', `a ${kind} takes no ${extra.join(', ')}`)
  const text = (): string => {
    if (req.text === undefined) throw bad('bad_kind_fields', `a ${kind} needs a text`)
    return req.text
  }
  switch (kind) {
    case 'post': {
      if (req.replyTo === undefined) return { type: 'post', text: text() }
      const hash = parseEntryId(req.replyTo)
      if (hash === undefined) throw new ApiError(400, 'invalid_reply_to', `replyTo "${req.replyTo}" is not an entry id`)
      return { type: 'reply', text: text(), replyTo: hash }
    }
    case 'offer':
      return { type: 'offer', text: text(), price: req.price ?? null }
    case 'request':
    case 'lost':
    case 'found':
    case 'recommendation':
    case 'alert':
      return { type: kind, text: text() }
    case 'event': {
      if (req.starts === undefined) throw bad('bad_kind_fields', 'an event needs a start time (starts)')
      if (req.place === undefined) throw bad('bad_kind_fields', 'an event needs a place')
      if (req.ends !== undefined && req.ends < req.starts) throw bad('bad_time', 'an event cannot end before it starts')
      return {
        type: 'event',
        title: text(),
        starts: req.starts,
        ends: req.ends ?? null,
        place: req.place,
        text: req.description ?? ''
      }
    }
    case 'poll': {
      const options = req.options ?? []
      if (options.length < MIN_POLL_OPTIONS || options.length > MAX_POLL_OPTIONS) {
        throw bad('bad_options', `a poll has ${MIN_POLL_OPTIONS} to ${MAX_POLL_OPTIONS} options, not ${options.length}`)
      }
      if (new Set(options).size !== options.length) throw bad('bad_options', 'a poll names each option once')
      const closesAt = req.closesAt ?? ctx.now + DEFAULT_POLL_DAYS * DAY
      if (closesAt <= ctx.now) throw bad('bad_time', 'a poll cannot close in the past')
      return { type: 'poll', question: text(), options, multiple: req.multiple ?? false, closesAt }
    }
    case 'vote': {
      const poll = await answered(req.target, ctx, 'poll')
      if (poll.body?.type !== 'poll') {
        throw new ApiError(409, 'wrong_target', 'this box does not hold that poll\'s text')
      }
      const p = poll.body
      if (ctx.now > p.closesAt) {
        throw new ApiError(409, 'poll_closed', `that poll closed at ${new Date(p.closesAt).toISOString()}`)
      }
      const choices = [...new Set((req.choices ?? []).map((c) => choiceIndex(c, p.options)))].sort((a, b) => a - b)
      if (choices.length === 0) throw bad('bad_choice', 'a vote chooses at least one option')
      if (!p.multiple && choices.length > 1) throw bad('bad_choice', 'that poll takes one choice')
      return { type: 'vote', poll: poll.hash, choices }
    }
    case 'rsvp': {
      const event = await answered(req.target, ctx, 'event')
      if (req.answer === undefined) throw bad('bad_kind_fields', 'an rsvp needs an answer: going, maybe or no')
      return { type: 'rsvp', event: event.hash, answer: req.answer }
    }
    case 'done': {
      const target = await answered(req.target, ctx, 'offer', 'request')
      if (!equalBytes(target.author, ctx.me)) {
        throw new ApiError(403, 'not_author', 'only the author of an offer or request can mark it done')
      }
      return { type: 'done', target: target.hash }
    }
  }
  throw bad('bad_kind_fields', `there is no kind "${String(kind)}" to post`)
}

/** The entry a vote, rsvp or done names: held, not deleted, of one of `kinds`. */
async function answered (id: string | undefined, ctx: LifeBodyContext, ...kinds: string[]): Promise<StoredEntry> {
  if (id === undefined) throw bad('bad_kind_fields', `name the ${kinds.join(' or ')} (target)`)
  const hash = parseEntryId(id)
  if (hash === undefined) throw new ApiError(400, 'bad_entry_id', 'that is not an entry id (bafyrei…)')
  const e = await ctx.get(hash)
  if (e === undefined) throw new ApiError(404, 'entry_not_found', 'this box holds no entry with that id')
  if (e.fate?.reason === 'deleted') throw new ApiError(410, 'deleted', 'its author deleted that entry')
  if (!kinds.includes(e.kind)) {
    throw new ApiError(409, 'wrong_target', `that is a ${e.kind}, not a ${kinds.join(' or ')}`)
  }
  return e
}

/** An option by index (from 0) or by its exact text. */
function choiceIndex (c: number | string, options: string[]): number {
  if (typeof c === 'number') {
    if (c >= options.length) throw bad('bad_choice', `that poll has options 0 to ${options.length - 1}, not ${c}`)
    return c
  }
  const i = options.indexOf(c)
  if (i < 0) throw bad('bad_choice', `that poll has no option "${c}" (it has: ${options.join(', ')})`)
  return i
}
