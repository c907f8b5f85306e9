import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import {
  DEFAULT_MAX_FUTURE_MS,
  HASH_BYTES,
  MAX_CONTENT_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_PROFILE_NAME_BYTES,
  MAX_REASON_BYTES,
  SIGNATURE_DOMAIN
} from './constants.js'
import { sha256, type Signer } from './crypto.js'
import {
  encodeBody,
  encodeEnvelope,
  encodeHeader,
  type Decoded,
  type EntryBody,
  type EntryHeader,
  type KnownBody
} from './encoding.js'
import { parseBody, parseEntry } from './parse.js'
import { checkLifeContent } from './life.js'
import { checkPeopleContent } from './people.js'
import { FeedError } from './errors.js'
import { imagesProblem } from './images.js'

/**
 * A decoded entry: its signed header fields, the exact bytes they came from,
 * and, when the box holds it, the payload and what it says.
 */
export interface Entry extends EntryHeader {
  /** the encoded entry (header and signature, never the payload), as stored and sent */
  readonly bytes: Uint8Array
  /** the encoded header (what is signed, after the domain prefix) */
  readonly header: Uint8Array
  readonly signature: Uint8Array
  /** sha2-256 of `bytes`: the entry's identity, and what `previous` links to */
  readonly hash: Uint8Array
  /** the payload bytes, checked against `payloadHash` and `payloadSize`; absent when not held */
  readonly payload?: Uint8Array
  /** what the payload says; present exactly when `payload` is */
  readonly body?: EntryBody
}

const DAG_CBOR = 0x71
const SHA2_256 = 0x12

/** The entry id: a CIDv1 (dag-cbor, sha2-256) of the entry bytes, base32 (`bafyrei…`). */
export function entryId (hash: Uint8Array): string {
  return CID.createV1(DAG_CBOR, Digest.create(SHA2_256, hash)).toString()
}

/** The sha2-256 digest inside an entry id, or undefined when the string is not a Kiez entry id. */
export function parseEntryId (id: string): Uint8Array | undefined {
  if (typeof id !== 'string' || id.length > 100) return undefined
  try {
    const cid = CID.parse(id)
    if (
      cid.version !== 1 || cid.code !== DAG_CBOR || cid.multihash.code !== SHA2_256 ||
      cid.multihash.digest.byteLength !== HASH_BYTES
    ) return undefined
    return cid.multihash.digest
  } catch {
    return undefined
  }
}

/** The bytes a signature covers: domain prefix ‖ header. */
export function signedBytes (header: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNATURE_DOMAIN.byteLength + header.byteLength)
  out.set(SIGNATURE_DOMAIN, 0)
  out.set(header, SIGNATURE_DOMAIN.byteLength)
  return out
}

export interface ReadOptions {
  /** receiver's clock (ms); defaults to Date.now() */
  now?: number
  /** how far an author's timestamp may run ahead of `now` */
  maxFutureMs?: number
}

/**
 * Decodes an entry and applies every header rule that needs no author state,
 * no signature check and no payload: encoding, canonical form, the payload
 * size limit, the link rule of seq 1, the clock. Total: never throws.
 */
export function readEntry (bytes: Uint8Array, opts: ReadOptions = {}): Decoded<Entry> {
  const parsed = parseEntry(bytes)
  if (!parsed.ok) return parsed
  const header = parsed.value.value
  if (header.payloadSize > MAX_PAYLOAD_BYTES) {
    return {
      ok: false,
      code: 'content_too_large',
      message: `payload is ${header.payloadSize} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`
    }
  }
  if ((header.seq === 1) !== (header.previous === null)) {
    return {
      ok: false,
      code: 'wrong_previous',
      message: header.seq === 1 ? 'seq 1 must have no previous' : 'only seq 1 may omit previous'
    }
  }
  const now = opts.now ?? Date.now()
  const maxFuture = opts.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS
  if (header.timestamp > now + maxFuture) {
    return {
      ok: false,
      code: 'future_timestamp',
      message: `timestamp is ${header.timestamp - now} ms ahead of this box's clock (limit ${maxFuture} ms)`
    }
  }
  // Extend the freshly parsed object instead of copying it: this runs once per entry on catch-up.
  const entry = header as EntryHeader & {
    bytes: Uint8Array
    header: Uint8Array
    signature: Uint8Array
    hash: Uint8Array
  }
  entry.bytes = bytes
  entry.header = parsed.value.header
  entry.signature = parsed.value.signature
  entry.hash = sha256(bytes)
  return { ok: true, value: entry }
}

/**
 * Checks a payload against the header that commits to it: size, hash,
 * canonical CBOR, and for a known kind its shape and text limits (PROTOCOL.md
 * §4, payload table). Total: never throws. A kind this version does not know
 * gives `{ type: 'unknown', kind }`: valid, to be kept and forwarded.
 */
