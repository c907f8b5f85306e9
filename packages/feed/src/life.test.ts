import { encode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseBody } from './parse.js'
import {
  createEntry,
  decodeBody,
  fallbackText,
  MAX_PAYLOAD_BYTES,
  readPayload,
  sha256,
  signerFromSeed,
  type KnownBody
} from './index.js'

// PROTOCOL.md §2, "Neighbourhood life"

const h = new Uint8Array(32).fill(7)
const box = signerFromSeed(new Uint8Array(32).fill(9))

/** Both decoders, which must agree on the verdict and the body; then the full payload check. */
function both (kind: string, value: unknown): ReturnType<typeof readPayload> {
  const payload = value instanceof Uint8Array ? value : encode(value)
  const fast = parseBody(kind, payload)
  const ref = decodeBody(kind, payload)
  expect(fast.ok, `${kind} ${Buffer.from(payload).toString('hex')}`).toBe(ref.ok)
  if (fast.ok && ref.ok) expect(fast.value).toEqual(ref.value)
  return readPayload({ kind, payloadHash: sha256(payload), payloadSize: payload.byteLength }, payload)
}

const code = (r: ReturnType<typeof readPayload>): string => (r.ok ? 'ok' : r.code)

describe('kinds of neighbourhood life', () => {
  it('reads each kind, and round-trips it through createEntry', () => {
    const bodies: KnownBody[] = [
      { type: 'offer', text: 'Sofa', price: '5 €' },
      { type: 'offer', text: 'Sofa', price: null },
      { type: 'request', text: 'Leiter?' },
      { type: 'lost', text: 'Katze' },
      { type: 'found', text: 'Schlüssel' },
      { type: 'recommendation', text: 'Bäcker' },
      { type: 'alert', text: 'Strom weg' },
      { type: 'event', title: 'Fest', starts: 10, ends: 20, place: 'Hof', text: '' },
      { type: 'event', title: 'Fest', starts: 10, ends: null, place: 'Hof', text: 'Kuchen' },
      { type: 'poll', question: 'Wann?', options: ['Sa', 'So'], multiple: false, closesAt: 99 },
      { type: 'poll', question: 'Was?', options: ['a', 'b', 'c'], multiple: true, closesAt: 0 },
      { type: 'vote', poll: h, choices: [0, 2] },
      { type: 'rsvp', event: h, answer: 'maybe' },
      { type: 'done', target: h }
    ]
    for (const [i, body] of bodies.entries()) {
      const e = createEntry(box, { seq: 1, previous: null, timestamp: 1000, body })
      const r = both(body.type, e.payload)
      expect(r, body.type).toEqual({ ok: true, value: body })
      expect(e.kind, `sample ${i}`).toBe(body.type)
    }
  })

  it('refuses wrong field types and counts as malformed_content, for both decoders alike', () => {
    const cases: Array<[string, unknown, string]> = [
      ['offer', ['Sofa'], 'malformed_content'], // price missing (null says none)
      ['offer', ['Sofa', 5], 'malformed_content'],
      ['offer', ['', null], 'malformed_content'],
      ['offer', ['Sofa', ''], 'malformed_content'],
      ['offer', ['Sofa', 'x'.repeat(65)], 'malformed_content'],
      ['request', [], 'malformed_content'],
      ['request', [h], 'malformed_content'],
      ['lost', ['€'.repeat(2731)], 'content_too_large'],
      ['alert', ['x'.repeat(1025)], 'malformed_content'],
      ['event', ['Fest', '10', null, 'Hof', ''], 'malformed_content'],
      ['event', ['Fest', 10, null, 'Hof'], 'malformed_content'],
      ['event', ['Fest', 10, 9, 'Hof', ''], 'malformed_content'],
      ['event', ['', 10, null, 'Hof', ''], 'malformed_content'],
      ['event', ['Fest', 10, null, '', ''], 'malformed_content'],
      ['event', ['x'.repeat(201), 10, null, 'Hof', ''], 'malformed_content'],
      ['poll', ['Q', ['a'], false, 1], 'malformed_content'],
      ['poll', ['Q', Array.from({ length: 11 }, (_, i) => String(i)), false, 1], 'malformed_content'],
      ['poll', ['Q', ['a', 'a'], false, 1], 'malformed_content'],
      ['poll', ['Q', ['a', ''], false, 1], 'malformed_content'],
      ['poll', ['Q', ['a', 2], false, 1], 'malformed_content'],
      ['poll', ['Q', ['a', 'b'], 1, 1], 'malformed_content'],
      ['poll', ['Q', ['a', 'b'], false, null], 'malformed_content'],
      ['poll', ['x'.repeat(501), ['a', 'b'], false, 1], 'malformed_content'],
      ['vote', [h, []], 'malformed_content'],
      ['vote', [h, [1, 1]], 'malformed_content'],
      ['vote', [h, [2, 1]], 'malformed_content'],
      ['vote', [h, Array.from({ length: 11 }, (_, i) => i)], 'malformed_content'],
      ['vote', [h.subarray(0, 31), [1]], 'malformed_content'],
      ['vote', [h, ['1']], 'malformed_content'],
      ['rsvp', [h, 'yes'], 'malformed_content'],
      ['rsvp', [h, 1], 'malformed_content'],
      ['done', ['abc'], 'malformed_content']
    ]
    for (const [kind, value, want] of cases) {
      expect(code(both(kind, value)), `${kind} ${JSON.stringify(value)}`).toBe(want)
    }
  })

  it('a vote choice out of range for its poll is a tally rule: the vote parses', () => {
    expect(code(both('vote', [h, [9]]))).toBe('ok')
    expect(code(both('vote', [h, [1_000_000]]))).toBe('ok')
  })

  it('reads past items a later version appends', () => {
    expect(both('request', ['Leiter', 'x', [1]])).toEqual({ ok: true, value: { type: 'request', text: 'Leiter' } })
    expect(both('done', [h, null])).toEqual({ ok: true, value: { type: 'done', target: h } })
  })

  it('stays within MAX_PAYLOAD_BYTES at every field limit at once', () => {
    const e = createEntry(box, {
      seq: 1,
      previous: null,
      timestamp: 1,
      body: {
        type: 'event',
        title: '€'.repeat(66),
        starts: 2 ** 52,
        ends: 2 ** 52,
        place: '€'.repeat(66),
        text: '€'.repeat(2730)
      }
    })
    expect(e.payloadSize).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
    const poll = createEntry(box, {
      seq: 1,
      previous: null,
      timestamp: 1,
      body: {
        type: 'poll',
        question: '€'.repeat(166),
        options: Array.from({ length: 10 }, (_, i) => String(i) + '€'.repeat(66)),
        multiple: true,
        closesAt: 2 ** 52
      }
    })
    expect(poll.payloadSize).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
  })

  it('the fast parser agrees with the cborg reference on mutated payloads of every kind', () => {
    const samples: Array<[string, Uint8Array]> = [
      ['offer', encode(['Sofa', '5 €'])],
      ['offer', encode(['Sofa', null])],
      ['alert', encode(['Strom weg'])],
      ['event', encode(['Fest', 1000, null, 'Hof', 'x'])],
      ['event', encode(['Fest', 1000, 2000, 'Hof', ''])],
      ['poll', encode(['Q?', ['a', 'b', 'c'], true, 5000])],
      ['vote', encode([h, [0, 3]])],
      ['rsvp', encode([h, 'going'])],
      ['done', encode([h])]
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

describe('fallbackText: a kind to come shown as a post', () => {
  it('is the first item when it is a non-empty text', () => {
    expect(fallbackText(encode(['Mehr Bänke', 42]))).toBe('Mehr Bänke')
    expect(fallbackText(encode(['x'.repeat(300)]))).toBe('x'.repeat(300))
    expect(fallbackText(encode(['€'.repeat(2000), null]))).toBe('€'.repeat(2000))
  })

  it('is nothing for any other payload', () => {
    for (const v of [[], [''], [42, 'x'], 'x', 42, null, [h], new Map([[1, 'x']])]) {
      expect(fallbackText(encode(v)), JSON.stringify(v)).toBeUndefined()
    }
    expect(fallbackText(Uint8Array.of(0x81, 0x7a, 0xff, 0xff))).toBeUndefined()
  })
})
