import { randomBytes } from 'node:crypto'
import { encode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseEntry } from './parse.js'
import {
  decodeEnvelope,
  decodeHeader,
  checkRange,
  createEntry,
  encodeEnvelope,
  encodeForkProof,
  entryId,
  MAX_ENTRY_BYTES,
  MAX_PAYLOAD_BYTES,
  parseEntryId,
  PublicKeyCache,
  readEntry,
  signedBytes,
  signerFromSeed,
  validateEntry,
  verifyForkProof,
  ValidationCodes,
  withPayload,
  sha256,
  type AuthorState,
  type Entry,
  type KnownBody,
  type Signer
} from './index.js'

const keys = new PublicKeyCache()
const NOW = 1_800_000_000_000

function chain (signer: Signer, bodies: KnownBody[], t0 = NOW - 1_000_000): Entry[] {
  const out: Entry[] = []
  for (const [i, body] of bodies.entries()) {
    const prev = out[i - 1]
    out.push(createEntry(signer, { seq: i + 1, previous: prev?.hash ?? null, timestamp: t0 + i, body }))
  }
  return out
}

const posts = (n: number): KnownBody[] => Array.from({ length: n }, (_, i) => ({ type: 'post', text: `post ${i}` }))

function stateAfter (e: Entry | undefined): AuthorState | undefined {
  return e === undefined ? undefined : { seq: e.seq, hash: e.hash }
}

/** Header fields for a post with `text` (version 2), to sign as they are or to alter first. */
function fields (
  author: Uint8Array,
  seq: number,
  previous: Uint8Array | null,
  timestamp: number,
  text = 'x'
): unknown[] {
  const payload = encode([text])
  return [2, author, seq, previous, timestamp, 'post', sha256(payload), payload.byteLength]
}

/** Signs an arbitrary header value, so tests can build entries the encoder would never make. */
function signRaw (signer: Signer, headerValue: unknown[] | Uint8Array): Uint8Array {
  const header = headerValue instanceof Uint8Array ? headerValue : encode(headerValue)
  return encodeEnvelope(header, signer.sign(signedBytes(header)))
}

const alice = signerFromSeed(new Uint8Array(32).fill(1))
const mallory = signerFromSeed(new Uint8Array(32).fill(2))

describe('entry encoding', () => {
  it('round-trips every field through the canonical bytes, header and payload', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 0, max: NOW }),
        fc.constantFrom('post', 'reply', 'profile', 'delete', 'edit'),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (text, seq, timestamp, type, link) => {
          const body: KnownBody = type === 'post'
            ? { type, text }
            : type === 'reply'
            ? { type, text, replyTo: link }
            : type === 'profile'
            ? { type, name: text.slice(0, 40) || 'x' }
            : type === 'delete'
            ? { type, target: link }
            : { type, target: link, text }
          const e = createEntry(alice, { seq, previous: seq === 1 ? null : link, timestamp, body })
          expect(e.body).toEqual(body)
          const r = readEntry(e.bytes, { now: NOW })
          expect(r.ok).toBe(true)
          if (!r.ok) return
          expect(r.value.seq).toBe(seq)
          expect(r.value.timestamp).toBe(timestamp)
          expect(r.value.kind).toBe(type)
          expect(r.value.payloadSize).toBe(e.payload?.byteLength)
          expect(r.value.payload).toBeUndefined()
          expect(Buffer.from(r.value.author)).toEqual(Buffer.from(alice.publicKey))
          expect(parseEntryId(entryId(r.value.hash))).toEqual(r.value.hash)
          const full = withPayload(r.value, e.payload as Uint8Array)
          expect(full.ok && full.value.body).toEqual(body)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('keeps the entry small: the largest valid entry fits MAX_ENTRY_BYTES', () => {
    const kind = 'k'.repeat(32)
    const header = encode([
      2,
      alice.publicKey,
      2 ** 53 - 1,
      new Uint8Array(32),
      2 ** 53 - 1,
      kind,
      new Uint8Array(32),
      10240
    ])
    const bytes = signRaw(alice, header)
    expect(bytes.byteLength).toBe(228)
    expect(bytes.byteLength).toBeLessThanOrEqual(MAX_ENTRY_BYTES)
    expect(readEntry(bytes, { now: 2 ** 53 - 1 })).toMatchObject({ ok: true })
  })

  it('ids are CIDv1 dag-cbor sha2-256 strings and foreign ids are refused', () => {
    const [e] = chain(alice, posts(1)) as [Entry]
    expect(entryId(e.hash)).toMatch(/^bafyrei[a-z2-7]+$/)
    expect(parseEntryId('bafkqaaa')).toBeUndefined()
    expect(parseEntryId('not an id')).toBeUndefined()
    expect(parseEntryId('x'.repeat(1000))).toBeUndefined()
  })

  it('signs the header with the domain prefix, not the bare header', () => {
    const [e] = chain(alice, posts(1)) as [Entry]
    expect(Buffer.from(signedBytes(e.header).subarray(0, 13)).toString('latin1')).toBe('kiez/entry/2\0')
    // A signature over the bare header must not verify as an entry.
    const forged = encodeEnvelope(e.header, alice.sign(e.header))
    expect(validateEntry(forged, { keys, now: NOW })).toMatchObject({ ok: false, code: 'bad_signature' })
  })

  it('hashes the header and signature, never the payload', () => {
    const [e] = chain(alice, posts(1)) as [Entry]
    expect(Buffer.from(e.hash)).toEqual(Buffer.from(sha256(e.bytes)))
    expect(Buffer.from(e.payloadHash)).toEqual(Buffer.from(sha256(e.payload as Uint8Array)))
    expect(Buffer.from(e.bytes).includes(Buffer.from(e.payload as Uint8Array))).toBe(false)
  })
})

