import { encode, rfc8949EncodeOptions } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseBody } from './parse.js'
import {
  createEntry,
  decodeBody,
  encodeEnvelope,
  MAX_CONTENT_BYTES,
  MAX_PAYLOAD_BYTES,
  readEntry,
  readPayload,
  sha256,
  signedBytes,
  signerFromSeed,
  withPayload,
  type Entry,
  type EntryHeader,
  type KnownBody
} from './index.js'

const NOW = 1_800_000_000_000
const alice = signerFromSeed(new Uint8Array(32).fill(1))
const hashA = new Uint8Array(32).fill(0xaa)

/** A header that commits to `payload` under `kind`: what readPayload checks against. */
function committing (kind: string, payload: Uint8Array): Pick<EntryHeader, 'kind' | 'payloadHash' | 'payloadSize'> {
  return { kind, payloadHash: sha256(payload), payloadSize: payload.byteLength }
}

/** readPayload for a payload value encoded as given, against a header that commits to exactly those bytes. */
function check (kind: string, value: unknown): ReturnType<typeof readPayload> {
  const payload = value instanceof Uint8Array ? value : encode(value)
  return readPayload(committing(kind, payload), payload)
}

describe('payload against its header', () => {
  const e = createEntry(alice, { seq: 1, previous: null, timestamp: NOW, body: { type: 'post', text: 'hallo' } })
  const p = e.payload as Uint8Array

  it('accepts the payload the header commits to, and attaches it', () => {
    expect(readPayload(e, p)).toEqual({ ok: true, value: { type: 'post', text: 'hallo' } })
    const header = readEntry(e.bytes, { now: NOW })
    if (!header.ok) throw new Error('setup')
    expect(header.value.payload).toBeUndefined()
    const full = withPayload(header.value, p)
    expect(full.ok && full.value.body).toEqual({ type: 'post', text: 'hallo' })
    expect(full.ok && Buffer.from(full.value.payload as Uint8Array)).toEqual(Buffer.from(p))
    // the header entry is left as it was
    expect(header.value.body).toBeUndefined()
  })

  it('refuses a payload of another size or hash: payload_mismatch, checked before any decoding', () => {
    const flipped = Uint8Array.from(p)
    flipped[p.byteLength - 1] = (flipped[p.byteLength - 1] as number) ^ 1
    expect(readPayload(e, flipped)).toMatchObject({ ok: false, code: 'payload_mismatch' })
    expect(readPayload(e, Uint8Array.from([...p, 0]))).toMatchObject({ ok: false, code: 'payload_mismatch' })
    expect(readPayload(e, p.subarray(1))).toMatchObject({ ok: false, code: 'payload_mismatch' })
    // garbage of the right size is a mismatch too, not an encoding error
    expect(readPayload(e, new Uint8Array(p.byteLength).fill(0xff))).toMatchObject({ code: 'payload_mismatch' })
    // another entry's payload
    const other = createEntry(alice, { seq: 1, previous: null, timestamp: NOW, body: { type: 'post', text: 'hallx' } })
    expect(readPayload(e, other.payload as Uint8Array)).toMatchObject({ code: 'payload_mismatch' })
    expect(withPayload(e, other.payload as Uint8Array)).toMatchObject({ ok: false, code: 'payload_mismatch' })
  })

  it('checks a payload the author signed the hash of, but that is not canonical or not CBOR', () => {
    const long = Uint8Array.of(0x81, 0x78, 0x02, 0x68, 0x69) // ["hi"] with a one-byte length for 2
    expect(check('post', long)).toMatchObject({ code: 'non_canonical' })
    expect(check('post', Uint8Array.of(0x81, 0x62, 0x68))).toMatchObject({ code: 'bad_encoding' }) // truncated
    expect(check('post', Uint8Array.of(0x81, 0x62, 0x68, 0x69, 0x00))).toMatchObject({ code: 'bad_encoding' }) // trailing
    expect(check('post', Uint8Array.of(0x81, 0x62, 0xff, 0xfe))).toMatchObject({ code: 'bad_encoding' }) // UTF-8
    expect(check('post', Uint8Array.of(0x9f, 0x62, 0x68, 0x69, 0xff))).toMatchObject({ code: 'non_canonical' })
    expect(check('post', Uint8Array.of(0xc1, 0x81, 0x61, 0x78))).toMatchObject({ code: 'bad_encoding' }) // a tag
  })
})

