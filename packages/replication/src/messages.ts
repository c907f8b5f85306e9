import { HASH_BYTES, MAX_ENTRY_BYTES, MAX_PAYLOAD_BYTES, PUBLIC_KEY_BYTES } from '@kiez/feed'
import { decode, encode } from 'cborg'
import { MAX_FORK_PROOF_BYTES, MAX_HEADS_PER_MESSAGE, MAX_PAYLOAD_HASHES, RECONCILE_FRAME_LIMIT } from './constants.js'
import { ReplicationError, SyncErrorCodes, type SyncErrorCode } from './errors.js'

/** One author's head as exchanged by sync. `timestamp` is the head entry's (unsigned claim, used only for ordering). */
export interface WireHead {
  author: Uint8Array
  seq: number
  /** sha2-256 of the entry at `seq`; empty when seq is 0 (only a fork mark is held) */
  hash: Uint8Array
  forkedAt?: number
  timestamp?: number
}

/** An entry and its payload when the sender holds it (a box may hold headers only). */
export interface WireItem {
  entry: Uint8Array
  payload?: Uint8Array
}

/** A payload asked for by entry hash; absent when the responder does not hold it (or it was deleted). */
export interface WirePayload {
  hash: Uint8Array
  payload?: Uint8Array
}

/**
 * The sync messages. On the wire each is a CBOR array whose first element is
 * the type number (docs/SYNC.md §3); positions, not names, carry the fields.
 */
export type SyncMessage =
  | { type: 'heads', heads: WireHead[], more: boolean }
  | { type: 'get', author: Uint8Array, from: number, to: number }
  | { type: 'entries', author: Uint8Array, items: WireItem[] }
  | { type: 'getFork', author: Uint8Array }
  | { type: 'fork', author: Uint8Array, proof: Uint8Array | null }
  | { type: 'error', code: SyncErrorCode, message: string }
  | { type: 'getPayloads', hashes: Uint8Array[] }
  | { type: 'payloads', payloads: WirePayload[] }
  /** /kiez/sync/2.1.0 only: one negentropy V1 message (docs/SYNC.md §3.7) */
  | { type: 'reconcile', message: Uint8Array }
  /** /kiez/sync/2.1.0 only: the heads behind these head ids, please (ids the reconciliation said we lack) */
  | { type: 'getHeads', ids: Uint8Array[], more: boolean }

export const MessageType = {
  heads: 0,
  get: 1,
  entries: 2,
  getFork: 3,
  fork: 4,
  error: 5,
  getPayloads: 6,
  payloads: 7,
  reconcile: 8,
  getHeads: 9
} as const

const MAX_ERROR_MESSAGE_CHARS = 256

export function encodeMessage (m: SyncMessage): Uint8Array {
  switch (m.type) {
    case 'heads':
      return encode([MessageType.heads, m.heads.map(encodeHead), m.more])
    case 'get':
      return encode([MessageType.get, m.author, m.from, m.to])
    case 'entries':
      return encode([MessageType.entries, m.author, m.items.map((i) => [i.entry, i.payload ?? null])])
    case 'getFork':
      return encode([MessageType.getFork, m.author])
    case 'fork':
      return encode([MessageType.fork, m.author, m.proof])
    case 'error':
      return encode([MessageType.error, m.code, m.message.slice(0, MAX_ERROR_MESSAGE_CHARS)])
    case 'getPayloads':
      return encode([MessageType.getPayloads, m.hashes])
    case 'payloads':
      return encode([MessageType.payloads, m.payloads.map((p) => [p.hash, p.payload ?? null])])
    case 'reconcile':
      return encode([MessageType.reconcile, m.message])
    case 'getHeads':
      return encode([MessageType.getHeads, m.ids, m.more])
  }
}

function encodeHead (h: WireHead): unknown[] {
  return [h.author, h.seq, h.hash, h.forkedAt ?? null, h.timestamp ?? null]
}

function bad (message: string): never {
  throw new ReplicationError('bad_message', message)
}

/** Strict decoding: no tags, no indefinite lengths, no undefined, no bigints, canonical integers. */
const DECODE_OPTIONS = {
  strict: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowBigInt: false,
  allowInfinity: false,
  allowNaN: false,
  tags: [],
  useMaps: false
} as const