describe('fast parser against the cborg reference decoder', () => {
  const [e1, e2] = chain(alice, [{ type: 'post', text: 'hi' }, {
    type: 'reply',
    text: 'ünïcödé 🙂',
    replyTo: new Uint8Array(32).fill(9)
  }]) as [Entry, Entry]

  function reference (bytes: Uint8Array): { ok: boolean, value?: unknown } {
    const env = decodeEnvelope(bytes)
    if (!env.ok) return { ok: false }
    const p = decodeHeader(env.value.header)
    return p.ok ? { ok: true, value: p.value } : { ok: false }
  }

  it('accepts and rejects the same byte strings, and agrees on what they mean', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(e1, e2),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        (e, edits) => {
          const bytes = Uint8Array.from(e.bytes)
          for (const [pos, v] of edits) bytes[pos % bytes.length] = v
          const fast = parseEntry(bytes)
          const ref = reference(bytes)
          // invalid UTF-8 the reference decoder replaces with U+FFFD, then refuses as non-canonical: both refuse
          expect(fast.ok).toBe(ref.ok)
          if (fast.ok) expect(fast.value.value).toEqual(ref.value)
        }
      ),
      { numRuns: 5000 }
    )
  })
})

describe('validation (headers only: no payload needed)', () => {
  const [e1, e2, e3] = chain(alice, posts(3)) as [Entry, Entry, Entry]

  it('accepts a chain in order and rejects it out of order', () => {
    expect(validateEntry(e1.bytes, { keys, now: NOW }).ok).toBe(true)
    expect(validateEntry(e2.bytes, { keys, now: NOW, state: stateAfter(e1) }).ok).toBe(true)
    expect(validateEntry(e3.bytes, { keys, now: NOW, state: stateAfter(e1) })).toMatchObject({
      ok: false,
      code: 'wrong_seq'
    })
    expect(validateEntry(e2.bytes, { keys, now: NOW })).toMatchObject({ ok: false, code: 'wrong_seq' })
  })

  it('validates a chain whose payloads were all dropped, and reads no payload', () => {
    const r = validateEntry(e1.bytes, { keys, now: NOW })
    expect(r).toMatchObject({ ok: true })
    if (r.ok) {
      expect(r.entry.payload).toBeUndefined()
      expect(r.entry.body).toBeUndefined()
    }
    expect(
      checkRange([e1, e2, e3].map((e) => readEntry(e.bytes, { now: NOW })).map((r) => (r as { value: Entry }).value), {
        keys
      }).accepted
    ).toHaveLength(3)
  })

  it('knows duplicates by hash and forks by a second valid signature', () => {
    const other = createEntry(alice, {
      seq: 2,
      previous: e1.hash,
      timestamp: NOW - 5,
      body: { type: 'post', text: 'the other branch' }
    })
    const ctx = { keys, now: NOW, state: stateAfter(e3), storedHashAt: (s: number) => [e1, e2, e3][s - 1]?.hash }
    expect(validateEntry(e2.bytes, ctx)).toMatchObject({ ok: false, code: 'duplicate' })
    const fork = validateEntry(other.bytes, ctx)
    expect(fork).toMatchObject({ ok: false, code: 'forked' })
    expect(fork.ok === false && fork.forkWith).toEqual(e2.hash)
    // a forged "fork" is just a bad signature
    const forged = signRaw(mallory, fields(alice.publicKey, 2, e1.hash, NOW, 'lies'))
    expect(validateEntry(forged, ctx)).toMatchObject({ ok: false, code: 'bad_signature' })
    // once frozen, nothing at or past the fork point
    expect(validateEntry(e3.bytes, { keys, now: NOW, state: { ...stateAfter(e2)!, forkedAt: 2 } })).toMatchObject({
      ok: false,
      code: 'forked'
    })
  })

  it('checks previous', () => {
    const bad = createEntry(alice, {
      seq: 2,
      previous: new Uint8Array(32),
      timestamp: NOW,
      body: { type: 'post', text: 'x' }
    })
    expect(validateEntry(bad.bytes, { keys, now: NOW, state: stateAfter(e1) })).toMatchObject({
      ok: false,
      code: 'wrong_previous'
    })
    const noPrev = signRaw(alice, fields(alice.publicKey, 2, null, NOW))
    expect(validateEntry(noPrev, { keys, now: NOW })).toMatchObject({ ok: false, code: 'wrong_previous' })
  })

  it('accepts a kind it does not know, and refuses a kind that is not a kind', () => {
    const header = (kind: unknown): unknown[] => {
      const f = fields(alice.publicKey, 1, null, NOW)
      f[5] = kind
      return f
    }
    for (const kind of ['poll', 'event', 'a', 'x'.repeat(32), 'offer-2', 'member_of']) {
      expect(validateEntry(signRaw(alice, header(kind)), { keys, now: NOW }), kind).toMatchObject({ ok: true })
    }
    for (const kind of ['', 'Post', '2post', '-x', 'x'.repeat(33), 'ü', 'a b', 'a.b', 7]) {
      expect(validateEntry(signRaw(alice, header(kind)), { keys, now: NOW }), String(kind)).toMatchObject({
        ok: false,
        code: 'bad_encoding'
      })
    }
  })

  it('refuses other versions, empty and oversized payloads in the header, and far-future clocks', () => {
    const v1 = fields(alice.publicKey, 1, null, NOW)
    v1[0] = 1
    expect(validateEntry(signRaw(alice, v1), { keys, now: NOW })).toMatchObject({ code: 'bad_encoding' })
    const v3 = fields(alice.publicKey, 1, null, NOW)
    v3[0] = 3
    expect(validateEntry(signRaw(alice, v3), { keys, now: NOW })).toMatchObject({ code: 'bad_encoding' })
    const sized = (n: number): Uint8Array => {
      const f = fields(alice.publicKey, 1, null, NOW)
      f[7] = n
      return signRaw(alice, f)
    }
    expect(validateEntry(sized(0), { keys, now: NOW })).toMatchObject({ code: 'bad_encoding' })
    expect(validateEntry(sized(MAX_PAYLOAD_BYTES), { keys, now: NOW })).toMatchObject({ ok: true })
    expect(validateEntry(sized(MAX_PAYLOAD_BYTES + 1), { keys, now: NOW })).toMatchObject({ code: 'content_too_large' })
    const future = signRaw(alice, fields(alice.publicKey, 1, null, NOW + 10 * 60_000 + 1))
    expect(validateEntry(future, { keys, now: NOW })).toMatchObject({ code: 'future_timestamp' })
    expect(validateEntry(future, { keys, now: NOW, maxFutureMs: 11 * 60_000 }).ok).toBe(true)
  })

  it('tells non-canonical encodings from garbage', () => {
    const header = Buffer.from(encode(fields(alice.publicKey, 1, null, NOW)))
    // seq 1 as a two-byte integer: same value, other bytes
    const at = header.indexOf(Buffer.from([0x01, 0xf6])) // seq 1 then null
    const longSeq = Buffer.concat([header.subarray(0, at), Buffer.from([0x18, 0x01]), header.subarray(at + 1)])
    expect(validateEntry(signRaw(alice, longSeq), { keys, now: NOW })).toMatchObject({ code: 'non_canonical' })
    // indefinite-length kind: decodes, but is not the canonical form
    const k = header.indexOf(Buffer.from([0x64, 0x70, 0x6f, 0x73, 0x74])) // "post"
    const indef = Buffer.concat([
      header.subarray(0, k),
      Buffer.from([0x7f, 0x64, 0x70, 0x6f, 0x73, 0x74, 0xff]),
      header.subarray(k + 5)
    ])
    expect(validateEntry(signRaw(alice, indef), { keys, now: NOW })).toMatchObject({ code: 'non_canonical' })
    // invalid UTF-8 in the kind
    const bad = Buffer.from(header)
    bad[k + 1] = 0xff
    expect(validateEntry(signRaw(alice, bad), { keys, now: NOW })).toMatchObject({ code: 'bad_encoding' })
    // a float where seq belongs
    const withFloat = Buffer.concat([
      header.subarray(0, at),
      Buffer.from([0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),
      header.subarray(at + 1)
    ])
    expect(validateEntry(signRaw(alice, withFloat), { keys, now: NOW })).toMatchObject({
      ok: false,
      code: 'bad_encoding'
    })
    expect(validateEntry(Uint8Array.of(0xff, 0x00), { keys, now: NOW })).toMatchObject({ code: 'bad_encoding' })
    expect(validateEntry(new Uint8Array(MAX_ENTRY_BYTES + 1), { keys, now: NOW })).toMatchObject({
      code: 'content_too_large'
    })
  })

  it('never throws and always names a code when any byte of a valid entry changes', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (pos, xor) => {
        const i = pos % e2.bytes.byteLength
        const bytes = Uint8Array.from(e2.bytes)
        bytes[i] = (bytes[i] as number) ^ xor
        const r = validateEntry(bytes, { keys, now: NOW, state: stateAfter(e1) })
        expect(r.ok).toBe(false)
        if (!r.ok) expect(ValidationCodes).toContain(r.code)
      }),
      { numRuns: 2000 }
    )
  })

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = validateEntry(bytes, { keys, now: NOW })
        expect(r.ok).toBe(false)
      }),
      { numRuns: 2000 }
    )
  })
})

