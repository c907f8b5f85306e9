import { concatBytes } from '@kiez/feed'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { MessageError } from './errors.js'

/**
 * The sealed envelope of a `message` entry (docs/PROTOCOL.md §2, "Private
 * messages", is normative):
 *
 *   envelope = 0x01 ‖ E (32) ‖ slot × 9 (48 each) ‖ body (class + 16)
 *   slot     = ChaCha20-Poly1305(HKDF(X25519(e, R), salt E ‖ R, "kiez/dm/1 slot"), K, aad E)
 *   body     = ChaCha20-Poly1305(HKDF(K, salt E, "kiez/dm/1 body"), padded, aad 0x01 ‖ E ‖ slots)
 *   padded   = u16be(n) ‖ inner (n bytes) ‖ zeros, to a size class
 *   inner    = from (32) ‖ count (1) ‖ to (8 × 32, unused ones zero) ‖ text (UTF-8)
 *
 * The primitives are @noble's; this file only arranges them. Every slot is
 * the same size and there are always 9 (unused ones random), in random
 * order, so an observer learns neither who can read a message nor how many.
 */

export const ENVELOPE_VERSION = 1
/** Recipients besides the sender. */
export const MAX_RECIPIENTS = 8
/** Always this many slots: 8 recipients and the sender's own. */
export const SLOTS = MAX_RECIPIENTS + 1
export const SLOT_BYTES = 32 + 16
export const TAG_BYTES = 16
/** Padded plaintext sizes: an observer learns which, not the length. */
export const SIZE_CLASSES = [512, 1024, 2048, 4096, 8192] as const
/** A message's text, in UTF-8 bytes. */
export const MAX_MESSAGE_TEXT_BYTES = 4096
export const KEY_BYTES = 32

const HEAD_BYTES = 1 + 32
const SLOTS_BYTES = SLOTS * SLOT_BYTES
const SLOT_INFO = new TextEncoder().encode('kiez/dm/1 slot')
const BODY_INFO = new TextEncoder().encode('kiez/dm/1 body')
const KEY_INFO = new TextEncoder().encode('kiez/dm/1 x25519')

/** The envelope sizes a valid `message` payload may have, one per size class. */
export const ENVELOPE_SIZES: readonly number[] = SIZE_CLASSES.map((c) => HEAD_BYTES + SLOTS_BYTES + c + TAG_BYTES)

export interface DmKeyPair {
  secret: Uint8Array
  publicKey: Uint8Array
}

/**
 * A member's X25519 key pair, derived from their ed25519 seed with HKDF (its
 * own info string, so the signing scalar is never reused for Diffie-Hellman):
 * no second secret to store, and the recovery phrase brings it back.
 */
export function dmKeyPairFromSeed (seed: Uint8Array): DmKeyPair {
  if (seed.byteLength !== 32) throw new MessageError('bad_key', 'an ed25519 seed is 32 bytes')
  const secret = hkdf(sha256, seed, new Uint8Array(0), KEY_INFO, 32)
  return { secret, publicKey: x25519.getPublicKey(secret) }
}

export interface Plain {
  /** the sender's ed25519 author key: a reader checks it is the entry's author */
  from: Uint8Array
  /** the recipients' author keys (not the sender), 1 … 8 */
  to: Uint8Array[]
  text: string
}

export interface SealInput extends Plain {
  /** each recipient's published X25519 key, in the order of `to`, and the sender's own last */
  keys: Uint8Array[]
  /** fixed randomness, for test vectors only: ephemeral secret, message key, slot order, filler */
  random?: (n: number) => Uint8Array
}

function slotKey (shared: Uint8Array, e: Uint8Array, r: Uint8Array): { key: Uint8Array, nonce: Uint8Array } {
  const okm = hkdf(sha256, shared, concatBytes(e, r), SLOT_INFO, 44)
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) }
}

function bodyKey (k: Uint8Array, e: Uint8Array): { key: Uint8Array, nonce: Uint8Array } {
  const okm = hkdf(sha256, k, e, BODY_INFO, 44)
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) }
}

