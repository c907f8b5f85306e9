import type {
  Entry,
  FeedPage,
  Hidden,
  Household,
  Member,
  Peer,
  PeerSync,
  Report,
  ReportPage,
  Session,
  Status
} from './types.js'
import { asMeshMap, type MeshMap } from './meshmap.js'
import { asLife, type KindPost } from './life.js'
import { asBlobRef, asImages, type BlobRef, type ImageRef } from './images/refs.js'

/**
 * `error.code` of a failed request: the gateway's (docs/HTTP-API.md; `GatewayErrorCode` in
 * @kiez/gateway) and the daemon's it passes on (`ApiErrorCode` in @kiez/daemon), written out
 * because the page imports no package (test/browser/error-codes.ts checks the list is whole);
 * `http_<status>` for an error answer without a code; ours: `network`, `bad_response`.
 */
export type ApiErrorCode =
  | 'not_found'
  | 'forbidden'
  | 'entry_not_found'
  | 'deleted'
  | 'not_deletable'
  | 'not_editable'
  | 'author_blocked'
  | 'invalid_reason'
  | 'invalid_id'
  | 'bad_cursor'
  | 'invalid_request'
  | 'bad_query'
  | 'invalid_json'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'misdirected_request'
  | 'cross_origin'
  | 'unauthorized'
  | 'rate_limited'
  | 'locked_out'
  | 'bad_pairing_code'
  | 'too_many_streams'
  | 'not_running'
  | 'internal'
  // the daemon's: its own, the feed's validation codes (a refused post), the store's, the mesh's (topology)
  | 'http_disabled'
  | 'invalid_reply_to'
  | 'bad_author'
  | 'bad_entry_id'
  | 'moderation_refused'
  | 'moderation_limit'
  // a post of a kind of neighbourhood life (docs/HTTP-API.md, "Kinds of post")
  | 'bad_kind_fields'
  | 'bad_time'
  | 'bad_options'
  | 'bad_choice'
  | 'poll_closed'
  | 'wrong_target'
  | 'bad_encoding'
  | 'non_canonical'
  | 'bad_signature'
  | 'wrong_seq'
  | 'wrong_previous'
  | 'content_too_large'
  | 'unknown_type'
  | 'malformed_content'
  | 'future_timestamp'
  | 'duplicate'
  | 'forked'
  | 'payload_mismatch'
  | 'not_open'
  | 'write_failed'
  | 'author_forked'
  | 'bad_input'
  | 'corrupt'
  | 'own_head_unknown'
  | 'not_author'
  | 'no_route'
  | 'no_reply'
  | 'bad_target'
  | 'bad_config'
  | 'not_started'
  | 'listen_failed'
  | 'identity_unreadable'
  | 'identity_permissions'
  | 'identity_wrong_type'
  // the household's members (issue 14): @kiez/members' codes and the daemon's own
  | 'member_not_found'
  | 'member_required'
  | 'not_member'
  | 'bad_name'
  | 'bad_about'
  | 'member_exists'
  | 'author_exists'
  | 'too_many_members'
  | 'bad_phrase'
  | 'bad_checksum'
  | 'key_permissions'
  | 'io_failed'
  | 'session_not_found'
  // private messages (issue 15): @kiez/messages' codes
  | 'bad_key'
  | 'bad_message'
  | 'message_too_large'
  | 'too_many_recipients'
  | 'unknown_recipient'
  | 'ambiguous_recipient'
  | 'no_message_key'
  // images (issue 15 §1): the daemon's blob codes
  | 'blob_empty'
  | 'blob_too_large'
  | 'blob_hash_mismatch'
  | 'unsupported_image'
  | 'bad_images'
  | 'blob_not_found'
  | 'blob_timeout'
  | 'blob_busy'
  | `http_${number}`
  | 'network'
  | 'bad_response'

/** A failed request, with the server's stable error code (or one of ours: network, bad_response). */
/**
 * A post's text and photos as POST /posts takes them: each upload by id with its alt and its
 * thumb's id (the box describes them from the blobs it holds); with photos the text may be empty.
 */