export function readPayload (
  header: Pick<EntryHeader, 'kind' | 'payloadHash' | 'payloadSize'>,
  payload: Uint8Array
): Decoded<EntryBody> {
  if (!(payload instanceof Uint8Array)) {
    return { ok: false, code: 'bad_encoding', message: 'payload is not a byte array' }
  }
  if (payload.byteLength !== header.payloadSize) {
    return {
      ok: false,
      code: 'payload_mismatch',
      message: `payload is ${payload.byteLength} bytes, the header says ${header.payloadSize}`
    }
  }
  // Only reachable with a header nobody validated (readEntry refuses payloadSize > MAX_PAYLOAD_BYTES).
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return {
      ok: false,
      code: 'content_too_large',
      message: `payload is ${payload.byteLength} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`
    }
  }
  if (!equalHash(sha256(payload), header.payloadHash)) {
    return { ok: false, code: 'payload_mismatch', message: 'payload does not match the hash in the header' }
  }
  const body = parseBody(header.kind, payload)
  if (!body.ok) return body
  const content = checkContent(body.value) ?? checkPeopleContent(body.value) ?? checkLifeContent(body.value)
  return content ?? body
}

/** The entry with its payload and body attached, or why the payload does not belong to it. Total: never throws. */
export function withPayload (entry: Entry, payload: Uint8Array): Decoded<Entry> {
  const body = readPayload(entry, payload)
  if (!body.ok) return body
  return { ok: true, value: { ...entry, payload, body: body.value } }
}

function equalHash (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

function utf8Length (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** The user text of a body, which the content limits apply to (none for delete and kinds to come). */
function bodyText (body: EntryBody): string | undefined {
  switch (body.type) {
    case 'profile':
      return body.name
    case 'post':
    case 'reply':
    case 'edit':
      return body.text
    default:
      return undefined
  }
}

function checkContent (body: EntryBody): Decoded<never> | undefined {
  if (body.type === 'mod-block' || body.type === 'mod-hide' || body.type === 'report') {
    // a reason may be empty (the entry itself says enough), but it is a line, not a post
    const size = utf8Length(body.reason)
    if (size <= MAX_REASON_BYTES) return undefined
    return { ok: false, code: 'malformed_content', message: `reason is over ${MAX_REASON_BYTES} UTF-8 bytes` }
  }
  if ((body.type === 'post' || body.type === 'reply') && body.images !== undefined) {
    const problem = imagesProblem(body.images)
    if (problem !== undefined) return { ok: false, code: 'malformed_content', message: problem }
  }
  const text = bodyText(body)
  if (text === undefined) return undefined
  const size = utf8Length(text)
  if (size > MAX_CONTENT_BYTES) {
    return {
      ok: false,
      code: 'content_too_large',
      message: `content is ${size} UTF-8 bytes, over the ${MAX_CONTENT_BYTES}-byte limit`
    }
  }
  // a post or reply with images may have no text; one without must have some
  const hasImages = (body.type === 'post' || body.type === 'reply') && body.images !== undefined
  if (size === 0 && !hasImages) {
    return { ok: false, code: 'malformed_content', message: `${body.type} text must not be empty` }
  }
  if (body.type === 'profile' && size > MAX_PROFILE_NAME_BYTES) {
    return {
      ok: false,
      code: 'malformed_content',
      message: `display name is over ${MAX_PROFILE_NAME_BYTES} UTF-8 bytes`
    }
  }
  return undefined
}

export interface CreateEntryInit {
  /**
   * Position in the author's feed, 1 for the first entry (PROTOCOL.md §2).
   *
   * @default none (required)
   */
  seq: number
  /**
   * SHA2-256 hash of the author's entry at `seq - 1`; null iff `seq` is 1.
   *
   * @default none (required)
   */
  previous: Uint8Array | null
  /**
   * The author's clock, milliseconds since the Unix epoch.
   *
   * @default none (required)
   */
  timestamp: number
  /**
   * What the entry says: a post, a reply, a profile, a delete, an edit, a
   * moderation list's block or hide, or a report.
   * Its kind goes into the header, its bytes become the payload.
   *
   * @default none (required)
   */
  body: KnownBody
}

/**
 * Signs a new entry and returns it with its payload and body attached. For
 * local authoring only: the input is trusted, so mistakes throw a FeedError
 * instead of returning a code.
 */
export function createEntry (signer: Signer, init: CreateEntryInit): Entry {
  const payload = encodeBody(init.body)
  const header = encodeHeader({
    author: signer.publicKey,
    seq: init.seq,
    previous: init.previous,
    timestamp: init.timestamp,
    kind: init.body.type,
    payloadHash: sha256(payload),
    payloadSize: payload.byteLength
  })
  const signature = signer.sign(signedBytes(header))
  const read = readEntry(encodeEnvelope(header, signature), { now: init.timestamp })
  if (!read.ok) throw new FeedError(read.code, read.message)
  const full = withPayload(read.value, payload)
  if (!full.ok) throw new FeedError(full.code, full.message)
  return full.value
}
