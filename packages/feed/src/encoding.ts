import { decode, encode, rfc8949EncodeOptions, type DecodeOptions } from 'cborg'
import {
  ENTRY_VERSION,
  HASH_BYTES,
  isKnownKind,
  KIND_PATTERN,
  MAX_ENTRY_BYTES,
  MESSAGE_ENVELOPE_SIZES,
  PUBLIC_KEY_BYTES,
  RSVP_ANSWERS,
  SIGNATURE_BYTES,
  type KnownKind,
  type RsvpAnswer
} from './constants.js'
import type { ValidationCode } from './errors.js'
import { imagesFromValue, imageValue, type ImageRef } from './images.js'

/**
 * Byte layout (docs/PROTOCOL.md §2 is normative):
 *   entry   = CBOR array(2) [ header: bstr, signature: bstr(64) ]
 *   header  = CBOR array(8) [ version: 2, author: bstr(32), seq: uint,
 *                              previous: bstr(32) / null, timestamp: uint,
 *                              kind: tstr, payloadHash: bstr(32), payloadSize: uint ]
 *   payload = one CBOR item; for the known kinds an array of the kind's shape
 * Canonical means: exactly what cborg's deterministic encoder emits for the
 * decoded value (map keys in RFC 8949 §4.2.1 order). This file is the
 * cborg-based reference: decode, re-encode, compare. parse.ts is the fast
 * path, differentially tested against it.
 */

/** What a payload of a known kind says. */
export type KnownBody =
  /**
   * a box's household (signed by the box's key): its display name and its
   * members' author keys, in ascending byte order, at most 64; a newer one of
   * the same box replaces it
   */
  | { type: 'household', name: string, members: Uint8Array[] }
  /** a box's word that it found box `box` (its key) by mDNS on its own link, at `seenAt` (ms since the epoch) */
  | { type: 'vouch', box: Uint8Array, seenAt: number }
  /** `images`: 1..4 image descriptions (images.ts); absent: the one-item form `[text]` */
  | { type: 'post', text: string, images?: ImageRef[] }
  | { type: 'reply', text: string, replyTo: Uint8Array, images?: ImageRef[] }
  /**
   * a display name; a member's profile adds a short `about` and the key of
   * the box whose household claims them (null: none). Both absent: the
   * one-item form `[name]`. `dmKey`: the member's X25519 key for private
   * messages (a fourth item; null or absent: none).
   */
  | { type: 'profile', name: string, about?: string, household?: Uint8Array | null, dmKey?: Uint8Array | null }
  /**
   * a private message: the sealed envelope (PROTOCOL.md §2, "Private
   * messages"), one of MESSAGE_ENVELOPE_SIZES bytes; who may read it is hidden
   */
  | { type: 'message', envelope: Uint8Array }
  /** `target` = hash of an earlier entry of the same author (the store checks that) */
  | { type: 'delete', target: Uint8Array }
  /** new text for the target post or reply of the same author */
  | { type: 'edit', target: Uint8Array, text: string }
  /** a moderation list's entry: `author` (a raw key) is blocked by whoever follows the list */
  | { type: 'mod-block', author: Uint8Array, reason: string }
  /** a moderation list's entry: the entry with hash `target` (any author) is hidden by whoever follows the list */
  | { type: 'mod-hide', target: Uint8Array, reason: string }
  /** a reader's report of the entry with hash `target` (any author), for moderators to see */
  | { type: 'report', target: Uint8Array, reason: string }
  | LifeBody

/** The kinds of a plain text of neighbourhood life: `[text]`. */
export type LifeTextKind = 'request' | 'lost' | 'found' | 'recommendation' | 'alert'

/**
 * Neighbourhood life (PROTOCOL.md §2, "Neighbourhood life"; content rules in
 * life.ts). Times are ms since the epoch. Items after the ones named are for
 * later versions and ignored.
 */
