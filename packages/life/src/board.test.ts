import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed, type Entry, type KnownBody, type Signer } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { ALERT_PIN_MS, Noticeboard } from './index.js'

const NOW = 1_800_000_000_000
const HOUR = 3_600_000
const people = Array.from({ length: 6 }, (_, i) => signerFromSeed(new Uint8Array(32).fill(i + 1)))
const [anna, ben, cem, dora, emil, box] = people as [Signer, Signer, Signer, Signer, Signer, Signer]

/** One log per signer, seq and previous kept: entries as a store would hand them out. */
function author (signer: Signer): (body: KnownBody, timestamp: number) => Entry {
  let seq = 0
  let previous: Uint8Array | null = null
  return (body, timestamp) => {
    const e = createEntry(signer, { seq: ++seq, previous, timestamp, body })
    previous = e.hash
    return e
  }
}

const poll = (multiple = false, closesAt = NOW + HOUR): KnownBody => ({
  type: 'poll',
  question: 'Wann Hoffest?',
  options: ['Samstag', 'Sonntag', 'egal'],
  multiple,
  closesAt
})

describe('poll tally', () => {
  it('counts one vote per author: the newest before closing, a changed vote once', () => {
    const board = new Noticeboard({ now: () => NOW })
    const p = author(box)(poll(), NOW - HOUR)
    const a = author(anna)
    const b = author(ben)
    board.add(p)
    board.add(a({ type: 'vote', poll: p.hash, choices: [0] }, NOW - 50 * 60_000))
    board.add(a({ type: 'vote', poll: p.hash, choices: [1] }, NOW - 40 * 60_000)) // changed her mind
    board.add(b({ type: 'vote', poll: p.hash, choices: [1] }, NOW - 30 * 60_000))
    const t = board.tally(p.hash)
    expect(t?.counts).toEqual([0, 2, 0])
    expect(t?.voters).toBe(2)
    expect(t?.votes.map((v) => v.choices)).toEqual([[1], [1]])
    expect(t?.refused).toEqual({ late: 0, invalid: 0 })
  })

  it('refuses a vote after closing, and keeps the one before it', () => {
    const board = new Noticeboard({ now: () => NOW + 2 * HOUR })
    const p = author(box)(poll(false, NOW), NOW - HOUR)
    const a = author(anna)
    board.add(a({ type: 'vote', poll: p.hash, choices: [2] }, NOW - 1))
    board.add(a({ type: 'vote', poll: p.hash, choices: [0] }, NOW + 1)) // too late
    board.add(author(ben)({ type: 'vote', poll: p.hash, choices: [0] }, NOW + 10))
    board.add(p) // the poll after its votes: the tally does not care
    expect(board.tally(p.hash)).toMatchObject({ counts: [0, 0, 1], voters: 1, refused: { late: 2, invalid: 0 } })
    expect(board.closed(p.hash)).toBe(true)
  })

  it('single choice counts one option; multiple choice any; out of range counts for nothing', () => {
    const board = new Noticeboard({ now: () => NOW })
    const single = author(box)(poll(false), NOW - HOUR)
    const multi = author(cem)(poll(true), NOW - HOUR)
    board.add(single)
    board.add(multi)
    const a = author(anna)
    const b = author(ben)
    board.add(a({ type: 'vote', poll: single.hash, choices: [0, 1] }, NOW - 10))
    board.add(b({ type: 'vote', poll: single.hash, choices: [5] }, NOW - 10))
    board.add(a({ type: 'vote', poll: multi.hash, choices: [0, 1] }, NOW - 10))
    board.add(b({ type: 'vote', poll: multi.hash, choices: [1, 2] }, NOW - 10))
    expect(board.tally(single.hash)).toMatchObject({ counts: [0, 0, 0], voters: 0, refused: { invalid: 2 } })
    expect(board.tally(multi.hash)).toMatchObject({ counts: [1, 2, 1], voters: 2 })
  })

  it('counts voters by household when a lookup is passed: people and households', () => {
    const house = new Map([[anna, 'hof3'], [ben, 'hof3'], [cem, 'hof5']].map(([s, h]) => [
      Buffer.from((s as Signer).publicKey).toString('hex'),
      h as string
    ]))
    const board = new Noticeboard({ now: () => NOW, householdOf: (k) => house.get(Buffer.from(k).toString('hex')) })
    const p = author(box)(poll(), NOW - HOUR)
    board.add(p)
    for (const s of [anna, ben, cem, dora]) board.add(author(s)({ type: 'vote', poll: p.hash, choices: [0] }, NOW - 5))
    expect(board.tally(p.hash)).toMatchObject({
      voters: 4,
      households: 2,
      unclaimed: 1,
      byHousehold: [{ household: 'hof3', voters: 2 }, { household: 'hof5', voters: 1 }]
    })
  })

  it('a vote deleted by its author stops counting; a deleted poll has no tally', () => {
    const board = new Noticeboard({ now: () => NOW })
    const bx = author(box)
    const p = bx(poll(), NOW - HOUR)
    const a = author(anna)
    const v = a({ type: 'vote', poll: p.hash, choices: [0] }, NOW - 10)
    board.add(p)
    board.add(v)
    board.add(author(ben)({ type: 'delete', target: v.hash }, NOW - 5)) // not hers: nothing
    expect(board.tally(p.hash)?.voters).toBe(1)
    board.add(a({ type: 'delete', target: v.hash }, NOW - 5))
    expect(board.tally(p.hash)?.voters).toBe(0)
    board.add(bx({ type: 'delete', target: p.hash }, NOW - 1))
    expect(board.tally(p.hash)).toBeUndefined()
  })

  it('converges: the same entries in any order give the same tally, rsvps, open lists and pinned alerts', () => {
    const bx = author(box)
    const p = bx(poll(true, NOW), NOW - 2 * HOUR)
    const ev = bx({ type: 'event', title: 'Fest', starts: NOW + HOUR, ends: null, place: 'Hof', text: '' }, NOW - HOUR)
    const offer = bx({ type: 'offer', text: 'Sofa', price: null }, NOW - HOUR)
    const entries: Entry[] = [p, ev, offer, bx({ type: 'done', target: offer.hash }, NOW - 10)]
    const voters = [anna, ben, cem, dora, emil].map(author)
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 4 }),
            kind: fc.constantFrom('vote', 'rsvp', 'alert'),
            choices: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
            answer: fc.constantFrom('going' as const, 'maybe' as const, 'no' as const),
            // around the closing time, and some at the same millisecond
            at: fc.integer({ min: -3, max: 3 }).map((x) => NOW + x * 1000)
          }),
          { maxLength: 30 }
        ),
        fc.func(fc.integer()),
        (acts, shuffle) => {
          const more = acts.map((x) => {
            const sign = voters[x.who] as (b: KnownBody, t: number) => Entry
            if (x.kind === 'vote') {
              return sign({ type: 'vote', poll: p.hash, choices: [...x.choices].sort((a, b) => a - b) }, x.at)
            }
            return x.kind === 'rsvp'
              ? sign({ type: 'rsvp', event: ev.hash, answer: x.answer }, x.at)
              : sign({ type: 'alert', text: `Alarm ${x.at}` }, x.at)
          })
          const all = [...entries, ...more]
          const shuffled = all.map((e, i) => ({ e, k: shuffle(i) })).sort((a, b) => a.k - b.k).map((x) => x.e)
          const view = (list: Entry[]): unknown => {
            const board = new Noticeboard({ now: () => NOW })
            for (const e of list) board.add(e)
            for (const e of list.slice(0, 5)) board.add(e) // duplicates change nothing
            return [
              board.tally(p.hash),
              board.rsvpsOf(ev.hash),
              board.open(),
              board.isDone(offer.hash),
              board.pinnedAlerts()
            ]
          }
          expect(view(shuffled)).toEqual(view(all))
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe('rsvps, offers and requests', () => {
  it('counts each author\'s newest answer', () => {
    const board = new Noticeboard({ now: () => NOW })
    const ev = author(box)(
      { type: 'event', title: 'Fest', starts: NOW, ends: null, place: 'Hof', text: '' },
      NOW - HOUR
    )
    const a = author(anna)
    board.add(a({ type: 'rsvp', event: ev.hash, answer: 'maybe' }, NOW - 30))
    board.add(a({ type: 'rsvp', event: ev.hash, answer: 'going' }, NOW - 20))
    board.add(author(ben)({ type: 'rsvp', event: ev.hash, answer: 'no' }, NOW - 10))
    expect(board.rsvpsOf(ev.hash).counts).toEqual({ going: 1, maybe: 0, no: 1 })
  })

  it('an offer or request leaves the open list when its own author marks it done', () => {
    const board = new Noticeboard({ now: () => NOW })
    const a = author(anna)
    const sofa = a({ type: 'offer', text: 'Sofa', price: '0 €' }, NOW - 30)
    const ladder = a({ type: 'request', text: 'Leiter?' }, NOW - 20)
    board.add(sofa)
    board.add(ladder)
    expect(board.open().map((i) => i.text)).toEqual(['Leiter?', 'Sofa'])
    board.add(author(ben)({ type: 'done', target: sofa.hash }, NOW - 10)) // not his offer
    expect(board.isDone(sofa.hash)).toBe(false)
    board.add(a({ type: 'done', target: sofa.hash }, NOW - 10))
    expect(board.isDone(sofa.hash)).toBe(true)
    expect(board.open().map((i) => i.text)).toEqual(['Leiter?'])
    expect(board.open({ kind: 'offer' })).toEqual([])
  })
})

describe('alerts', () => {
  it('pins an author\'s first 3 alerts of a day, for 24 hours', () => {
    let now = NOW
    const board = new Noticeboard({ now: () => now })
    const a = author(anna)
    const alerts = [0, 1, 2, 3].map((i) => a({ type: 'alert', text: `Alarm ${i}` }, NOW + i * HOUR))
    board.add(author(ben)({ type: 'alert', text: 'Ben' }, NOW))
    for (const e of [...alerts].reverse()) board.add(e) // any order
    now = NOW + 4 * HOUR
    expect(alerts.map((e) => board.pinned(e.hash))).toEqual([true, true, true, false])
    expect(board.pinnedAlerts().map((x) => x.text)).toEqual(['Alarm 2', 'Alarm 1', 'Alarm 0', 'Ben'])
    // a day after the first: it expires, and the 4th stays unpinned (3 were within the day before it)
    now = NOW + ALERT_PIN_MS
    expect(alerts.map((e) => board.pinned(e.hash))).toEqual([false, true, true, false])
    now = NOW + 3 * HOUR + ALERT_PIN_MS
    expect(board.pinnedAlerts()).toEqual([])
  })

  it('the next day brings 3 more', () => {
    const board = new Noticeboard({ now: () => NOW + 25 * HOUR })
    const a = author(anna)
    for (const i of [0, 1, 2]) board.add(a({ type: 'alert', text: `${i}` }, NOW + i))
    const next = a({ type: 'alert', text: 'next day' }, NOW + 24 * HOUR + 5)
    board.add(next)
    expect(board.pinned(next.hash)).toBe(true)
  })
})

describe('following a real store', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('reads what the store held at start, then every new entry; caps bound the scan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiez-life-'))
    dirs.push(dir)
    const store = await FeedStore.open({ path: join(dir, 'feed'), now: () => NOW })
    try {
      const p = await store.append(box, poll(false, NOW + HOUR))
      await store.append(anna, { type: 'vote', poll: p.hash, choices: [1] })
      const board = await Noticeboard.open({ source: store, now: () => NOW })
      expect(board.tally(p.hash)?.counts).toEqual([0, 1, 0])
      await store.append(ben, { type: 'vote', poll: p.hash, choices: [1] })
      expect(board.tally(p.hash)?.counts).toEqual([0, 2, 0])
      board.close()
      await store.append(cem, { type: 'vote', poll: p.hash, choices: [1] })
      expect(board.tally(p.hash)?.counts).toEqual([0, 2, 0])
      const small = await Noticeboard.open({ source: store, now: () => NOW, limits: { scanEntries: 1 } })
      expect(small.stats().answers + small.stats().polls).toBe(1)
      small.close()
    } finally {
      await store.close()
    }
  })
})