/**
 * Reference model: an entry is accepted iff it is exactly the next entry of
 * the honest chain. Corruptions are drawn from the kinds a hostile peer can
 * send; the real validator must agree with the model on every step.
 */
describe('validator against a reference model', () => {
  const honest = chain(alice, posts(12))
  const corruptions = ['none', 'flip', 'resign_other_key', 'skip', 'replay', 'future'] as const

  it('agrees on random delivery sequences', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...corruptions), fc.nat(), fc.nat()), { maxLength: 40 }),
        (steps) => {
          let head = 0
          const stored = (s: number): Uint8Array | undefined => s <= head ? honest[s - 1]?.hash : undefined
          for (const [kind, a, b] of steps) {
            const next = honest[head]
            if (next === undefined) break
            let bytes: Uint8Array
            let expectOk = false
            switch (kind) {
              case 'none':
                bytes = next.bytes
                expectOk = true
                break
              case 'flip':
                bytes = Uint8Array.from(next.bytes)
                bytes[a % bytes.length] = (bytes[a % bytes.length] as number) ^ (1 + (b % 255))
                break
              case 'resign_other_key':
                bytes = signRaw(mallory, fields(alice.publicKey, next.seq, next.previous, next.timestamp))
                break
              case 'skip':
                bytes = (honest[head + 1 + (a % 3)] ?? next).bytes
                expectOk = honest[head + 1 + (a % 3)] === undefined
                break
              case 'replay':
                bytes = head > 0 ? (honest[a % head] as Entry).bytes : next.bytes
                expectOk = head === 0
                break
              case 'future':
                bytes = signRaw(alice, fields(alice.publicKey, next.seq, next.previous, NOW + 3_600_000))
                break
            }
            const r = validateEntry(bytes, {
              keys,
              now: NOW,
              state: head === 0 ? undefined : stateAfter(honest[head - 1]),
              storedHashAt: stored
            })
            expect(r.ok).toBe(expectOk)
            if (r.ok) head++
          }
        }
      ),
      { numRuns: 300 }
    )
  })

  it('the range path accepts exactly what the one-entry path accepts, with one signature check', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.nat(), { nil: undefined }),
        (start, len, corruptAt) => {
          const items = honest.slice(start, start + len).map((e) => e.bytes)
          if (corruptAt !== undefined && items.length > 0) {
            const i = corruptAt % items.length
            items[i] = signRaw(
              mallory,
              fields(alice.publicKey, start + i + 1, honest[start + i]?.previous ?? null, NOW, 'evil')
            )
          }
          const entries = items.map((b) => readEntry(b, { now: NOW })).filter((r) => r.ok).map((r) =>
            (r as { value: Entry }).value
          )
          const state = stateAfter(honest[start - 1])
          const r = checkRange(entries, {
            keys,
            state,
            storedHashAt: () => undefined
          })
          // one-by-one reference
          let s = state
          let accepted = 0
          for (const b of items) {
            const one = validateEntry(b, { keys, now: NOW, state: s })
            if (!one.ok) break
            s = stateAfter(one.entry)
            accepted++
          }
          // The range path may refuse a run whose newest entry is forged even if a prefix was honest (the sender lied): never more.
          expect(r.accepted.length).toBeLessThanOrEqual(accepted)
          if (corruptAt === undefined) expect(r.accepted.length).toBe(accepted)
          for (const e of r.accepted) expect(Buffer.compare(e.bytes, (honest[e.seq - 1] as Entry).bytes)).toBe(0)
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe('range path', () => {
  const entries = chain(alice, posts(50))

  it('authenticates a hash-linked run with the newest signature', () => {
    const r = checkRange(entries, { keys })
    expect(r.accepted).toHaveLength(50)
    expect(r.rejection).toBeUndefined()
  })

  it('refuses a run whose newest entry is forged, and keeps a linked prefix otherwise', () => {
    const forgedLast = readEntry(
      signRaw(mallory, fields(alice.publicKey, 51, (entries[49] as Entry).hash, NOW)),
      { now: NOW }
    )
    if (!forgedLast.ok) throw new Error('setup')
    const r = checkRange([...entries, forgedLast.value], { keys })
    expect(r.accepted).toHaveLength(0)
    expect(r.rejection?.code).toBe('bad_signature')
    const broken = [...entries.slice(0, 10), entries[20] as Entry]
    const r2 = checkRange(broken, { keys })
    expect(r2.accepted).toHaveLength(10)
    expect(r2.rejection).toMatchObject({ code: 'wrong_seq', index: 10 })
  })

  it('skips entries already stored and starts the run after them', () => {
    const state = stateAfter(entries[9])
    const r = checkRange(entries.slice(5, 20), { keys, state, storedHashAt: (s) => entries[s - 1]?.hash })
    expect(r.duplicates).toBe(5)
    expect(r.accepted.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i))
  })
})

