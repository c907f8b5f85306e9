import {
  MAX_ALERT_BYTES,
  MAX_CONTENT_BYTES,
  MAX_EVENT_TITLE_BYTES,
  MAX_PLACE_BYTES,
  MAX_POLL_OPTION_BYTES,
  MAX_POLL_OPTIONS,
  MAX_POLL_QUESTION_BYTES,
  MAX_PRICE_BYTES,
  MIN_POLL_OPTIONS
} from './constants.js'
import type { Decoded, EntryBody } from './encoding.js'

/**
 * The content rules of the kinds of neighbourhood life (PROTOCOL.md §2,
 * "Neighbourhood life"), beyond their shape: applied by readPayload after the
 * checks every kind shares, for both decoders. What needs another entry (a
 * vote's option against its poll's options, a done's target being the
 * author's own offer or request) is a tally rule (@kiez/life), not a parse
 * rule: the poll may not be held yet.
 */
export function checkLifeContent (body: EntryBody): Decoded<never> | undefined {
  switch (body.type) {
    case 'offer':
      return text(body.text, 'offer text', MAX_CONTENT_BYTES) ??
        (body.price === null ? undefined : text(body.price, 'offer price', MAX_PRICE_BYTES))
    case 'request':
    case 'lost':
    case 'found':
    case 'recommendation':
      return text(body.text, `${body.type} text`, MAX_CONTENT_BYTES)
    case 'alert':
      return text(body.text, 'alert text', MAX_ALERT_BYTES)
    case 'event':
      return text(body.title, 'event title', MAX_EVENT_TITLE_BYTES) ??
        text(body.place, 'event place', MAX_PLACE_BYTES) ??
        text(body.text, 'event text', MAX_CONTENT_BYTES, true) ??
        (body.ends !== null && body.ends < body.starts ? malformed('an event cannot end before it starts') : undefined)
    case 'poll': {
      const q = text(body.question, 'poll question', MAX_POLL_QUESTION_BYTES)
      if (q !== undefined) return q
      if (body.options.length < MIN_POLL_OPTIONS || body.options.length > MAX_POLL_OPTIONS) {
        return malformed(
          `a poll has ${MIN_POLL_OPTIONS} to ${MAX_POLL_OPTIONS} options, not ${body.options.length}`
        )
      }
      for (const o of body.options) {
        const bad = text(o, 'poll option', MAX_POLL_OPTION_BYTES)
        if (bad !== undefined) return bad
      }
      return new Set(body.options).size === body.options.length
        ? undefined
        : malformed('a poll names each option once')
    }
    case 'vote': {
      if (body.choices.length < 1 || body.choices.length > MAX_POLL_OPTIONS) {
        return malformed(`a vote chooses 1 to ${MAX_POLL_OPTIONS} options, not ${body.choices.length}`)
      }
      // ascending: one encoding per set of choices, none twice
      for (let i = 1; i < body.choices.length; i++) {
        if ((body.choices[i - 1] as number) >= (body.choices[i] as number)) {
          return malformed('a vote\'s choices must be in ascending order, each once')
        }
      }
      return undefined
    }
    default:
      return undefined
  }
}

/**
 * A text of at most `max` UTF-8 bytes, not empty unless `mayBeEmpty`. Over the
 * post limit is `content_too_large` as for a post; over the field's own,
 * smaller limit `malformed_content`, as a display name (people.ts).
 */
function text (s: string, what: string, max: number, mayBeEmpty = false): Decoded<never> | undefined {
  const size = Buffer.byteLength(s, 'utf8')
  if (size > MAX_CONTENT_BYTES) {
    return {
      ok: false,
      code: 'content_too_large',
      message: `${what} is ${size} UTF-8 bytes, over the ${MAX_CONTENT_BYTES}-byte limit`
    }
  }
  if (size === 0 && !mayBeEmpty) return malformed(`${what} must not be empty`)
  if (size > max) return malformed(`${what} is over ${max} UTF-8 bytes`)
  return undefined
}

function malformed (message: string): Decoded<never> {
  return { ok: false, code: 'malformed_content', message }
}

/**
 * What a feed shows of an entry of a kind this version does not know
 * (PROTOCOL.md §2, "Kinds to come"): the payload's first item when it is a
 * non-empty text string, as a plain post; undefined when there is none. Reads
 * only canonical payloads (readPayload checked them).
 */
export function fallbackText (payload: Uint8Array): string | undefined {
  // an array head (0x80-0x9b) then a text head (0x60-0x7b): the first item's length, shortest form
  const b = payload
  let pos = 0
  const head = (): [number, number] | undefined => {
    const ib = b[pos++]
    if (ib === undefined) return undefined
    const ai = ib & 31
    let n = ai
    if (ai === 24) n = b[pos++] ?? -1
    else if (ai === 25) {
      n = ((b[pos] ?? 0) << 8) | (b[pos + 1] ?? 0)
      pos += 2
    } else if (ai === 26) {
      n = ((b[pos] ?? 0) * 0x1000000) + (((b[pos + 1] ?? 0) << 16) | ((b[pos + 2] ?? 0) << 8) | (b[pos + 3] ?? 0))
      pos += 4
    } else if (ai > 26) return undefined
    return [ib >> 5, n]
  }
  const arr = head()
  if (arr === undefined || arr[0] !== 4 || arr[1] < 1) return undefined
  const t = head()
  if (t === undefined || t[0] !== 3 || t[1] < 1 || pos + t[1] > b.length) return undefined
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(pos, pos + t[1]))
    return Buffer.byteLength(s, 'utf8') <= MAX_CONTENT_BYTES ? s : undefined
  } catch {
    return undefined
  }
}
