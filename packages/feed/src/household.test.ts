import { encode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseBody } from './parse.js'
import {
  createEntry,
  decodeBody,
  MAX_HOUSEHOLD_MEMBERS,
  MAX_PAYLOAD_BYTES,
  readEntry,
  readPayload,
  sha256,
  signerFromSeed,
  withPayload,
  type KnownBody
} from './index.js'

// PROTOCOL.md §2, "Households, members and neighbours": household, vouch and the member's profile

const NOW = 1_800_000_000_000
const box = signerFromSeed(new Uint8Array(32).fill(3))
const key = (b: number): Uint8Array => new Uint8Array(32).fill(b)
const [k1, k2, k3] = [key(1), key(2), key(3)]

function check (kind: string, value: unknown): ReturnType<typeof readPayload> {
  const payload = value instanceof Uint8Array ? value : encode(value)
  return readPayload({ kind, payloadHash: sha256(payload), payloadSize: payload.byteLength }, payload)
}

/** Both decoders, which must agree on the verdict and on the body. */
function both (kind: string, value: unknown): ReturnType<typeof readPayload> {
  const payload = value instanceof Uint8Array ? value : encode(value)
  const fast = parseBody(kind, payload)
  const ref = decodeBody(kind, payload)
  expect(fast.ok, `${kind} ${Buffer.from(payload).toString('hex')}`).toBe(ref.ok)
  if (fast.ok && ref.ok) expect(fast.value).toEqual(ref.value)
  return check(kind, payload)
}

describe('household', () => {
  it('reads a box name and its members in ascending order, none to 64', () => {
    expect(both('household', ['Hof 3', [k1, k2]])).toEqual({
      ok: true,
      value: { type: 'household', name: 'Hof 3', members: [k1, k2] }
    })
    expect(both('household', ['Hof 3', []])).toEqual({
      ok: true,
      value: { type: 'household', name: 'Hof 3', members: [] }
    })
    const many = Array.from({ length: MAX_HOUSEHOLD_MEMBERS }, (_, i) => key(i))
    expect(both('household', ['Hof 3', many]).ok).toBe(true)
  })

  it('refuses 65 members, members out of order or named twice, and a missing or too long name', () => {
    const many = Array.from({ length: MAX_HOUSEHOLD_MEMBERS + 1 }, (_, i) => key(i))
    for (
      const value of [
        ['Hof 3', many],
        ['Hof 3', [k2, k1]],
        ['Hof 3', [k1, k1]],
        ['', [k1]],
        ['x'.repeat(129), [k1]]
      ]
    ) {
      expect(both('household', value), JSON.stringify(value).slice(0, 60)).toMatchObject({
        ok: false,
        code: 'malformed_content'
      })
    }
    expect(both('household', ['x'.repeat(128), [k1]]).ok).toBe(true)
  })

  it('refuses the wrong shape as malformed_content', () => {
    for (
      const value of [
        ['Hof 3'],
        [[k1], 'Hof 3'],
        ['Hof 3', k1],
        ['Hof 3', [new Uint8Array(31)]],
        ['Hof 3', [k1, 'Anna']],
        ['Hof 3', [k1, k2, null]],
        'Hof 3'
      ]
    ) expect(both('household', value)).toMatchObject({ ok: false, code: 'malformed_content' })
  })

  it('lets an encoding error inside the members win over their wrong shape', () => {
    // ["H", ["x", 1 as 0x18 0x01]]: a text where a key belongs, then a non-minimal integer
    const bytes = Uint8Array.of(0x82, 0x61, 0x48, 0x82, 0x61, 0x78, 0x18, 0x01)
    expect(check('household', bytes)).toMatchObject({ code: 'non_canonical' })
    expect(decodeBody('household', bytes)).toMatchObject({ code: 'non_canonical' })
  })

  it('fits 64 members and the longest name in a payload', () => {
    const e = createEntry(box, {
      seq: 1,
      previous: null,
      timestamp: NOW,
      body: {
        type: 'household',
        name: '€'.repeat(42) + 'xx',
        members: Array.from({ length: MAX_HOUSEHOLD_MEMBERS }, (_, i) => key(i))
      }
    })
    expect(e.payloadSize).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
  })
})

describe('vouch', () => {
  it('reads the seen box\'s key and when it was seen', () => {
    expect(both('vouch', [k1, NOW])).toEqual({ ok: true, value: { type: 'vouch', box: k1, seenAt: NOW } })
    expect(both('vouch', [k1, 0]).ok).toBe(true)
  })

  it('refuses the wrong shape as malformed_content', () => {
    for (const value of [[k1], [NOW, k1], [new Uint8Array(33), NOW], [k1, -1], [k1, 'today'], [k1, null], encode(k1)]) {
      expect(both('vouch', value), JSON.stringify(value)).toMatchObject({ ok: false, code: 'malformed_content' })
    }
  })
})