describe('fork proofs', () => {
  const [e1] = chain(alice, posts(1)) as [Entry]
  const a = createEntry(alice, { seq: 2, previous: e1.hash, timestamp: NOW, body: { type: 'post', text: 'a' } })
  const b = createEntry(alice, { seq: 2, previous: e1.hash, timestamp: NOW, body: { type: 'post', text: 'b' } })

  it('verifies a proof in either argument order, identically encoded', () => {
    const p = encodeForkProof(a, b)
    expect(Buffer.from(encodeForkProof(b, a))).toEqual(Buffer.from(p))
    expect(verifyForkProof(p, keys)).toMatchObject({ ok: true, seq: 2 })
  })

  it('refuses proofs that prove nothing', () => {
    const c = createEntry(mallory, { seq: 2, previous: e1.hash, timestamp: NOW, body: { type: 'post', text: 'c' } })
    expect(verifyForkProof(encodeForkProof(a, c), keys)).toMatchObject({ ok: false })
    expect(verifyForkProof(encode([a.bytes, a.bytes]), keys)).toMatchObject({ ok: false })
    const forged = readEntry(signRaw(mallory, fields(alice.publicKey, 2, e1.hash, NOW, 'z')), { now: NOW })
    if (!forged.ok) throw new Error('setup')
    expect(verifyForkProof(encodeForkProof(a, forged.value), keys)).toMatchObject({ ok: false, code: 'bad_signature' })
    expect(verifyForkProof(randomBytes(100), keys).ok).toBe(false)
  })

  it('works over headers alone: same fields but another payload is a fork, and the proof carries no payload', () => {
    const x = createEntry(alice, {
      seq: 2,
      previous: e1.hash,
      timestamp: NOW,
      body: { type: 'post', text: 'one text' }
    })
    const y = createEntry(alice, { seq: 2, previous: e1.hash, timestamp: NOW, body: { type: 'post', text: 'another' } })
    const proof = encodeForkProof(x, y)
    expect(proof.byteLength).toBeLessThanOrEqual(2 * MAX_ENTRY_BYTES + 16)
    expect(Buffer.from(proof).includes(Buffer.from(x.payload as Uint8Array))).toBe(false)
    const r = verifyForkProof(proof, keys)
    expect(r).toMatchObject({ ok: true, seq: 2 })
    if (r.ok) expect(r.entries.map((e) => e.payload)).toEqual([undefined, undefined])
  })
})