function withImages (
  text: string,
  images: ImageRef[] | undefined
): { text?: string, images?: Array<{ cid: string, alt: string, thumb?: string }> } {
  if (images === undefined || images.length === 0) return { text }
  const sent = images.map((i) => ({ cid: i.cid, alt: i.alt, ...(i.thumb !== null ? { thumb: i.thumb.cid } : {}) }))
  return text === '' ? { images: sent } : { text, images: sent }
}

export class ApiError extends Error {
  constructor (readonly code: ApiErrorCode, message: string, readonly status = 0, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ApiError'
  }
}

export interface ApiInit {
  /**
   * The API root; same origin, so the session cookie and CSP connect-src 'self' apply.
   *
   * @default '/api/v1'
   */
  base?: string
  /**
   * The fetch to call; injectable for tests.
   *
   * @default the browser's fetch
   */
  fetch?: typeof fetch
}

/** A thin client of the gateway's /api/v1. Every answer is shape-checked before the page uses it. */
export class Api {
  private readonly base: string
  private readonly fetchFn: typeof fetch

  constructor (init: ApiInit = {}) {
    this.base = init.base ?? '/api/v1'
    this.fetchFn = init.fetch ?? ((input, opts) => fetch(input, opts))
  }

  async status (): Promise<Status> {
    const s = await this.request('GET', '/status')
    if (!isObject(s) || typeof s.peerId !== 'string') throw badResponse('status')
    return s as unknown as Status
  }

  async peers (): Promise<Peer[]> {
    const body = await this.request('GET', '/peers')
    const list = isObject(body) && Array.isArray(body.peers) ? body.peers : []
    return list.map(asPeer).filter((p): p is Peer => p !== undefined)
  }

  /** the mesh as far as neighbours report it (cached by the gateway for 10 s) */
  async topology (): Promise<MeshMap> {
    const m = asMeshMap(await this.request('GET', '/topology'))
    if (m === undefined) throw badResponse('topology')
    return m
  }

  async feed (opts: { limit?: number, before?: string } = {}): Promise<FeedPage> {
    const q = new URLSearchParams()
    if (opts.limit !== undefined) q.set('limit', String(opts.limit))
    if (opts.before !== undefined) q.set('before', opts.before)
    const body = await this.request('GET', `/feed${q.size > 0 ? `?${q.toString()}` : ''}`)
    if (!isObject(body) || !Array.isArray(body.entries)) throw badResponse('feed')
    const entries = body.entries.map(asEntry).filter((e): e is Entry => e !== undefined)
    return typeof body.next === 'string' ? { entries, next: body.next } : { entries }
  }

  async entry (id: string): Promise<Entry> {
    const e = asEntry(await this.request('GET', `/entries/${encodeURIComponent(id)}`))
    if (e === undefined) throw badResponse('entry')
    return e
  }

  async post (text: string, replyTo?: string, images?: ImageRef[]): Promise<Entry> {
    const body = { ...withImages(text, images), ...(replyTo === undefined ? {} : { replyTo }) }
    const e = asEntry(await this.request('POST', '/posts', body))
    if (e === undefined) throw badResponse('post')
    return e
  }

  /** A post of a kind of neighbourhood life, with its fields (docs/HTTP-API.md, "Kinds of post"). */
  async postKind (body: KindPost): Promise<Entry> {
    const { images, text, ...fields } = body
    const e = asEntry(await this.request('POST', '/posts', { ...fields, ...withImages(text, images) }))
    if (e === undefined) throw badResponse('post')
    return e
  }

  /** A vote, an RSVP or a done: answers another entry; the page GETs the target again for its counts. */
  async answer (
    body: { kind: 'vote', target: string, choices: number[] } | {
      kind: 'rsvp'
      target: string
      answer: 'going' | 'maybe' | 'no'
    } | {
      kind: 'done'
      target: string
    }
  ): Promise<void> {
    await this.request('POST', '/posts', body)
  }