/** Seals a message for `to` and the sender. Throws MessageError for too many recipients or too long a text. */
export function seal (input: SealInput): Uint8Array {
  const rnd = input.random ?? randomBytes
  const text = new TextEncoder().encode(input.text)
  if (text.byteLength === 0) throw new MessageError('bad_message', 'a message has text')
  if (text.byteLength > MAX_MESSAGE_TEXT_BYTES) {
    throw new MessageError('message_too_large', `a message is at most ${MAX_MESSAGE_TEXT_BYTES} UTF-8 bytes`)
  }
  if (input.to.length < 1 || input.to.length > MAX_RECIPIENTS) {
    throw new MessageError('too_many_recipients', `a message has 1 to ${MAX_RECIPIENTS} recipients`)
  }
  if (input.keys.length !== input.to.length + 1 || input.keys.some((k) => k.byteLength !== KEY_BYTES)) {
    throw new MessageError('bad_key', 'one 32-byte X25519 key per recipient and the sender\'s')
  }
  // the recipient list always takes 8 places, so the size class does not tell how many there are
  const to = new Uint8Array(MAX_RECIPIENTS * 32)
  input.to.forEach((r, i) => to.set(r, i * 32))
  const inner = concatBytes(input.from, Uint8Array.of(input.to.length), to, text)
  const size = SIZE_CLASSES.find((c) => c >= inner.byteLength + 2) as number
  const padded = new Uint8Array(size)
  padded[0] = inner.byteLength >> 8
  padded[1] = inner.byteLength & 0xff
  padded.set(inner, 2)

  const eSecret = rnd(32)
  const e = x25519.getPublicKey(eSecret)
  const k = rnd(32)
  // one slot per distinct key (a message to oneself needs one), the rest random filler
  const distinct = dedupe(input.keys)
  const slots: Uint8Array[] = distinct.map((r) => {
    const s = slotKey(x25519.getSharedSecret(eSecret, r), e, r)
    return chacha20poly1305(s.key, s.nonce, e).encrypt(k)
  })
  while (slots.length < SLOTS) slots.push(rnd(SLOT_BYTES))
  shuffle(slots, rnd)
  const head = concatBytes(Uint8Array.of(ENVELOPE_VERSION), e)
  const allSlots = concatBytes(...slots)
  const b = bodyKey(k, e)
  const body = chacha20poly1305(b.key, b.nonce, concatBytes(head, allSlots)).encrypt(padded)
  return concatBytes(head, allSlots, body)
}

/**
 * Trial decryption with one member's key pair: the message, or undefined
 * when it is not for them or is not a well-formed envelope (never throws).
 */
export function open (envelope: Uint8Array, me: DmKeyPair): Plain | undefined {
  if (!ENVELOPE_SIZES.includes(envelope.byteLength) || envelope[0] !== ENVELOPE_VERSION) return undefined
  const e = envelope.subarray(1, HEAD_BYTES)
  let shared: Uint8Array
  try {
    shared = x25519.getSharedSecret(me.secret, e)
  } catch {
    return undefined // a low-order point: no one can read it
  }
  const s = slotKey(shared, e, me.publicKey)
  let k: Uint8Array | undefined
  for (let i = 0; i < SLOTS && k === undefined; i++) {
    const at = HEAD_BYTES + i * SLOT_BYTES
    k = tryOpen(s.key, s.nonce, e, envelope.subarray(at, at + SLOT_BYTES))
  }
  if (k === undefined) return undefined
  const b = bodyKey(k, e)
  const padded = tryOpen(
    b.key,
    b.nonce,
    envelope.subarray(0, HEAD_BYTES + SLOTS_BYTES),
    envelope.subarray(HEAD_BYTES + SLOTS_BYTES)
  )
  if (padded === undefined) return undefined
  return parseInner(padded)
}

function parseInner (padded: Uint8Array): Plain | undefined {
  const n = ((padded[0] as number) << 8) | (padded[1] as number)
  const textAt = 33 + MAX_RECIPIENTS * 32
  if (n + 2 > padded.byteLength || n <= textAt) return undefined
  const inner = padded.subarray(2, 2 + n)
  const count = inner[32] as number
  if (count < 1 || count > MAX_RECIPIENTS) return undefined
  const to: Uint8Array[] = []
  for (let i = 0; i < count; i++) to.push(inner.slice(33 + i * 32, 65 + i * 32))
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inner.subarray(textAt))
  } catch {
    return undefined
  }
  return { from: inner.slice(0, 32), to, text }
}

function tryOpen (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | undefined {
  try {
    return chacha20poly1305(key, nonce, aad).decrypt(ct)
  } catch {
    return undefined
  }
}

function dedupe (keys: Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>()
  return keys.filter((k) => {
    const h = Buffer.from(k).toString('hex')
    if (seen.has(h)) return false
    seen.add(h)
    return true
  })
}

/** Fisher-Yates with 4 random bytes per draw (the bias of 9 out of 2^32 is nil). */
function shuffle<T> (a: T[], rnd: (n: number) => Uint8Array): void {
  for (let i = a.length - 1; i > 0; i--) {
    const r = rnd(4)
    const j = (((r[0] as number) << 24 | (r[1] as number) << 16 | (r[2] as number) << 8 | (r[3] as number)) >>> 0) %
      (i + 1)
    const t = a[i] as T
    a[i] = a[j] as T
    a[j] = t
  }
}
