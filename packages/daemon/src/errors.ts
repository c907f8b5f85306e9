import type { ValidationCode } from '@kiez/feed'
import type { MemberErrorCode } from '@kiez/members'
import type { MeshErrorCode } from '@kiez/mesh'
import type { StoreErrorCode } from '@kiez/store'
import type { MessageErrorCode } from '@kiez/messages'

/**
 * Stable codes for why a daemon could not start or a request failed. The CLI
 * maps them to exit statuses, so never rename one: add new ones.
 */
export type DaemonErrorCode =
  | 'invalid_config'
  | 'data_dir_unusable'
  | 'address_in_use'
  | 'listen_failed'
  | 'already_running'
  | 'socket_path_too_long'
  | 'identity_unreadable'
  | 'psk_unreadable'
  | 'psk_exists'
  | 'store_unavailable'
  | 'node_failed'

export class DaemonError extends Error {
  readonly code: DaemonErrorCode
  constructor (code: DaemonErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DaemonError'
    this.code = code
  }
}

/** Exit status for a failed start: configuration mistakes are usage errors (2), the rest failures (1). */
export function exitCodeFor (err: unknown): number {
  return err instanceof DaemonError && err.code === 'invalid_config' ? 2 : 1
}

/** True when `err` or anything in its cause chain (or AggregateError members) matches. */
export function someCause (
  err: unknown,
  pred: (e: { code?: unknown, message?: unknown }) => boolean,
  depth = 0
): boolean {
  if (depth > 8 || err === null || typeof err !== 'object') return false
  const e = err as { code?: unknown, cause?: unknown, errors?: unknown, message?: unknown }
  if (pred(e)) return true
  if (Array.isArray(e.errors) && e.errors.some((x) => someCause(x, pred, depth + 1))) return true
  return someCause(e.cause, pred, depth + 1)
}

/** A Node system error code (EADDRINUSE…) anywhere in the chain; libp2p folds some into messages. */
export function hasSystemCode (err: unknown, code: string): boolean {
  return someCause(err, (e) => e.code === code || (typeof e.message === 'string' && e.message.includes(code)))
}

/**
 * Codes of the control API's own failures (docs/CLI.md); the gateway passes
 * them on too (docs/HTTP-API.md). Shown in `--json`: never rename one.
 */
export type ApiErrorCode =
  | 'not_running' // the daemon is starting or stopping
  | 'bad_query' // a search without a word, or too long (@kiez/search)
  | 'invalid_request' // a request the schema let through but that asks two things at once (`box` and `as`)
  | 'http_disabled' // pairing under --no-http
  | 'session_not_found' // `pair --revoke ID`: no paired browser with that id
  | 'bad_cursor' // a feed cursor this box did not issue
  | 'invalid_reply_to' // replyTo is no entry id
  | 'bad_author' // `why`: not an author's peer id
  | 'bad_entry_id' // `why`, `delete`, `edit`: not an entry id
  | 'entry_not_found' // `delete`, `edit`: no entry with that id on this box
  | 'deleted' // `delete`, `edit`: its author deleted that entry already
  | 'not_deletable' // `delete`: a profile, a delete or an edit
  | 'not_editable' // `edit`: anything but a post or a reply
  | 'too_many_streams' // event stream bound reached
  | 'invalid_reason' // a block's, moderation entry's or report's reason over 280 UTF-8 bytes
  | 'moderation_refused' // blocking the box itself, or a followed list's author (unfollow first), and the like
  | 'moderation_limit' // 10 000 blocks or 64 followed lists reached
  | 'bad_kind_fields' // a post whose fields do not fit its kind (life.ts)
  | 'bad_time' // a poll closing in the past, an event ending before it starts
  | 'bad_options' // a poll of fewer than 2 or more than 10 options, or one named twice
  | 'bad_choice' // a vote for an option the poll lacks, or two in a single-choice poll
  | 'poll_closed' // a vote after the poll closed
  | 'wrong_target' // a vote not at a poll, an rsvp not at an event, a done not at an offer or request
  | 'member_not_found' // `--as NAME`, `kiez member …`: this box has no member of that name
  | 'member_required' // a writing command without `--as` on a box with two or more members
  | 'not_member' // the web page's `as`: an author that is no member of this box
  | 'blob_empty' // an empty image upload
  | 'blob_too_large' // an image upload over 1 MiB
  | 'blob_hash_mismatch' // a blob whose bytes are not its hash (never from an upload: it is hashed here)
  | 'unsupported_image' // an upload (or a stored blob) that is no JPEG, PNG, WebP or AVIF by its bytes
  | 'bad_images' // a post's images that are not 1..4 {cid, alt?, thumb?}
  | 'blob_not_found' // a blob neither this box nor its neighbours hold
  | 'blob_timeout' // no neighbour sent the blob in time
  | 'blob_busy' // too many blob fetches waiting
  | MessageErrorCode // `kiez dm …`: unknown_recipient, ambiguous_recipient, no_message_key, message_too_large, …
  | Exclude<MemberErrorCode, 'no_such_member'> // `kiez member …`: bad_name, member_exists, bad_phrase, …
  | ValidationCode // a post the feed refused
  | StoreErrorCode // a post the store could not take
  | MeshErrorCode // ping, dht find

/** A control API failure the client caused or can act on; `status` is the HTTP status. */
export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly status: number
  /** seconds until a retry makes sense (the gateway sends it as Retry-After) */
  readonly retryAfterS: number | undefined
  constructor (status: number, code: ApiErrorCode, message: string, retryAfterS?: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.retryAfterS = retryAfterS
  }
}