  /** Entries of some kinds, newest first (`?kind=`, one request per kind). */
  async feedOfKind (kind: string, limit = 50): Promise<Entry[]> {
    const body = await this.request('GET', `/feed?${new URLSearchParams({ kind, limit: String(limit) }).toString()}`)
    if (!isObject(body) || !Array.isArray(body.entries)) throw badResponse('feed')
    return body.entries.map(asEntry).filter((e): e is Entry => e !== undefined)
  }

  /** Search over everything the box holds (`GET /search`, docs/HTTP-API.md). */
  async search (q: string, opts: { kind?: string, limit?: number } = {}): Promise<Entry[]> {
    const p = new URLSearchParams({ q })
    if (opts.kind !== undefined) p.set('kind', opts.kind)
    if (opts.limit !== undefined) p.set('limit', String(opts.limit))
    const body = await this.request('GET', `/search?${p.toString()}`)
    if (!isObject(body) || !Array.isArray(body.entries)) throw badResponse('search')
    return body.entries.map(asEntry).filter((e): e is Entry => e !== undefined)
  }

  /** Deletes one of this box's own posts or replies (the answer is the delete entry, not needed here). */
  async deleteEntry (id: string): Promise<void> {
    await this.request('DELETE', `/entries/${encodeURIComponent(id)}`)
  }

  /** New text for one of this box's own posts or replies; answers the post as the feed now shows it. */
  async editEntry (id: string, text: string): Promise<Entry> {
    const e = asEntry(await this.request('PUT', `/entries/${encodeURIComponent(id)}`, { text }))
    if (e === undefined) throw badResponse('edit')
    return e
  }

  /** Reports an entry with a reason (at most 280 UTF-8 bytes); answers the report entry the box signed. */
  async report (entry: string, reason: string): Promise<Report> {
    const r = asReport(await this.request('POST', '/reports', { entry, reason }))
    if (r === undefined) throw badResponse('report')
    return r
  }

  /** The reports this box holds, newest first, paged like the feed. */
  async reports (opts: { limit?: number, before?: string } = {}): Promise<ReportPage> {
    const q = new URLSearchParams()
    if (opts.limit !== undefined) q.set('limit', String(opts.limit))
    if (opts.before !== undefined) q.set('before', opts.before)
    const body = await this.request('GET', `/reports${q.size > 0 ? `?${q.toString()}` : ''}`)
    if (!isObject(body) || !Array.isArray(body.reports)) throw badResponse('reports')
    const reports = body.reports.map(asReport).filter((r): r is Report => r !== undefined)
    return typeof body.next === 'string' ? { reports, next: body.next } : { reports }
  }

  async profile (name: string): Promise<Entry | undefined> {
    return asEntry(await this.request('POST', '/profile', { name }))
  }

  async pair (code: string): Promise<void> {
    await this.request('POST', '/pair', { code })
  }

  /** Whether this browser is paired, and as which member it posts. */
  async session (): Promise<Session> {
    const s = asSession(await this.request('GET', '/session'))
    if (s === undefined) throw badResponse('session')
    return s
  }

  /** "I am new here": a new member of the household, bound to this browser, which posts as them from now on. */
  async newMember (name: string): Promise<Member> {
    const m = asMember(await this.request('POST', '/members', { name }))
    if (m === undefined) throw badResponse('member')
    return m
  }

  /** Post as another of this browser's members. */
  async switchMember (author: string): Promise<Session> {
    const s = asSession(await this.request('POST', '/session/current', { author }))
    if (s === undefined) throw badResponse('session')
    return s
  }

  /** The current member's conversations (messages.ts checks the shape); `with`: one conversation. */
  async messages (withAuthor?: string): Promise<unknown> {
    return await this.request(
      'GET',
      `/messages${withAuthor === undefined ? '' : `?with=${encodeURIComponent(withAuthor)}`}`
    )
  }

