import { encode } from 'cborg'
import { ENTRY_VERSION } from './constants.js'
import { sha256, signerFromSeed, type Signer } from './crypto.js'
import { encodeEnvelope } from './encoding.js'
import { createEntry, entryId, readEntry, readPayload, signedBytes, type Entry } from './entry.js'

/**
 * Test vectors for docs/PROTOCOL.md (test/vectors/feed-entries.json).
 * Apply them in order with one state per author, starting empty, the
 * receiver's clock at `now`: a valid vector extends its author's log. When a
 * vector carries a payload, check it against the vector's header too: its
 * result is `payloadError`, or valid when that is absent. A payload's result
 * never changes the header's.
 */
export interface FeedVector {
  description: string
  publicKey: string
  /** the encoded header (hex) */
  header: string
  /** "kiez/entry/2" ‖ 0x00 ‖ header (hex) */
  signedBytes: string
  signature: string
  /** the entry: [header, signature] (hex) */
  entryBytes: string
  /** sha2-256 of entryBytes (hex) */
  hash: string
  id: string
  /** the payload delivered with the entry (hex); absent: header only */
  payload?: string
  /** the entry (header) is accepted and extends the log */
  valid: boolean
  /** why the entry is refused */
  error?: string
  /** why the payload is refused; absent with a payload: the payload is valid */
  payloadError?: string
  now: number
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const VECTOR_NOW = 1_767_225_600_000 // 2026-01-01T00:00:00Z

interface Delivery {
  header: Uint8Array
  signature: Uint8Array
  bytes: Uint8Array
  payload?: Uint8Array
}

export function buildVectors (): FeedVector[] {
  const alice = signerFromSeed(new Uint8Array(32).map((_, i) => i))
  const mallory = signerFromSeed(new Uint8Array(32).map((_, i) => 255 - i))
  const t = VECTOR_NOW - 60_000
  const out: FeedVector[] = []
  const push = (description: string, d: Delivery, result: { error?: string, payloadError?: string } = {}): void => {
    out.push({
      description,
      publicKey: hex(alice.publicKey),
      header: hex(d.header),
      signedBytes: hex(signedBytes(d.header)),
      signature: hex(d.signature),
      entryBytes: hex(d.bytes),
      hash: hex(sha256(d.bytes)),
      id: entryId(sha256(d.bytes)),
      ...(d.payload !== undefined ? { payload: hex(d.payload) } : {}),
      valid: result.error === undefined,
      ...(result.error !== undefined ? { error: result.error } : {}),
      ...(result.payloadError !== undefined ? { payloadError: result.payloadError } : {}),
      now: VECTOR_NOW
    })
  }
  const full = (e: Entry): Delivery => ({
    header: e.header,
    signature: e.signature,
    bytes: e.bytes,
    payload: e.payload
  })
  const headerOnly = (e: Delivery): Delivery => ({ header: e.header, signature: e.signature, bytes: e.bytes })
  /** Signs header fields as given, so vectors can hold what createEntry would never make. */
  const sign = (signer: Signer, header: Uint8Array, payload?: Uint8Array): Delivery => {
    const signature = signer.sign(signedBytes(header))
    return { header, signature, bytes: encodeEnvelope(header, signature), payload }
  }
  const fields = (seq: number, previous: Uint8Array | null, timestamp: number, kind: string, payload: Uint8Array) => [
    ENTRY_VERSION,
    alice.publicKey,
    seq,
    previous,
    timestamp,
    kind,
    sha256(payload),
    payload.byteLength
  ]
  const raw = (seq: number, previous: Uint8Array | null, timestamp: number, kind: string, content: unknown[]) => {
    const payload = encode(content)
    return sign(alice, encode(fields(seq, previous, timestamp, kind, payload)), payload)
  }

  const e1 = createEntry(alice, {
    seq: 1,
    previous: null,
    timestamp: t,
    body: { type: 'post', text: 'Hallo Kiez! Wer hat eine Leiter?' }
  })
  const e2 = createEntry(alice, {
    seq: 2,
    previous: e1.hash,
    timestamp: t + 1000,
    body: { type: 'reply', text: 'Hat sich erledigt, danke 🙂', replyTo: e1.hash }
  })
  const e3 = createEntry(alice, {
    seq: 3,
    previous: e2.hash,
    timestamp: t + 2000,
    body: { type: 'profile', name: 'Alice aus Nr. 7' }
  })
  push('valid: seq 1, a post (no previous), with its payload', full(e1))
  push('valid: seq 2, a reply to seq 1 (multi-byte UTF-8 text)', full(e2))
  push('valid: seq 3, a profile (display name)', full(e3))

  push(
    'bad_encoding: seq 3 truncated by 5 bytes',
    { ...headerOnly(e3), bytes: e3.bytes.subarray(0, e3.bytes.byteLength - 5) },
    { error: 'bad_encoding' }
  )

  const p4 = encode(['non-minimal seq'])
  const canonical = Buffer.from(encode(fields(4, e3.hash, t + 3000, 'post', p4)))
  const at = canonical.indexOf(Buffer.concat([Buffer.from([0x04, 0x58, 0x20]), e3.hash]))
  const nonMinimal = Buffer.concat([canonical.subarray(0, at), Buffer.from([0x18, 0x04]), canonical.subarray(at + 1)])
  push(
    'non_canonical: seq 4 encoded as 0x18 0x04 instead of 0x04 (validly signed)',
    headerOnly(sign(alice, nonMinimal)),
    {
      error: 'non_canonical'
    }
  )

  const forged = encode(fields(4, e3.hash, t + 3000, 'post', encode(['forged'])))
  push('bad_signature: seq 4 claiming Alice as author, signed by another key', sign(mallory, forged), {
    error: 'bad_signature'
  })
  push('wrong_seq: seq 5 while the log ends at 3 (a gap)', headerOnly(raw(5, e3.hash, t + 3000, 'post', ['too far'])), {
    error: 'wrong_seq'
  })
  push(
    'wrong_previous: seq 4 whose previous is not the hash of seq 3',
    headerOnly(raw(4, new Uint8Array(32), t + 3000, 'post', ['wrong link'])),
    { error: 'wrong_previous' }
  )
  const huge = fields(4, e3.hash, t + 3000, 'post', new Uint8Array(10_241))
  push(
    'content_too_large: seq 4 whose header announces a payload of 10241 bytes',
    headerOnly(sign(alice, encode(huge))),
    { error: 'content_too_large' }
  )
  const v1 = fields(4, e3.hash, t + 3000, 'post', encode(['format 1?']))
  v1[0] = 1
  push('bad_encoding: a header of version 1', headerOnly(sign(alice, encode(v1))), { error: 'bad_encoding' })
  push(
    'bad_encoding: kind "Post" (a kind is lower case)',
    headerOnly(raw(4, e3.hash, t + 3000, 'Post', ['upper case'])),
    { error: 'bad_encoding' }
  )
  push(
    'future_timestamp: 10 minutes and 1 ms ahead of the receiver',
    headerOnly(raw(4, e3.hash, VECTOR_NOW + 600_001, 'post', ['from the future'])),
    { error: 'future_timestamp' }
  )

  const e4 = createEntry(alice, {
    seq: 4,
    previous: e3.hash,
    timestamp: t + 3000,
    body: { type: 'post', text: 'Leiter steht im Hof' }
  })
  const p = e4.payload as Uint8Array
  push('valid: seq 4, a post, header only (its payload is not delivered)', headerOnly(e4))
  push('duplicate: seq 4 again, now with its payload (fetched again: the payload is valid)', full(e4), {
    error: 'duplicate'
  })
  const otherBytes = Uint8Array.from(p)
  otherBytes[p.byteLength - 1] = (p[p.byteLength - 1] as number) ^ 0x01 // 'f' → 'g': same size, other hash
  push(
    'payload_mismatch: seq 4 again, with a payload of the right size but one byte changed',
    { ...headerOnly(e4), payload: otherBytes },
    { error: 'duplicate', payloadError: 'payload_mismatch' }
  )
  push(
    'payload_mismatch: seq 4 again, with its payload and one byte more',
    { ...headerOnly(e4), payload: Uint8Array.from([...p, 0x00]) },
    { error: 'duplicate', payloadError: 'payload_mismatch' }
  )

  const e5 = createEntry(alice, {
    seq: 5,
    previous: e4.hash,
    timestamp: t + 4000,
    body: { type: 'delete', target: e1.hash }
  })
  push('valid: seq 5, a delete naming seq 1 (the hash of vector 1)', full(e5))
  const e6 = createEntry(alice, {
    seq: 6,
    previous: e5.hash,
    timestamp: t + 5000,
    body: { type: 'edit', target: e4.hash, text: 'Leiter steht jetzt im Keller' }
  })
  push('valid: seq 6, an edit of seq 4 (new text for the post)', full(e6))
  const poll = raw(7, e6.hash, t + 6000, 'poll', ['Hoffest am Samstag?', ['ja', 'nein']])
  // written when "poll" was a kind to come; now a known kind, whose payload lacks multiple and closesAt
  push(
    'malformed_content: seq 7, a poll of two items, without multiple and closesAt (its header is valid)',
    poll,
    { payloadError: 'malformed_content' }
  )
  const pollHash = sha256(poll.bytes)
  const noReplyTo = raw(8, pollHash, t + 7000, 'reply', ['to what?'])
  push('malformed_content: seq 8, a reply whose payload has no replyTo (its header is valid)', noReplyTo, {
    payloadError: 'malformed_content'
  })
  const tooLong = raw(9, sha256(noReplyTo.bytes), t + 8000, 'post', ['€'.repeat(2731)])
  push('content_too_large: seq 9, a post of 2731 × "€" = 8193 UTF-8 bytes (its header is valid)', tooLong, {
    payloadError: 'content_too_large'
  })

  // A moderation list's entries and a report (PROTOCOL.md §2): Alice blocks Mallory, hides vector 2, reports vector 4.
  const e10 = createEntry(alice, {
    seq: 10,
    previous: sha256(tooLong.bytes),
    timestamp: t + 9000,
    body: { type: 'mod-block', author: mallory.publicKey, reason: 'Werbung, immer wieder' }
  })
  push('valid: seq 10, a mod-block naming Mallory\'s key, with a reason', full(e10))
  const e11 = createEntry(alice, {
    seq: 11,
    previous: e10.hash,
    timestamp: t + 10_000,
    body: { type: 'mod-hide', target: e2.hash, reason: '' }
  })
  push('valid: seq 11, a mod-hide naming seq 2 (the hash of vector 2), with an empty reason', full(e11))
  const e12 = createEntry(alice, {
    seq: 12,
    previous: e11.hash,
    timestamp: t + 11_000,
    body: { type: 'report', target: e4.hash, reason: 'Falsche Adresse 🙁' }
  })
  push('valid: seq 12, a report of seq 4 (the hash of vector 13)', full(e12))
  const longReason = raw(13, e12.hash, t + 12_000, 'mod-block', [mallory.publicKey, 'x'.repeat(281)])
  push('malformed_content: seq 13, a mod-block whose reason is 281 bytes (its header is valid)', longReason, {
    payloadError: 'malformed_content'
  })

  push('duplicate: seq 2 again (idempotent, not an error for the sender)', full(e2), { error: 'duplicate' })
  const fork = createEntry(alice, {
    seq: 2,
    previous: e1.hash,
    timestamp: t + 1500,
    body: { type: 'post', text: 'a second seq 2' }
  })
  push('forked: a second validly signed seq 2 — a fork proof with the stored seq 2', headerOnly(fork), {
    error: 'forked'
  })

  // Guard the generator itself: every byte string above must be what it says.
  for (const v of out) {
    const read = readEntry(Buffer.from(v.entryBytes, 'hex'), { now: VECTOR_NOW })
    if (v.valid && !read.ok) throw new Error(`vector "${v.description}" does not read`)
    if (v.payload === undefined) continue
    const body = read.ok ? readPayload(read.value, Buffer.from(v.payload, 'hex')) : undefined
    if ((body?.ok === true ? undefined : body?.code) !== v.payloadError) {
      throw new Error(`vector "${v.description}": payload result differs`)
    }
  }
  return out
}
