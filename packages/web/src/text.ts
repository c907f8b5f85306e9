/** The UTF-8 limit of an entry's content (@kiez/feed MAX_CONTENT_BYTES). */
export const MAX_POST_BYTES = 8192
/** The limit of a display name (@kiez/feed MAX_PROFILE_NAME_BYTES). */
export const MAX_NAME_BYTES = 128

const encoder = new TextEncoder()

/** What the server counts: UTF-8 bytes, not UTF-16 code units or characters. */
export function utf8Bytes (s: string): number {
  return encoder.encode(s).byteLength
}

/** A stretch of post text: plain, or an http(s) link that passed validation. */
export type Segment = { kind: 'text', text: string } | { kind: 'link', text: string, href: string }

// Candidates only; each is re-checked with the URL parser below.
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi
// Trailing punctuation is usually the sentence's, not the URL's.
const TRAILING = /[.,;:!?)\]}]+$/

/**
 * Splits hostile text into plain runs and links. A link is only made for an
 * absolute http: or https: URL without credentials, so no javascript:, data:
 * or look-alike scheme ever becomes an href. Rendering stays text-node only.
 */
export function segments (text: string): Segment[] {
  const out: Segment[] = []
  let last = 0
  for (const m of text.matchAll(URL_CANDIDATE)) {
    const start = m.index
    let raw = m[0]
    const trail = TRAILING.exec(raw)
    if (trail !== null) raw = raw.slice(0, raw.length - trail[0].length)
    const href = safeHref(raw)
    if (href === undefined) continue
    if (start > last) out.push({ kind: 'text', text: text.slice(last, start) })
    out.push({ kind: 'link', text: raw, href })
    last = start + raw.length
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) })
  return out
}

/** The normalised href for an http(s) URL, or undefined for anything else. */
export function safeHref (raw: string): string | undefined {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return undefined
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined
  if (u.username !== '' || u.password !== '') return undefined
  if (u.hostname === '') return undefined
  return u.href
}

// Every ed25519 peer id starts "12D3KooW" and every entry id "bafyrei": no information.
const COMMON_PREFIX = /^(12D3KooW|bafyrei|Qm)/

/** A short handle for a long id (peer id or entry id): 4 + 4 characters after the common prefix. */
export function shortId (id: string): string {
  const rest = id.replace(COMMON_PREFIX, '')
  return rest.length <= 10 ? rest : `${rest.slice(0, 4)}…${rest.slice(-4)}`
}

/** The limit of a report's or a moderation entry's reason (the gateway's `invalid_reason`). */
export const MAX_REASON_BYTES = 280