  /** Sends a private message as the current member. */
  async sendMessage (to: string[], text: string): Promise<unknown> {
    return await this.request('POST', '/messages', { to, text })
  }

  /** Marks a conversation read; answers the conversations. */
  async markRead (withAuthor: string): Promise<unknown> {
    return await this.request('POST', '/messages/read', { with: withAuthor })
  }

  /** Hides (or shows again) an author's messages for the current member. */
  async blockMessages (author: string, blocked: boolean): Promise<unknown> {
    return await this.request('POST', '/messages/blocks', { author, blocked })
  }

  /** Uploads a prepared photo (images/prepare.ts) as a blob: its raw bytes, typed as the blob's type. */
  async uploadBlob (blob: Blob): Promise<BlobRef> {
    const b = asBlobRef(await this.request('POST', '/blobs', blob))
    if (b === undefined) throw badResponse('blob')
    return b
  }

  /** Log out this browser: its session ends on the box. */
  async logout (): Promise<void> {
    await this.request('DELETE', '/session')
  }

  private async request (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    let res: Response
    try {
      res = await this.fetchFn(this.base + path, {
        method,
        credentials: 'same-origin',
        // every write says JSON (the gateway's rule), a DELETE too, though it sends no body; a blob says its own type
        headers: method === 'GET'
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': body instanceof Blob ? body.type : 'application/json' },
        body: body === undefined ? undefined : body instanceof Blob ? body : JSON.stringify(body)
      })
    } catch (err) {
      throw new ApiError('network', `the box did not answer (${String((err as Error).message ?? err)})`)
    }
    const type = res.headers.get('content-type') ?? ''
    const json: unknown = type.includes('json') ? await res.json().catch(() => undefined) : undefined
    if (!res.ok) {
      const e = isObject(json) && isObject(json.error) ? json.error : undefined
      // the gateway serving this page sends only ApiErrorCode
      const code = typeof e?.code === 'string' ? e.code as ApiErrorCode : `http_${res.status}` as const
      const message = typeof e?.message === 'string' ? e.message : `${res.status} ${res.statusText}`
      throw new ApiError(code, message, res.status)
    }
    return json
  }
}

function badResponse (what: string): ApiError {
  return new ApiError('bad_response', `the box sent an unexpected ${what} answer`)
}

