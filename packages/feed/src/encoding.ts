import { decode, encode, type DecodeOptions } from 'cborg'
import {
  ENTRY_VERSION,
  HASH_BYTES,
  KNOWN_TYPES,
  MAX_ENTRY_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  type EntryType
} from './constants.js'
import type { ValidationCode } from './errors.js'

/**
 * Byte layout (docs/PROTOCOL.md §1 is normative):
 *   entry   = CBOR array(2) [ payload: bstr, signature: bstr(64) ]
 *   payload = CBOR array(7) [ version: uint, author: bstr(32), seq: uint,
 *                              previous: bstr(32) / null, timestamp: uint,
 *                              type: tstr, content: array ]
 * Canonical means: exactly what cborg's deterministic encoder emits for the
 * decoded value. We check it by re-encoding, which also catches invalid UTF-8,
 * floats posing as integers and non-minimal lengths in one rule.
 */

export type EntryBody =
  | { type: 'post', text: string }
  | { type: 'reply', text: string, replyTo: Uint8Array }
  | { type: 'profile', name: string }

export interface EntryPayload {
  author: Uint8Array
  seq: number
  /** sha2-256 of the previous entry's bytes; null exactly when seq = 1 */
  previous: Uint8Array | null
  /** the author's clock, in ms since the epoch: a claim, never trusted */
  timestamp: number
  body: EntryBody
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

export type Decoded<T> = { ok: true, value: T } | { ok: false, code: ValidationCode, message: string }

function fail<T> (code: ValidationCode, message: string): Decoded<T> {
  return { ok: false, code, message }
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}

function tryDecode (bytes: Uint8Array): { ok: true, value: unknown } | { ok: false } {
  try {
    return { ok: true, value: decode(bytes, DECODE_OPTIONS) }
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

export function encodePayload (p: EntryPayload): Uint8Array {
  return encode([ENTRY_VERSION, p.author, p.seq, p.previous, p.timestamp, p.body.type, encodeContent(p.body)])
}

function encodeContent (body: EntryBody): unknown[] {
  switch (body.type) {
    case 'post':
      return [body.text]
    case 'reply':
      return [body.text, body.replyTo]
    case 'profile':
      return [body.name]
  }
}

export function encodeEnvelope (payload: Uint8Array, signature: Uint8Array): Uint8Array {
  return encode([payload, signature])
}

/** Splits an entry into payload bytes and signature. Total: never throws. */
export function decodeEnvelope (bytes: Uint8Array): Decoded<{ payload: Uint8Array, signature: Uint8Array }> {
  if (!(bytes instanceof Uint8Array)) return fail('bad_encoding', 'entry is not a byte array')
  if (bytes.byteLength > MAX_ENTRY_BYTES) {
    return fail('content_too_large', `entry is ${bytes.byteLength} bytes, over the ${MAX_ENTRY_BYTES}-byte limit`)
  }
  const d = tryDecode(bytes)
  if (!d.ok) return fail('bad_encoding', 'entry is not well-formed CBOR')
  const v = d.value
  if (!Array.isArray(v) || v.length !== 2) return fail('bad_encoding', 'entry must be a CBOR array of 2 items')
  const [payload, signature] = v as unknown[]
  if (!isBytes(payload)) return fail('bad_encoding', 'entry payload must be a byte string')
  if (!isBytes(signature, SIGNATURE_BYTES)) return fail('bad_encoding', 'signature must be a 64-byte byte string')
  if (!equalBytes(encodeEnvelope(payload, signature), bytes)) {
    return fail('non_canonical', 'entry is not canonically encoded')
  }
  return { ok: true, value: { payload, signature } }
}

/** Decodes and checks the shape of a payload. Total: never throws. */
export function decodePayload (bytes: Uint8Array): Decoded<EntryPayload> {
  const d = tryDecode(bytes)
  if (!d.ok) return fail('bad_encoding', 'payload is not well-formed CBOR')
  const v = d.value
  if (!Array.isArray(v) || v.length !== 7) return fail('bad_encoding', 'payload must be a CBOR array of 7 items')
  const [version, author, seq, previous, timestamp, type, content] = v as unknown[]
  if (version !== ENTRY_VERSION) return fail('bad_encoding', `unsupported entry version ${String(version)}`)
  if (!isBytes(author, PUBLIC_KEY_BYTES)) return fail('bad_encoding', 'author must be a 32-byte byte string')
  if (!isSafeUint(seq) || seq < 1) return fail('bad_encoding', 'seq must be an integer from 1 to 2^53-1')
  if (previous !== null && !isBytes(previous, HASH_BYTES)) {
    return fail('bad_encoding', 'previous must be a 32-byte byte string or null')
  }
  if (!isSafeUint(timestamp)) return fail('bad_encoding', 'timestamp must be an integer from 0 to 2^53-1')
  if (typeof type !== 'string') return fail('bad_encoding', 'type must be a text string')
  if (!Array.isArray(content)) return fail('bad_encoding', 'content must be an array')
  if (!(KNOWN_TYPES as readonly string[]).includes(type)) {
    return fail('unknown_type', `unknown entry type "${type.slice(0, 32)}"`)
  }
  const body = decodeContent(type as EntryType, content)
  if (!body.ok) return body
  const payload: EntryPayload = { author, seq, previous, timestamp, body: body.value }
  if (!equalBytes(encodePayload(payload), bytes)) return fail('non_canonical', 'payload is not canonically encoded')
  return { ok: true, value: payload }
}

function decodeContent (type: EntryType, c: unknown[]): Decoded<EntryBody> {
  switch (type) {
    case 'post':
      if (c.length !== 1 || typeof c[0] !== 'string') return fail('malformed_content', 'post content must be [text]')
      return { ok: true, value: { type, text: c[0] } }
    case 'reply':
      if (c.length !== 2 || typeof c[0] !== 'string' || !isBytes(c[1], HASH_BYTES)) {
        return fail('malformed_content', 'reply content must be [text, replyTo: bstr(32)]')
      }
      return { ok: true, value: { type, text: c[0], replyTo: c[1] } }
    case 'profile':
      if (c.length !== 1 || typeof c[0] !== 'string') return fail('malformed_content', 'profile content must be [name]')
      return { ok: true, value: { type, name: c[0] } }
  }
}