describe('payload shapes of the known kinds', () => {
  it('reads each kind', () => {
    expect(check('post', ['hi'])).toEqual({ ok: true, value: { type: 'post', text: 'hi' } })
    expect(check('reply', ['hi', hashA])).toEqual({ ok: true, value: { type: 'reply', text: 'hi', replyTo: hashA } })
    expect(check('profile', ['Alice'])).toEqual({ ok: true, value: { type: 'profile', name: 'Alice' } })
    expect(check('delete', [hashA])).toEqual({ ok: true, value: { type: 'delete', target: hashA } })
    expect(check('edit', [hashA, 'neu'])).toEqual({ ok: true, value: { type: 'edit', target: hashA, text: 'neu' } })
    expect(check('mod-block', [hashA, 'spam'])).toEqual({
      ok: true,
      value: { type: 'mod-block', author: hashA, reason: 'spam' }
    })
    expect(check('mod-hide', [hashA, ''])).toEqual({ ok: true, value: { type: 'mod-hide', target: hashA, reason: '' } })
    expect(check('report', [hashA, 'beleidigend'])).toEqual({
      ok: true,
      value: { type: 'report', target: hashA, reason: 'beleidigend' }
    })
  })

  it('refuses the wrong shape as malformed_content', () => {
    const bad: Array<[string, unknown]> = [
      ['post', []],
      ['post', [42]],
      ['post', ['a', 'b']],
      ['post', 'not an array'],
      ['reply', ['no target']],
      ['reply', ['x', new Uint8Array(31)]],
      ['reply', [hashA, 'x']],
      ['profile', [hashA]],
      ['delete', []],
      ['delete', ['bafyrei…']],
      ['delete', [new Uint8Array(33)]],
      ['delete', [hashA, hashA]],
      ['edit', [hashA]],
      ['edit', ['text', hashA]],
      ['edit', [hashA, 'text', 'more']],
      ['edit', [new Uint8Array(32), 7]],
      ['mod-block', [hashA]],
      ['mod-block', ['spam', hashA]],
      ['mod-block', [new Uint8Array(33), 'spam']],
      ['mod-block', [hashA, 'spam', 'more']],
      ['mod-hide', [hashA]],
      ['mod-hide', [new Uint8Array(31), 'x']],
      ['mod-hide', [hashA, 7]],
      ['report', []],
      ['report', ['bafyrei…', 'x']],
      ['report', [hashA, 'x', hashA]]
    ]
    for (const [kind, value] of bad) {
      expect(check(kind, value), `${kind} ${JSON.stringify(value)}`).toMatchObject({
        ok: false,
        code: 'malformed_content'
      })
    }
  })

  it('lets encoding errors win over shape errors', () => {
    // [42, 42] for a post is only the wrong shape; [42, 1] with 1 as 0x18 0x01 is non-minimal as well: that decides
    expect(check('post', Uint8Array.of(0x82, 0x18, 0x2a, 0x18, 0x2a))).toMatchObject({ code: 'malformed_content' })
    expect(check('post', Uint8Array.of(0x82, 0x18, 0x2a, 0x18, 0x01))).toMatchObject({ code: 'non_canonical' })
    expect(check('delete', Uint8Array.of(0x81, 0x59, 0x00, 0x20, ...hashA))).toMatchObject({ code: 'non_canonical' })
  })

  it('measures text in UTF-8 bytes, not characters, for post, reply and edit', () => {
    const atLimit = 'ä'.repeat(MAX_CONTENT_BYTES / 2)
    const over = 'ä'.repeat(MAX_CONTENT_BYTES / 2 - 1) + '€' // 8190 + 3 bytes, 4096 characters
    expect(over.length).toBeLessThan(MAX_CONTENT_BYTES)
    for (
      const [kind, wrap] of [
        ['post', (t: string) => [t]],
        ['reply', (t: string) => [t, hashA]],
        ['edit', (t: string) => [hashA, t]]
      ] as const
    ) {
      expect(check(kind, wrap(atLimit)).ok, kind).toBe(true)
      expect(check(kind, wrap(over)), kind).toMatchObject({ ok: false, code: 'content_too_large' })
      expect(check(kind, wrap('')), kind).toMatchObject({ ok: false, code: 'malformed_content' })
    }
    expect(check('profile', ['x'.repeat(128)]).ok).toBe(true)
    expect(check('profile', ['x'.repeat(129)])).toMatchObject({ code: 'malformed_content' })
  })

  it('bounds a moderation or report reason to 280 UTF-8 bytes, and lets it be empty', () => {
    for (const kind of ['mod-block', 'mod-hide', 'report']) {
      expect(check(kind, [hashA, '€'.repeat(93) + 'x']).ok, kind).toBe(true) // 279 + 1 bytes
      expect(check(kind, [hashA, '€'.repeat(93) + 'xx']), kind).toMatchObject({ code: 'malformed_content' })
      expect(check(kind, [hashA, '']).ok, kind).toBe(true)
    }
  })

  it('refuses to author what it would refuse to read', () => {
    const bad = (body: KnownBody): () => Entry => () =>
      createEntry(alice, { seq: 1, previous: null, timestamp: NOW, body })
    expect(bad({ type: 'post', text: '' })).toThrow(/empty/)
    expect(bad({ type: 'edit', target: hashA, text: 'x'.repeat(MAX_CONTENT_BYTES + 1) })).toThrow(/over/)
    expect(bad({ type: 'delete', target: new Uint8Array(31) })).toThrow(/delete payload/)
    expect(bad({ type: 'report', target: hashA, reason: 'x'.repeat(281) })).toThrow(/reason/)
  })
})