export type LifeBody =
  /** give away, lend, sell; `price` null: none said */
  | { type: 'offer', text: string, price: string | null }
  | { type: LifeTextKind, text: string }
  /** `ends` null: open end; `text` may be empty */
  | { type: 'event', title: string, starts: number, ends: number | null, place: string, text: string }
  | { type: 'poll', question: string, options: string[], multiple: boolean, closesAt: number }
  /** `poll` = the poll's entry hash; `choices` = option indexes, strictly ascending (range: a tally rule) */
  | { type: 'vote', poll: Uint8Array, choices: number[] }
  /** `event` = the event's entry hash */
  | { type: 'rsvp', event: Uint8Array, answer: RsvpAnswer }
  /** the author's offer or request `target` is given away / found help */
  | { type: 'done', target: Uint8Array }

/**
 * The payload of a kind this version does not know: valid, kept and
 * forwarded as bytes, never shown (PROTOCOL.md §2, forward compatibility).
 */
export interface UnknownBody {
  type: 'unknown'
  kind: string
}

export type EntryBody = KnownBody | UnknownBody

/** The signed fields of an entry. */
export interface EntryHeader {
  author: Uint8Array
  seq: number
  /** sha2-256 of the previous entry's bytes; null exactly when seq = 1 */
  previous: Uint8Array | null
  /** the author's clock, in ms since the epoch: a claim, never trusted */
  timestamp: number
  /** what the payload is: a known kind or one of a later version */
  kind: string
  /** sha2-256 of the payload bytes */
  payloadHash: Uint8Array
  /** byte length of the payload */
  payloadSize: number
}

// Lenient on purpose: anything that decodes but does not re-encode to the same bytes is `non_canonical`, not `bad_encoding`.
const DECODE_OPTIONS: DecodeOptions = {
  allowIndefinite: true,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: true,
  strict: false,
  useMaps: false,
  rejectDuplicateMapKeys: true,
  tags: []
}

// Payloads of unknown kinds may hold maps with any key type; integers stay within 2^53-1 as everywhere.
const PAYLOAD_DECODE_OPTIONS: DecodeOptions = { ...DECODE_OPTIONS, useMaps: true, allowBigInt: false }

export type Decoded<T> = { ok: true, value: T } | { ok: false, code: ValidationCode, message: string }

function fail<T> (code: ValidationCode, message: string): Decoded<T> {
  return { ok: false, code, message }
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}

function tryDecode (bytes: Uint8Array, options = DECODE_OPTIONS): { ok: true, value: unknown } | { ok: false } {
  try {
    return { ok: true, value: decode(bytes, options) }
  } catch {
    return { ok: false }
  }
}