function isObject (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

const optString = (x: unknown): string | undefined => typeof x === 'string' ? x : undefined
const optNumber = (x: unknown): number | undefined => typeof x === 'number' && Number.isFinite(x) ? x : undefined

/** An entry from the network, or undefined if it lacks what the page needs. */
export function asEntry (x: unknown): Entry | undefined {
  if (!isObject(x)) return undefined
  const { id, author, seq, timestamp, type } = x
  if (typeof id !== 'string' || typeof author !== 'string' || typeof type !== 'string') return undefined
  if (typeof seq !== 'number' || typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return undefined
  const e: Entry = { id, author, seq, timestamp, type, ...asLife(x) }
  const authorName = optString(x.authorName)
  if (authorName !== undefined) e.authorName = authorName
  const text = optString(x.text)
  if (text !== undefined) e.text = text
  const name = optString(x.name)
  if (name !== undefined) e.name = name
  const replyTo = optString(x.replyTo)
  if (replyTo !== undefined) e.replyTo = replyTo
  if (x.edited === true) e.edited = true
  if (x.payloadMissing === true) e.payloadMissing = true
  const images = asImages(x.images)
  if (images !== undefined) e.images = images
  const hidden = asHidden(x.hidden)
  if (hidden !== undefined) e.hidden = hidden
  if (typeof x.authorKey === 'string' && /^[0-9a-f]{64}$/.test(x.authorKey)) e.authorKey = x.authorKey
  const household = asHousehold(x.household)
  if (household !== undefined) e.household = household
  else if (x.unclaimed === true) e.unclaimed = true
  return e
}

function asHousehold (x: unknown): Household | undefined {
  if (!isObject(x) || typeof x.id !== 'string' || typeof x.name !== 'string') return undefined
  const seenBy = optNumber(x.seenBy)
  return { id: x.id, name: x.name, seenBy: seenBy !== undefined && seenBy >= 0 ? Math.floor(seenBy) : 0 }
}

export function asMember (x: unknown): Member | undefined {
  if (!isObject(x) || typeof x.name !== 'string' || typeof x.author !== 'string') return undefined
  return { name: x.name, author: x.author, authorKey: optString(x.authorKey) ?? '' }
}

export function asSession (x: unknown): Session | undefined {
  if (!isObject(x) || typeof x.paired !== 'boolean') return undefined
  const s: Session = { paired: x.paired }
  if (Array.isArray(x.members)) s.members = x.members.map(asMember).filter((m): m is Member => m !== undefined)
  if (typeof x.current === 'string' && s.members?.some((m) => m.author === x.current) === true) s.current = x.current
  if (x.firstMember === true) s.firstMember = true
  return s
}

/** Which list hides an entry; a `hidden` without the list's author is still hidden, by an unnamed list. */
function asHidden (x: unknown): Hidden | undefined {
  if (x === undefined) return undefined
  if (!isObject(x)) return { by: '', entry: '', reason: '' }
  const h: Hidden = { by: optString(x.by) ?? '', entry: optString(x.entry) ?? '', reason: optString(x.reason) ?? '' }
  const byName = optString(x.byName)
  if (byName !== undefined) h.byName = byName
  return h
}

/** A report from the network, or undefined if it lacks what the page needs. */
export function asReport (x: unknown): Report | undefined {
  if (!isObject(x)) return undefined
  const { id, author, seq, timestamp, target, reason } = x
  if (typeof id !== 'string' || typeof author !== 'string' || typeof target !== 'string') return undefined
  if (typeof seq !== 'number' || typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return undefined
  const r: Report = { id, author, seq, timestamp, target, reason: typeof reason === 'string' ? reason : '' }
  const authorName = optString(x.authorName)
  if (authorName !== undefined) r.authorName = authorName
  return r
}

export function asPeer (x: unknown): Peer | undefined {
  if (!isObject(x) || typeof x.peerId !== 'string') return undefined
  const p: Peer = {
    peerId: x.peerId,
    source: optString(x.source) ?? null,
    direction: x.direction === 'inbound' || x.direction === 'outbound' ? x.direction : null,
    connected: x.connected === true
  }
  const latencyMs = optNumber(x.latencyMs)
  if (latencyMs !== undefined) p.latencyMs = latencyMs
  const lastSeenMs = optNumber(x.lastSeenMs)
  if (lastSeenMs !== undefined) p.lastSeenMs = lastSeenMs
  const sync = asSync(isObject(x.sync) ? x.sync : x)
  if (sync !== undefined) p.sync = sync
  return p
}

/** Per-peer sync facts, from a nested `sync` object or flat on the peer. */
function asSync (x: Record<string, unknown>): PeerSync | undefined {
  const s: PeerSync = {}
  const weLack = optNumber(x.weLack)
  const theyLack = optNumber(x.theyLack)
  const lastSyncAgoMs = optNumber(x.lastSyncAgoMs)
  const headsAgeMs = optNumber(x.headsAgeMs)
  if (headsAgeMs !== undefined) s.headsAgeMs = headsAgeMs
  if (weLack !== undefined) s.weLack = weLack
  if (theyLack !== undefined) s.theyLack = theyLack
  if (lastSyncAgoMs !== undefined) s.lastSyncAgoMs = lastSyncAgoMs
  if (typeof x.syncing === 'boolean') s.syncing = x.syncing
  if (typeof x.inSync === 'boolean') s.inSync = x.inSync
  const err = optString(x.lastSyncError)
  if (err !== undefined) s.lastSyncError = err
  return Object.keys(s).length > 0 ? s : undefined
}