describe('payloads of kinds this version does not know', () => {
  it('are valid when they are one canonical CBOR item, and stay opaque', () => {
    for (
      const [i, value] of [
        ['Hoffest?', ['ja', 'nein']],
        42,
        -7,
        'text',
        new Uint8Array(3),
        null,
        true,
        [],
        new Map<unknown, unknown>([[1, 'a'], ['b', [2]]]),
        [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]
      ].entries()
    ) {
      const payload = encode(value, rfc8949EncodeOptions)
      expect(readPayload(committing('petition', payload), payload), `sample ${i}`).toEqual({
        ok: true,
        value: { type: 'unknown', kind: 'petition' }
      })
    }
  })

  it('are still checked for size, hash and canonical form', () => {
    const payload = encode(['x'])
    expect(readPayload({ ...committing('petition', payload), payloadSize: 4 }, payload)).toMatchObject({
      code: 'payload_mismatch'
    })
    expect(readPayload({ ...committing('petition', payload), payloadHash: hashA }, payload)).toMatchObject({
      code: 'payload_mismatch'
    })
    expect(check('petition', Uint8Array.of(0x18, 0x01))).toMatchObject({ code: 'non_canonical' })
    expect(check('petition', Uint8Array.of(0x01, 0x01))).toMatchObject({ code: 'bad_encoding' }) // two items
    expect(check('petition', Uint8Array.of(0xf9, 0x3e, 0x00))).toMatchObject({ code: 'bad_encoding' }) // float 1.5
    expect(check('petition', Uint8Array.of(0xf7))).toMatchObject({ code: 'bad_encoding' }) // undefined
    expect(check('petition', Uint8Array.of(0xc0, 0x61, 0x78))).toMatchObject({ code: 'bad_encoding' }) // tag 0
    // map keys: canonical order is bytewise over the encoded keys (RFC 8949 §4.2.1), duplicates refused
    expect(check('petition', Uint8Array.of(0xa2, 0x02, 0x00, 0x01, 0x00))).toMatchObject({ code: 'non_canonical' })
    expect(check('petition', Uint8Array.of(0xa2, 0x01, 0x00, 0x01, 0x00))).toMatchObject({ code: 'bad_encoding' })
    expect(check('petition', Uint8Array.of(0xa2, 0x01, 0x00, 0x02, 0x00)).ok).toBe(true)
    // 18 levels of nesting: deeper than any kind needs
    expect(check('petition', Uint8Array.from([...Array.from({ length: 18 }, () => 0x81), 0x01]))).toMatchObject({
      code: 'bad_encoding'
    })
  })

  it('a header of an unknown kind validates, and its payload attaches as unknown', () => {
    const payload = encode(['Hoffest am Samstag?', ['ja', 'nein']])
    const header = encode([2, alice.publicKey, 1, null, NOW, 'petition', sha256(payload), payload.byteLength])
    const bytes = encodeEnvelope(header, alice.sign(signedBytes(header)))
    const r = readEntry(bytes, { now: NOW })
    expect(r).toMatchObject({ ok: true, value: { kind: 'petition', payloadSize: payload.byteLength } })
    if (!r.ok) return
    expect(withPayload(r.value, payload)).toMatchObject({
      ok: true,
      value: { body: { type: 'unknown', kind: 'petition' } }
    })
  })
})

