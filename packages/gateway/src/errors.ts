/** Stable codes of the HTTP API's errors (docs/HTTP-API.md lists them); never rename one, add new ones. */
export type GatewayErrorCode =
  | 'not_found'
  | 'forbidden'
  | 'entry_not_found'
  | 'deleted'
  | 'not_author'
  | 'not_deletable'
  | 'not_editable'
  | 'author_blocked'
  | 'invalid_reason'
  | 'invalid_id'
  | 'bad_cursor'
  | 'invalid_request'
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
  | 'member_required'
  | 'not_member'

/**
 * A failure the client caused or can act on. `status` is the HTTP status;
 * anything else that reaches the error handler becomes a bare 500 `internal`.
 */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode
  readonly status: number
  /** seconds until a retry makes sense (429/503) */
  readonly retryAfterS: number | undefined
  constructor (status: number, code: GatewayErrorCode, message: string, retryAfterS?: number, options?: ErrorOptions) {
    super(message, options)
    this.name = 'GatewayError'
    this.status = status
    this.code = code
    this.retryAfterS = retryAfterS
  }
}

/** Error classes whose message is written for the client: ours, and the daemon's ApiError (not imported: no cycle). */
const CLIENT_ERROR_NAMES = new Set(['GatewayError', 'ApiError'])

/**
 * The backend's own typed errors (the daemon's ApiError) carry `status` and
 * `code` too. Only those named classes count: any other error's message may
 * hold internals and becomes a bare 500.
 */
export function asClientError (
  err: unknown
): { status: number, code: string, message: string, retryAfterS?: number } | undefined {
  if (!(err instanceof Error) || !CLIENT_ERROR_NAMES.has(err.name)) return undefined
  const e = err as { status?: unknown, code?: unknown, message?: unknown, retryAfterS?: unknown }
  if (typeof e.status !== 'number' || e.status < 400 || e.status > 599 || typeof e.code !== 'string') return undefined
  const out: { status: number, code: string, message: string, retryAfterS?: number } = {
    status: e.status,
    code: e.code,
    message: typeof e.message === 'string' ? e.message : e.code
  }
  if (typeof e.retryAfterS === 'number') out.retryAfterS = e.retryAfterS
  return out
}
