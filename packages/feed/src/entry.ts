import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import {
  DEFAULT_MAX_FUTURE_MS,
  HASH_BYTES,
  MAX_CONTENT_BYTES,
  MAX_PROFILE_NAME_BYTES,
  SIGNATURE_DOMAIN
} from './constants.js'
import { sha256, type Signer } from './crypto.js'
import { encodeEnvelope, encodePayload, type Decoded, type EntryBody, type EntryPayload } from './encoding.js'
import { parseEntry } from './parse.js'
import { FeedError } from './errors.js'

/** A decoded entry together with the exact bytes it came from. */
export interface Entry extends EntryPayload {
  /** the full encoded entry, as stored and sent */
  readonly bytes: Uint8Array
  /** the encoded payload (what is signed, after the domain prefix) */
  readonly payload: Uint8Array
  readonly signature: Uint8Array
  /** sha2-256 of `bytes`: the entry's identity, and what `previous` links to */
  readonly hash: Uint8Array
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

/** The bytes a signature covers: domain prefix ‖ payload. */
export function signedBytes (payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNATURE_DOMAIN.byteLength + payload.byteLength)
  out.set(SIGNATURE_DOMAIN, 0)
  out.set(payload, SIGNATURE_DOMAIN.byteLength)
  return out
}

export interface ReadOptions {
  /** receiver's clock (ms); defaults to Date.now() */
  now?: number
  /** how far an author's timestamp may run ahead of `now` */
  maxFutureMs?: number
}

/**
 * Decodes an entry and applies every rule that needs no author state and no
 * signature check: encoding, canonical form, type and content, sizes, clock.
 * Total: never throws, whatever the bytes.
 */
export function readEntry (bytes: Uint8Array, opts: ReadOptions = {}): Decoded<Entry> {
  const parsed = parseEntry(bytes)
  if (!parsed.ok) return parsed
  const payload = parsed.value.value
  const content = checkContent(payload.body)
  if (content !== undefined) return content
  if ((payload.seq === 1) !== (payload.previous === null)) {
    return {
      ok: false,
      code: 'wrong_previous',
      message: payload.seq === 1 ? 'seq 1 must have no previous' : 'only seq 1 may omit previous'
    }
  }
  const now = opts.now ?? Date.now()
  const maxFuture = opts.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS
  if (payload.timestamp > now + maxFuture) {
    return {
      ok: false,
      code: 'future_timestamp',
      message: `timestamp is ${payload.timestamp - now} ms ahead of this box's clock (limit ${maxFuture} ms)`
    }
  }
  // Extend the freshly parsed object instead of copying it: this runs once per entry on catch-up.
  const entry = payload as EntryPayload & {
    bytes: Uint8Array
    payload: Uint8Array
    signature: Uint8Array
    hash: Uint8Array
  }
  entry.bytes = bytes
  entry.payload = parsed.value.payload
  entry.signature = parsed.value.signature
  entry.hash = sha256(bytes)
  return { ok: true, value: entry }
}

function utf8Length (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

function checkContent (body: EntryBody): Decoded<never> | undefined {
  const text = body.type === 'profile' ? body.name : body.text
  const size = utf8Length(text)
  if (size > MAX_CONTENT_BYTES) {
    return {
      ok: false,
      code: 'content_too_large',
      message: `content is ${size} UTF-8 bytes, over the ${MAX_CONTENT_BYTES}-byte limit`
    }
  }
  if (size === 0) return { ok: false, code: 'malformed_content', message: `${body.type} must not be empty` }
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
   * What the entry says: a post, a reply or a profile.
   *
   * @default none (required)
   */
  body: EntryBody
}

/**
 * Signs a new entry. For local authoring only: the input is trusted, so
 * mistakes throw a FeedError instead of returning a code.
 */
export function createEntry (signer: Signer, init: CreateEntryInit): Entry {
  const payload: EntryPayload = { author: signer.publicKey, ...init }
  const payloadBytes = encodePayload(payload)
  const signature = signer.sign(signedBytes(payloadBytes))
  const bytes = encodeEnvelope(payloadBytes, signature)
  const read = readEntry(bytes, { now: init.timestamp })
  if (!read.ok) throw new FeedError(read.code, read.message)
  return read.value
}