const LIFE_KINDS = [
  'offer',
  'request',
  'event',
  'lost',
  'found',
  'recommendation',
  'alert',
  'poll',
  'vote',
  'rsvp',
  'done'
] as const

describe('payload parser', () => {
  const bodies = fc.oneof(
    fc.record({ type: fc.constant('post' as const), text: fc.string({ minLength: 1, maxLength: 200 }) }),
    fc.record({
      type: fc.constant('reply' as const),
      text: fc.string({ minLength: 1, maxLength: 200 }),
      replyTo: fc.uint8Array({ minLength: 32, maxLength: 32 })
    }),
    fc.record({ type: fc.constant('profile' as const), name: fc.string({ minLength: 1, maxLength: 32 }) }),
    fc.record({ type: fc.constant('delete' as const), target: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
    fc.record({
      type: fc.constant('edit' as const),
      target: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      text: fc.string({ minLength: 1, maxLength: 200 })
    }),
    fc.record({
      type: fc.constant('mod-block' as const),
      author: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      reason: fc.string({ maxLength: 70 })
    }),
    fc.record({
      type: fc.constantFrom('mod-hide' as const, 'report' as const),
      target: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      reason: fc.string({ maxLength: 70 })
    })
  )

  it('round-trips random bodies: create, then read header and payload back', () => {
    fc.assert(
      fc.property(bodies, fc.integer({ min: 1, max: 2 ** 53 - 1 }), (body, seq) => {
        const e = createEntry(alice, {
          seq,
          previous: seq === 1 ? null : hashA,
          timestamp: NOW,
          body: body as KnownBody
        })
        const r = readEntry(e.bytes, { now: NOW })
        if (!r.ok) throw new Error(r.message)
        expect(r.value.kind).toBe(body.type)
        const full = withPayload(r.value, e.payload as Uint8Array)
        expect(full.ok && full.value.body).toEqual(body)
      }),
      { numRuns: 300 }
    )
  })

  it('never throws on arbitrary bytes, for any kind and any header claim', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'post',
          'reply',
          'profile',
          'delete',
          'edit',
          'mod-block',
          'mod-hide',
          'report',
          ...LIFE_KINDS,
          'petition'
        ),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        (kind, bytes, honest) => {
          const header = honest ? committing(kind, bytes) : { kind, payloadHash: hashA, payloadSize: bytes.byteLength }
          const r = readPayload(header, bytes)
          if (!honest) expect(r).toMatchObject({ ok: false, code: 'payload_mismatch' })
          expect(typeof r.ok).toBe('boolean')
        }
      ),
      { numRuns: 3000 }
    )
  })

  it('agrees with the cborg reference on mutated payloads, every kind', () => {
    const samples: Array<[string, Uint8Array]> = [
      ['post', encode(['hallo 🙂'])],
      ['reply', encode(['ja', hashA])],
      ['profile', encode(['Alice'])],
      ['delete', encode([hashA])],
      ['edit', encode([hashA, 'neu'])],
      ['mod-block', encode([hashA, 'spam'])],
      ['mod-hide', encode([hashA, 'off topic'])],
      ['report', encode([hashA, ''])],
      ['petition', encode(new Map<unknown, unknown>([[1, ['a', 'b']], ['q', 'wer?']]), rfc8949EncodeOptions)]
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        ([kind, payload], edits) => {
          const bytes = Uint8Array.from(payload)
          for (const [pos, v] of edits) bytes[pos % bytes.length] = v
          const fast = parseBody(kind, bytes)
          const ref = decodeBody(kind, bytes)
          // the codes may differ (the fast parser stops at the first offending byte), the verdict may not
          expect(fast.ok, Buffer.from(bytes).toString('hex')).toBe(ref.ok)
          if (fast.ok && ref.ok) expect(fast.value).toEqual(ref.value)
        }
      ),
      { numRuns: 5000 }
    )
  })

  it('stays within MAX_PAYLOAD_BYTES for the largest text a known kind allows', () => {
    const e = createEntry(alice, {
      seq: 1,
      previous: null,
      timestamp: NOW,
      body: { type: 'edit', target: hashA, text: '€'.repeat(Math.floor(MAX_CONTENT_BYTES / 3)) + 'xx' }
    })
    expect(e.payloadSize).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
  })
})