describe('profile of a member', () => {
  it('reads [name] as before and [name, about, household]', () => {
    expect(both('profile', ['Anna'])).toEqual({ ok: true, value: { type: 'profile', name: 'Anna' } })
    expect(both('profile', ['Anna', 'Bohrmaschine zu verleihen', k1])).toEqual({
      ok: true,
      value: { type: 'profile', name: 'Anna', about: 'Bohrmaschine zu verleihen', household: k1 }
    })
    expect(both('profile', ['Anna', '', null])).toEqual({
      ok: true,
      value: { type: 'profile', name: 'Anna', about: '', household: null }
    })
  })

  it('bounds about to 280 UTF-8 bytes and refuses the wrong shape', () => {
    expect(both('profile', ['Anna', '€'.repeat(93) + 'x', null]).ok).toBe(true)
    expect(both('profile', ['Anna', '€'.repeat(93) + 'xx', null])).toMatchObject({ code: 'malformed_content' })
    for (
      const value of [
        ['Anna', 'about'],
        ['Anna', null, k1],
        ['Anna', 'about', new Uint8Array(31)],
        ['Anna', 'about', 'Hof 3'],
        [k1, 'about', null]
      ]
    ) expect(both('profile', value), JSON.stringify(value)).toMatchObject({ ok: false, code: 'malformed_content' })
  })

  it('encodes the one-item form when neither about nor household is given', () => {
    const short = createEntry(box, { seq: 1, previous: null, timestamp: NOW, body: { type: 'profile', name: 'A' } })
    expect(short.payload).toEqual(encode(['A']))
    const long = createEntry(box, {
      seq: 1,
      previous: null,
      timestamp: NOW,
      body: { type: 'profile', name: 'A', household: k2 }
    })
    expect(long.payload).toEqual(encode(['A', '', k2]))
  })
})

describe('items a later version appends', () => {
  it('are read past and ignored in household, vouch and the long profile, but must be well-formed', () => {
    expect(both('household', ['Hof 3', [k1], 'later', [1, 2]])).toEqual({
      ok: true,
      value: { type: 'household', name: 'Hof 3', members: [k1] }
    })
    expect(both('vouch', [k1, NOW, { picture: k3 }])).toEqual({
      ok: true,
      value: { type: 'vouch', box: k1, seenAt: NOW }
    })
    // the fourth item is the member's message key (PROTOCOL.md §2, "Private messages"); a fifth is later's
    expect(both('profile', ['Anna', '', null, k3, 'later'])).toEqual({
      ok: true,
      value: { type: 'profile', name: 'Anna', about: '', household: null, dmKey: k3 }
    })
    expect(both('profile', ['Anna', '', null, null, 'later'])).toEqual({
      ok: true,
      value: { type: 'profile', name: 'Anna', about: '', household: null }
    })
    expect(both('profile', ['Anna', '', null, 'not a key'])).toMatchObject({ code: 'malformed_content' })
    // [k1, NOW, 1 as 0x18 0x01]: the extra item is not canonical
    const bytes = Uint8Array.from([0x83, ...encode(k1), ...encode(NOW), 0x18, 0x01])
    expect(check('vouch', bytes)).toMatchObject({ code: 'non_canonical' })
  })

  it('are not allowed in the one-item profile, which a two-item profile would be mistaken for', () => {
    expect(both('profile', ['Anna', 'extra'])).toMatchObject({ code: 'malformed_content' })
  })
})

describe('the parsers on random input', () => {
  const keys = fc.uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), {
    maxLength: 8,
    selector: (k) => Buffer.from(k).toString('hex')
  }).map((ks) => ks.sort((a, b) => Buffer.compare(a, b)))
  const bodies = fc.oneof(
    fc.record({
      type: fc.constant('household' as const),
      name: fc.string({ minLength: 1, maxLength: 32 }),
      members: keys
    }),
    fc.record({
      type: fc.constant('vouch' as const),
      box: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      seenAt: fc.integer({ min: 0, max: 2 ** 53 - 1 })
    }),
    fc.record({
      type: fc.constant('profile' as const),
      name: fc.string({ minLength: 1, maxLength: 32 }),
      about: fc.string({ maxLength: 60 }),
      household: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: null })
    })
  )

  it('round-trip random bodies through create and read', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        const e = createEntry(box, { seq: 1, previous: null, timestamp: NOW, body: body as KnownBody })
        const r = readEntry(e.bytes, { now: NOW })
        if (!r.ok) throw new Error(r.message)
        const full = withPayload(r.value, e.payload as Uint8Array)
        expect(full.ok && full.value.body).toEqual(body)
      }),
      { numRuns: 300 }
    )
  })

  it('agree with the cborg reference on mutated payloads', () => {
    const samples: Array<[string, Uint8Array]> = [
      ['household', encode(['Hof 3', [k1, k2]])],
      ['household', encode(['Hof 3', [k1], 'later'])],
      ['vouch', encode([k1, NOW])],
      ['profile', encode(['Anna', 'hi', k1])],
      ['profile', encode(['Anna', '', null, [1]])]
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
          expect(fast.ok, Buffer.from(bytes).toString('hex')).toBe(ref.ok)
          if (fast.ok && ref.ok) expect(fast.value).toEqual(ref.value)
        }
      ),
      { numRuns: 5000 }
    )
  })
})
