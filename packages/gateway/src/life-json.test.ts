import { encode } from 'cborg'
import {
  createEntry,
  entryId,
  readEntry,
  sha256,
  signedBytes,
  signerFromSeed,
  encodeEnvelope,
  withPayload,
  type Entry,
  type KnownBody
} from '@kiez/feed'
import { describe, expect, it } from 'vitest'
import { EntryFormatter, isShown } from './entry-json.js'
import { kindPage, type LifeView } from './life-json.js'

const alice = signerFromSeed(new Uint8Array(32).fill(1))
const at = 1_764_160_000_000
let seq = 0
let previous: Uint8Array | null = null
function entry (body: KnownBody): Entry {
  const e = createEntry(alice, { seq: ++seq, previous, timestamp: at + seq, body })
  previous = e.hash
  return e
}

/** A stand-in board: fixed answers, so the JSON shape is what is tested here (@kiez/life tests the numbers). */
const view: LifeView = {
  tally: () => ({
    counts: [2, 0],
    voters: 2,
    households: 1,
    unclaimed: 0,
    byHousehold: [{ household: 'hof3', voters: 2 }],
    votes: [{
      hash: new Uint8Array(32).fill(9),
      author: alice.publicKey,
      timestamp: at,
      choices: [0],
      household: 'hof3'
    }],
    refused: { late: 1, invalid: 0 }
  }),
  rsvpsOf: () => ({ counts: { going: 3, maybe: 1, no: 0 } }),
  isDone: () => true,
  pinned: () => true,
  closed: () => false
}

describe('the kinds of neighbourhood life as JSON', () => {
  it('shows each kind as a post with its kind, its text and its fields', () => {
    const fmt = new EntryFormatter(16, { life: () => view })
    const offer = fmt.entry(entry({ type: 'offer', text: 'Sofa', price: '0 €' }))
    expect(offer).toMatchObject({ type: 'post', kind: 'offer', text: 'Sofa', price: '0 €', done: true })
    const ev = fmt.entry(entry({ type: 'event', title: 'Fest', starts: 10, ends: null, place: 'Hof', text: 'Kuchen' }))
    expect(ev).toMatchObject({
      type: 'post',
      kind: 'event',
      text: 'Fest',
      title: 'Fest',
      starts: 10,
      place: 'Hof',
      description: 'Kuchen',
      rsvps: { going: 3, maybe: 1, no: 0 }
    })
    expect(ev.ends).toBeUndefined()
    const p = entry({ type: 'poll', question: 'Wann?', options: ['Sa', 'So'], multiple: false, closesAt: 99 })
    expect(fmt.entry(p)).toMatchObject({
      type: 'post',
      kind: 'poll',
      text: 'Wann?',
      options: ['Sa', 'So'],
      multiple: false,
      closesAt: 99,
      closed: false,
      tally: {
        counts: [2, 0],
        voters: 2,
        households: 1,
        votes: [{ id: entryId(new Uint8Array(32).fill(9)), author: expect.stringMatching(/^12D3KooW/), choices: [0] }],
        refused: { late: 1, invalid: 0 }
      }
    })
    expect(fmt.entry(entry({ type: 'alert', text: 'Strom weg' }))).toMatchObject({
      kind: 'alert',
      pinned: true,
      until: at + seq + 86_400_000
    })
    const vote = fmt.entry(entry({ type: 'vote', poll: p.hash, choices: [1] }))
    expect(vote).toMatchObject({ type: 'vote', kind: 'vote', target: entryId(p.hash), choices: [1] })
    expect(vote.payloadMissing).toBeUndefined()
  })

  it('leaves a plain post\'s JSON as it was: no kind field', () => {
    const json = new EntryFormatter(16, { life: () => view }).entry(entry({ type: 'post', text: 'hallo' }))
    expect(json.kind).toBeUndefined()
    expect(json.type).toBe('post')
  })

  it('shows polls, events, offers, … in a feed; votes, rsvps and dones not', () => {
    const o = entry({ type: 'offer', text: 'x', price: null })
    expect(isShown(o)).toBe(true)
    expect(isShown(entry({ type: 'done', target: o.hash }))).toBe(false)
    expect(isShown(entry({ type: 'rsvp', event: o.hash, answer: 'no' }))).toBe(false)
  })

  it('shows a kind to come as a post of its first text, and one without a text not at all', () => {
    const unknown = (kind: string, value: unknown): Entry => {
      const payload = encode(value)
      const header = encode([2, alice.publicKey, 1, null, at, kind, sha256(payload), payload.byteLength])
      const read = readEntry(encodeEnvelope(header, alice.sign(signedBytes(header))), { now: at })
      if (!read.ok) throw new Error(read.message)
      const full = withPayload(read.value, payload)
      if (!full.ok) throw new Error(full.message)
      return full.value
    }
    const petition = unknown('petition', ['Mehr Bänke', 3])
    expect(isShown(petition)).toBe(true)
    expect(new EntryFormatter().entry(petition)).toMatchObject({
      type: 'post',
      kind: 'petition',
      text: 'Mehr Bänke',
      unknownKind: true
    })
    expect(isShown(unknown('petition', [3, 'x']))).toBe(false)
    expect(isShown(unknown('petition', new Map([[1, 'x']])))).toBe(false)
  })
})

describe('kindPage', () => {
  const all = Array.from({ length: 100 }, (_, i) => ({ kind: i % 10 === 0 ? 'poll' : 'post', i }))
  const timeline = async (q: { limit: number, before?: string }) => {
    const from = q.before === undefined ? 0 : Number(q.before)
    const entries = all.slice(from, from + q.limit)
    return from + q.limit < all.length ? { entries, next: String(from + q.limit) } : { entries }
  }

  it('reads on until the page is full of the kind, never more than limit, and pages on without a gap', async () => {
    const seen: number[] = []
    let page = await kindPage(timeline, { limit: 3 }, (e) => e.kind === 'poll')
    seen.push(...page.entries.map((e) => e.i))
    expect(page.entries.length).toBe(3)
    while (page.next !== undefined) {
      page = await kindPage(timeline, { limit: 3, before: page.next }, (e) => e.kind === 'poll')
      expect(page.entries.length).toBeLessThanOrEqual(3)
      seen.push(...page.entries.map((e) => e.i))
    }
    expect(seen).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
  })
})