function isSafeUint (v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function isBytes (v: unknown, len?: number): v is Uint8Array {
  return v instanceof Uint8Array && (len === undefined || v.byteLength === len)
}

export function encodeHeader (h: EntryHeader): Uint8Array {
  return encode([ENTRY_VERSION, h.author, h.seq, h.previous, h.timestamp, h.kind, h.payloadHash, h.payloadSize])
}

/** The payload bytes of a known body. */
export function encodeBody (body: KnownBody): Uint8Array {
  return encode(bodyValue(body))
}

function bodyValue (body: KnownBody): unknown[] {
  switch (body.type) {
    case 'household':
      return [body.name, body.members]
    case 'vouch':
      return [body.box, body.seenAt]
    case 'post':
      return body.images === undefined ? [body.text] : [body.text, body.images.map((i) => imageValue(i, true))]
    case 'reply':
      return body.images === undefined
        ? [body.text, body.replyTo]
        : [body.text, body.replyTo, body.images.map((i) => imageValue(i, true))]
    case 'profile':
      if (body.dmKey !== undefined && body.dmKey !== null) {
        return [body.name, body.about ?? '', body.household ?? null, body.dmKey]
      }
      return body.about === undefined && body.household === undefined
        ? [body.name]
        : [body.name, body.about ?? '', body.household ?? null]
    case 'message':
      return [body.envelope]
    case 'delete':
      return [body.target]
    case 'edit':
      return [body.target, body.text]
    case 'mod-block':
      return [body.author, body.reason]
    case 'mod-hide':
    case 'report':
      return [body.target, body.reason]
    case 'offer':
      return [body.text, body.price]
    case 'request':
    case 'lost':
    case 'found':
    case 'recommendation':
    case 'alert':
      return [body.text]
    case 'event':
      return [body.title, body.starts, body.ends, body.place, body.text]
    case 'poll':
      return [body.question, body.options, body.multiple, body.closesAt]
    case 'vote':
      return [body.poll, body.choices]
    case 'rsvp':
      return [body.event, body.answer]
    case 'done':
      return [body.target]
  }
}

export function encodeEnvelope (header: Uint8Array, signature: Uint8Array): Uint8Array {
  return encode([header, signature])
}

/** Splits an entry into header bytes and signature. Total: never throws. */
export function decodeEnvelope (bytes: Uint8Array): Decoded<{ header: Uint8Array, signature: Uint8Array }> {
  if (!(bytes instanceof Uint8Array)) return fail('bad_encoding', 'entry is not a byte array')
  if (bytes.byteLength > MAX_ENTRY_BYTES) {
    return fail('content_too_large', `entry is ${bytes.byteLength} bytes, over the ${MAX_ENTRY_BYTES}-byte limit`)
  }
  const d = tryDecode(bytes)
  if (!d.ok) return fail('bad_encoding', 'entry is not well-formed CBOR')
  const v = d.value
  if (!Array.isArray(v) || v.length !== 2) return fail('bad_encoding', 'entry must be a CBOR array of 2 items')
  const [header, signature] = v as unknown[]
  if (!isBytes(header)) return fail('bad_encoding', 'entry header must be a byte string')
  if (!isBytes(signature, SIGNATURE_BYTES)) return fail('bad_encoding', 'signature must be a 64-byte byte string')
  if (!equalBytes(encodeEnvelope(header, signature), bytes)) {
    return fail('non_canonical', 'entry is not canonically encoded')
  }
  return { ok: true, value: { header, signature } }
}

/** Decodes and checks the shape of a header. Total: never throws. */
export function decodeHeader (bytes: Uint8Array): Decoded<EntryHeader> {
  const d = tryDecode(bytes)
  if (!d.ok) return fail('bad_encoding', 'header is not well-formed CBOR')
  const v = d.value
  if (!Array.isArray(v) || v.length !== 8) return fail('bad_encoding', 'header must be a CBOR array of 8 items')
  const [version, author, seq, previous, timestamp, kind, payloadHash, payloadSize] = v as unknown[]
  if (version !== ENTRY_VERSION) return fail('bad_encoding', `unsupported entry version ${String(version)}`)
  if (!isBytes(author, PUBLIC_KEY_BYTES)) return fail('bad_encoding', 'author must be a 32-byte byte string')
  if (!isSafeUint(seq) || seq < 1) return fail('bad_encoding', 'seq must be an integer from 1 to 2^53-1')
  if (previous !== null && !isBytes(previous, HASH_BYTES)) {
    return fail('bad_encoding', 'previous must be a 32-byte byte string or null')
  }
  if (!isSafeUint(timestamp)) return fail('bad_encoding', 'timestamp must be an integer from 0 to 2^53-1')
  if (typeof kind !== 'string' || !KIND_PATTERN.test(kind)) {
    return fail('bad_encoding', 'kind must be 1 to 32 of [a-z0-9_-], starting with a letter')
  }
  if (!isBytes(payloadHash, HASH_BYTES)) return fail('bad_encoding', 'payloadHash must be a 32-byte byte string')
  if (!isSafeUint(payloadSize) || payloadSize < 1) {
    return fail('bad_encoding', 'payloadSize must be an integer from 1 to 2^53-1')
  }
  const header: EntryHeader = { author, seq, previous, timestamp, kind, payloadHash, payloadSize }
  if (!equalBytes(encodeHeader(header), bytes)) return fail('non_canonical', 'header is not canonically encoded')
  return { ok: true, value: header }
}

/**
 * Decodes a payload of the given kind and checks its shape (not the text
 * limits, which entry.ts applies to both decoders). Total: never throws.
 */
export function decodeBody (kind: string, bytes: Uint8Array): Decoded<EntryBody> {
  const d = tryDecode(bytes, PAYLOAD_DECODE_OPTIONS)
  if (!d.ok) return fail('bad_encoding', 'payload is not well-formed CBOR')
  const foreign = foreignValue(d.value)
  if (foreign !== undefined) return fail('bad_encoding', foreign)
  let canonical: Uint8Array
  try {
    canonical = encode(d.value, rfc8949EncodeOptions)
  } catch {
    return fail('bad_encoding', 'payload holds a value that has no canonical encoding')
  }
  if (!equalBytes(canonical, bytes)) return fail('non_canonical', 'payload is not canonically encoded')
  if (!isKnownKind(kind)) return { ok: true, value: { type: 'unknown', kind } }
  return decodeKnown(kind, d.value)
}

/** Why a decoded payload value has no place in a payload, or undefined. */
function foreignValue (v: unknown): string | undefined {
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) && !Object.is(v, -0) ? undefined : 'floating-point values are not allowed'
  }
  if (Array.isArray(v)) return v.map(foreignValue).find((m) => m !== undefined)
  if (v instanceof Map) {
    for (const [k, x] of v) {
      if (typeof k !== 'number' && typeof k !== 'string' && !(k instanceof Uint8Array)) {
        return 'map keys must be integers, byte strings or text strings'
      }
      const m = foreignValue(k) ?? foreignValue(x)
      if (m !== undefined) return m
    }
  }
  return undefined
}

