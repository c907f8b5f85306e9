import { encode } from 'cborg'
import { signerFromSeed, type Signer } from './crypto.js'
import { encodeEnvelope } from './encoding.js'
import { createEntry, entryId, readEntry, signedBytes, type Entry } from './entry.js'
import { sha256 } from './crypto.js'

/**
 * Test vectors for docs/PROTOCOL.md (test/vectors/feed-entries.json).
 * Apply them in order with one state per author, starting empty, the
 * receiver's clock at `now`: a valid vector extends its author's log.
 */
export interface FeedVector {
  description: string
  publicKey: string
  signedBytes: string
  signature: string
  entryBytes: string
  id: string
  valid: boolean
  error?: string
  now: number
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const VECTOR_NOW = 1_767_225_600_000 // 2026-01-01T00:00:00Z

export function buildVectors (): FeedVector[] {
  const alice = signerFromSeed(new Uint8Array(32).map((_, i) => i))
  const mallory = signerFromSeed(new Uint8Array(32).map((_, i) => 255 - i))
  const t = VECTOR_NOW - 60_000
  const out: FeedVector[] = []
  const push = (
    description: string,
    author: Signer,
    payload: Uint8Array,
    signature: Uint8Array,
    bytes: Uint8Array,
    error?: string
  ): void => {
    out.push({
      description,
      publicKey: hex(author.publicKey),
      signedBytes: hex(signedBytes(payload)),
      signature: hex(signature),
      entryBytes: hex(bytes),
      id: entryId(sha256(bytes)),
      valid: error === undefined,
      ...(error !== undefined ? { error } : {}),
      now: VECTOR_NOW
    })
  }
  const ok = (d: string, e: Entry): void => push(d, alice, e.payload, e.signature, e.bytes)
  const raw = (d: string, signer: Signer, value: unknown[] | Uint8Array, error: string): void => {
    const payload = value instanceof Uint8Array ? value : encode(value)
    const sig = signer.sign(signedBytes(payload))
    push(d, alice, payload, sig, encodeEnvelope(payload, sig), error)
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
  ok('valid: seq 1, a post (no previous)', e1)
  ok('valid: seq 2, a reply to seq 1 (multi-byte UTF-8 text)', e2)
  ok('valid: seq 3, a profile (display name)', e3)

  const truncated = e3.bytes.subarray(0, e3.bytes.byteLength - 5)
  push('bad_encoding: seq 3 truncated by 5 bytes', alice, e3.payload, e3.signature, truncated, 'bad_encoding')

  const canonical = Buffer.from(encode([1, alice.publicKey, 4, e3.hash, t + 3000, 'post', ['non-minimal seq']]))
  const at = canonical.indexOf(Buffer.concat([Buffer.from([0x04, 0x58, 0x20]), e3.hash]))
  const nonMinimal = Buffer.concat([canonical.subarray(0, at), Buffer.from([0x18, 0x04]), canonical.subarray(at + 1)])
  raw('non_canonical: seq 4 encoded as 0x18 0x04 instead of 0x04 (validly signed)', alice, nonMinimal, 'non_canonical')

  const forgedPayload = encode([1, alice.publicKey, 4, e3.hash, t + 3000, 'post', ['forged']])
  const forgedSig = mallory.sign(signedBytes(forgedPayload))
  push(
    'bad_signature: seq 4 claiming Alice as author, signed by another key',
    alice,
    forgedPayload,
    forgedSig,
    encodeEnvelope(forgedPayload, forgedSig),
    'bad_signature'
  )

  raw('wrong_seq: seq 5 while the log ends at 3 (a gap)', alice, [1, alice.publicKey, 5, e3.hash, t + 3000, 'post', [
    'too far ahead'
  ]], 'wrong_seq')
  raw('wrong_previous: seq 4 whose previous is not the hash of seq 3', alice, [
    1,
    alice.publicKey,
    4,
    new Uint8Array(32),
    t + 3000,
    'post',
    ['wrong link']
  ], 'wrong_previous')
  raw('content_too_large: 2731 × "€" = 8193 UTF-8 bytes (2731 characters)', alice, [
    1,
    alice.publicKey,
    4,
    e3.hash,
    t + 3000,
    'post',
    ['€'.repeat(2731)]
  ], 'content_too_large')
  raw('unknown_type: type "react"', alice, [1, alice.publicKey, 4, e3.hash, t + 3000, 'react', ['+1']], 'unknown_type')
  raw('malformed_content: a reply without replyTo', alice, [1, alice.publicKey, 4, e3.hash, t + 3000, 'reply', [
    'to what?'
  ]], 'malformed_content')
  raw('future_timestamp: 10 minutes and 1 ms ahead of the receiver', alice, [
    1,
    alice.publicKey,
    4,
    e3.hash,
    VECTOR_NOW + 600_001,
    'post',
    ['from the future']
  ], 'future_timestamp')
  push(
    'duplicate: seq 2 again (idempotent, not an error for the sender)',
    alice,
    e2.payload,
    e2.signature,
    e2.bytes,
    'duplicate'
  )
  const fork = createEntry(alice, {
    seq: 2,
    previous: e1.hash,
    timestamp: t + 1500,
    body: { type: 'post', text: 'a second seq 2' }
  })
  push(
    'forked: a second validly signed seq 2 — a fork proof with the stored seq 2',
    alice,
    fork.payload,
    fork.signature,
    fork.bytes,
    'forked'
  )
  // Guard the generator itself: every byte string above must be what it says.
  for (const v of out) {
    if (v.valid && !readEntry(Buffer.from(v.entryBytes, 'hex'), { now: VECTOR_NOW }).ok) {
      throw new Error(`vector "${v.description}" does not read`)
    }
  }
  return out
}