/** Decodes and type-checks one frame. Throws ReplicationError('bad_message') for anything else. */
export function decodeMessage (frame: Uint8Array): SyncMessage {
  let v: unknown
  try {
    v = decode(frame, DECODE_OPTIONS)
  } catch (err) {
    bad(`not well-formed CBOR: ${(err as Error).message}`)
  }
  if (!Array.isArray(v) || v.length === 0) bad('a sync message is a non-empty CBOR array')
  const a = v as unknown[]
  switch (a[0]) {
    case MessageType.heads: {
      arity(a, 3)
      if (!Array.isArray(a[1])) bad('heads must be an array')
      if (a[1].length > MAX_HEADS_PER_MESSAGE) {
        throw new ReplicationError(
          'too_many_heads',
          `${a[1].length} heads in one message (limit ${MAX_HEADS_PER_MESSAGE})`
        )
      }
      return { type: 'heads', heads: a[1].map(decodeHead), more: bool(a[2], 'more') }
    }
    case MessageType.get: {
      arity(a, 4)
      const from = uint(a[2], 'from')
      const to = uint(a[3], 'to')
      if (from < 1 || to < from) bad(`bad range [${from}, ${to}]`)
      return { type: 'get', author: bytes(a[1], 'author', PUBLIC_KEY_BYTES), from, to }
    }
    case MessageType.entries: {
      arity(a, 3)
      if (!Array.isArray(a[2])) bad('entries must be an array')
      const items = a[2].map(decodeItem)
      return { type: 'entries', author: bytes(a[1], 'author', PUBLIC_KEY_BYTES), items }
    }
    case MessageType.getFork:
      arity(a, 2)
      return { type: 'getFork', author: bytes(a[1], 'author', PUBLIC_KEY_BYTES) }
    case MessageType.fork: {
      arity(a, 3)
      const proof = a[2] === null ? null : a[2]
      if (proof !== null && (!(proof instanceof Uint8Array) || proof.byteLength > MAX_FORK_PROOF_BYTES)) {
        bad(`proof must be null or a byte string of at most ${MAX_FORK_PROOF_BYTES} bytes`)
      }
      return { type: 'fork', author: bytes(a[1], 'author', PUBLIC_KEY_BYTES), proof }
    }
    case MessageType.error: {
      arity(a, 3)
      if (typeof a[2] !== 'string') bad('error message must be a text string')
      // An unknown code from a newer peer is still an error: keep it as 'bad_message' rather than trust it.
      const code = (SyncErrorCodes as readonly unknown[]).includes(a[1]) ? a[1] as SyncErrorCode : 'bad_message'
      return { type: 'error', code, message: a[2].slice(0, MAX_ERROR_MESSAGE_CHARS) }
    }
    case MessageType.getPayloads: {
      arity(a, 2)
      if (!Array.isArray(a[1]) || a[1].length === 0 || a[1].length > MAX_PAYLOAD_HASHES) {
        bad(`hashes must be an array of 1..${MAX_PAYLOAD_HASHES}`)
      }
      return { type: 'getPayloads', hashes: a[1].map((h) => bytes(h, 'hash', HASH_BYTES)) }
    }
    case MessageType.payloads: {
      arity(a, 2)
      if (!Array.isArray(a[1]) || a[1].length > MAX_PAYLOAD_HASHES) {
        bad(`payloads must be an array of ≤ ${MAX_PAYLOAD_HASHES}`)
      }
      return { type: 'payloads', payloads: a[1].map(decodePair) }
    }
    case MessageType.reconcile: {
      arity(a, 2)
      const message = a[1]
      if (!(message instanceof Uint8Array) || message.byteLength === 0 || message.byteLength > RECONCILE_FRAME_LIMIT) {
        bad(`a reconcile message must be a byte string of 1..${RECONCILE_FRAME_LIMIT} bytes`)
      }
      return { type: 'reconcile', message }
    }
    case MessageType.getHeads: {
      arity(a, 3)
      if (!Array.isArray(a[1]) || a[1].length > MAX_HEADS_PER_MESSAGE) {
        bad(`ids must be an array of at most ${MAX_HEADS_PER_MESSAGE}`)
      }
      return { type: 'getHeads', ids: a[1].map((h) => bytes(h, 'id', HASH_BYTES)), more: bool(a[2], 'more') }
    }
    default:
      return bad(`unknown message type ${String(a[0])}`)
  }
}

function decodeItem (i: unknown): WireItem {
  if (!Array.isArray(i) || i.length !== 2) bad('an item is an array of 2: [entry, payload / null]')
  const [entry, payload] = i as unknown[]
  if (!(entry instanceof Uint8Array) || entry.byteLength === 0 || entry.byteLength > MAX_ENTRY_BYTES) {
    bad(`each entry must be a byte string of 1..${MAX_ENTRY_BYTES} bytes`)
  }
  if (payload === null) return { entry }
  return { entry, payload: payloadBytes(payload) }
}

function decodePair (p: unknown): WirePayload {
  if (!Array.isArray(p) || p.length !== 2) bad('a payload answer is an array of 2: [hash, payload / null]')
  const hash = bytes(p[0], 'hash', HASH_BYTES)
  return p[1] === null ? { hash } : { hash, payload: payloadBytes(p[1]) }
}

function payloadBytes (v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array) || v.byteLength > MAX_PAYLOAD_BYTES) {
    bad(`a payload must be null or a byte string of at most ${MAX_PAYLOAD_BYTES} bytes`)
  }
  return v
}

function decodeHead (h: unknown): WireHead {
  if (!Array.isArray(h) || h.length !== 5) bad('a head is an array of 5')
  const seq = uint(h[1], 'seq')
  const head: WireHead = {
    author: bytes(h[0], 'author', PUBLIC_KEY_BYTES),
    seq,
    hash: bytes(h[2], 'hash', seq === 0 ? 0 : HASH_BYTES)
  }
  if (h[3] !== null) {
    head.forkedAt = uint(h[3], 'forkedAt')
    if (head.forkedAt < 1) bad('forkedAt must be ≥ 1')
  }
  if (h[4] !== null) head.timestamp = uint(h[4], 'timestamp')
  return head
}

function arity (a: unknown[], n: number): void {
  if (a.length !== n) bad(`message type ${String(a[0])} has ${n} elements, got ${a.length}`)
}

function uint (v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`${name} must be an unsigned integer`)
  return v
}

function bool (v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') bad(`${name} must be a boolean`)
  return v
}

function bytes (v: unknown, name: string, length: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.byteLength !== length) bad(`${name} must be a ${length}-byte string`)
  return v
}