function decodeKnown (kind: KnownKind, c: unknown): Decoded<EntryBody> {
  const ok = (value: EntryBody): Decoded<EntryBody> => ({ ok: true, value })
  const shape = {
    household: '[name, members]',
    vouch: '[box, seenAt]',
    post: '[text, images?]',
    reply: '[text, replyTo, images?]',
    profile: '[name] or [name, about, household, dmKey?]',
    message: '[envelope]',
    delete: '[target]',
    edit: '[target, text]',
    'mod-block': '[author, reason]',
    'mod-hide': '[target, reason]',
    report: '[target, reason]',
    ...LIFE_SHAPES
  }
  const bad = fail<EntryBody>('malformed_content', `${kind} payload must be ${shape[kind]}`)
  if (!Array.isArray(c)) return bad
  // household, vouch and the long profile: items after the ones named are for later versions, and ignored
  switch (kind) {
    case 'household':
      return c.length >= 2 && typeof c[0] === 'string' && Array.isArray(c[1]) &&
          (c[1] as unknown[]).every((k) => isBytes(k, PUBLIC_KEY_BYTES))
        ? ok({ type: kind, name: c[0], members: c[1] as Uint8Array[] })
        : bad
    case 'vouch':
      return c.length >= 2 && isBytes(c[0], PUBLIC_KEY_BYTES) && isSafeUint(c[1])
        ? ok({ type: kind, box: c[0], seenAt: c[1] })
        : bad
    case 'post': {
      if (!((c.length === 1 || c.length === 2) && typeof c[0] === 'string')) return bad
      if (c.length === 1) return ok({ type: kind, text: c[0] })
      const images = imagesFromValue(c[1])
      return images === undefined ? bad : ok({ type: kind, text: c[0], images })
    }
    case 'reply': {
      if (!((c.length === 2 || c.length === 3) && typeof c[0] === 'string' && isBytes(c[1], HASH_BYTES))) return bad
      if (c.length === 2) return ok({ type: kind, text: c[0], replyTo: c[1] })
      const images = imagesFromValue(c[2])
      return images === undefined ? bad : ok({ type: kind, text: c[0], replyTo: c[1], images })
    }
    case 'profile':
      if (c.length === 1 && typeof c[0] === 'string') return ok({ type: kind, name: c[0] })
      if (
        !(c.length >= 3 && typeof c[0] === 'string' && typeof c[1] === 'string' &&
          (c[2] === null || isBytes(c[2], PUBLIC_KEY_BYTES)))
      ) return bad
      // the fourth item, when there is one, is the member's X25519 key for messages (or null)
      if (c.length >= 4 && !(c[3] === null || isBytes(c[3], PUBLIC_KEY_BYTES))) return bad
      return c.length >= 4 && c[3] !== null
        ? ok({ type: kind, name: c[0], about: c[1], household: c[2], dmKey: c[3] as Uint8Array })
        : ok({ type: kind, name: c[0], about: c[1], household: c[2] })
    case 'message':
      return c.length === 1 && isBytes(c[0]) ? messageBody(c[0]) : bad
    case 'delete':
      return c.length === 1 && isBytes(c[0], HASH_BYTES) ? ok({ type: kind, target: c[0] }) : bad
    case 'edit':
      return c.length === 2 && isBytes(c[0], HASH_BYTES) && typeof c[1] === 'string'
        ? ok({ type: kind, target: c[0], text: c[1] })
        : bad
    case 'mod-block':
      return c.length === 2 && isBytes(c[0], PUBLIC_KEY_BYTES) && typeof c[1] === 'string'
        ? ok({ type: kind, author: c[0], reason: c[1] })
        : bad
    case 'mod-hide':
    case 'report':
      return c.length === 2 && isBytes(c[0], HASH_BYTES) && typeof c[1] === 'string'
        ? ok({ type: kind, target: c[0], reason: c[1] })
        : bad
    // neighbourhood life: items after the ones named are for later versions, and ignored
    case 'offer':
      return c.length >= 2 && typeof c[0] === 'string' && (c[1] === null || typeof c[1] === 'string')
        ? ok({ type: kind, text: c[0], price: c[1] })
        : bad
    case 'request':
    case 'lost':
    case 'found':
    case 'recommendation':
    case 'alert':
      return c.length >= 1 && typeof c[0] === 'string' ? ok({ type: kind, text: c[0] }) : bad
    case 'event':
      return c.length >= 5 && typeof c[0] === 'string' && isSafeUint(c[1]) && (c[2] === null || isSafeUint(c[2])) &&
          typeof c[3] === 'string' && typeof c[4] === 'string'
        ? ok({ type: kind, title: c[0], starts: c[1], ends: c[2], place: c[3], text: c[4] })
        : bad
    case 'poll':
      return c.length >= 4 && typeof c[0] === 'string' && Array.isArray(c[1]) &&
          (c[1] as unknown[]).every((o) => typeof o === 'string') && typeof c[2] === 'boolean' && isSafeUint(c[3])
        ? ok({ type: kind, question: c[0], options: c[1] as string[], multiple: c[2], closesAt: c[3] })
        : bad
    case 'vote':
      return c.length >= 2 && isBytes(c[0], HASH_BYTES) && Array.isArray(c[1]) && (c[1] as unknown[]).every(isSafeUint)
        ? ok({ type: kind, poll: c[0], choices: c[1] as number[] })
        : bad
    case 'rsvp':
      return c.length >= 2 && isBytes(c[0], HASH_BYTES) && typeof c[1] === 'string'
        ? (RSVP_ANSWERS as readonly string[]).includes(c[1])
          ? ok({ type: kind, event: c[0], answer: c[1] as RsvpAnswer })
          : fail('malformed_content', 'an rsvp answer is "going", "maybe" or "no"')
        : bad
    case 'done':
      return c.length >= 1 && isBytes(c[0], HASH_BYTES) ? ok({ type: kind, target: c[0] }) : bad
  }
}

/** A message's envelope is one of the sizes its size classes give (PROTOCOL.md §2, "Private messages"). */
export function messageBody (envelope: Uint8Array): Decoded<EntryBody> {
  return MESSAGE_ENVELOPE_SIZES.includes(envelope.byteLength)
    ? { ok: true, value: { type: 'message', envelope } }
    : fail(
      'malformed_content',
      `a message envelope is ${MESSAGE_ENVELOPE_SIZES.join(', ')} bytes, not ${envelope.byteLength}`
    )
}

/** The shapes of the kinds of neighbourhood life, for both decoders' messages. */
export const LIFE_SHAPES = {
  offer: '[text, price: tstr / null]',
  request: '[text]',
  lost: '[text]',
  found: '[text]',
  recommendation: '[text]',
  alert: '[text]',
  event: '[title, starts: uint, ends: uint / null, place, text]',
  poll: '[question, options: [* tstr], multiple: bool, closesAt: uint]',
  vote: '[poll: bstr(32), choices: [* uint]]',
  rsvp: '[event: bstr(32), answer: "going" / "maybe" / "no"]',
  done: '[target: bstr(32)]'
} as const
