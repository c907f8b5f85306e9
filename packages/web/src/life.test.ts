import { describe, expect, it } from 'vitest'
import { asEntry } from './api.js'
import { makeI18n, pickLang } from './i18n/index.js'
import { asLife, isoOf, openTrades, pinnedAlerts, upcomingEvents } from './life.js'
import { relativeTime } from './time.js'

const H = 3_600_000

describe('the page language', () => {
  it('takes the reader\'s choice first, then the first browser language it has, then English', () => {
    expect(pickLang('en', ['de-DE', 'de'])).toBe('en')
    expect(pickLang(null, ['fr-FR', 'de-AT', 'en'])).toBe('de')
    expect(pickLang(undefined, ['en-GB', 'de'])).toBe('en')
    expect(pickLang('xx', ['fr', 'it'])).toBe('en')
    expect(pickLang(null, [])).toBe('en')
  })

  it('formats dates with Intl in the chosen language, and nothing for a time out of range', () => {
    const de = makeI18n('de')
    const ms = Date.UTC(2026, 11, 5, 12, 0)
    expect(de.dateTime(ms)).toBe(
      new Intl.DateTimeFormat('de-DE', {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit'
      })
        .format(ms)
    )
    expect(de.dateTime(ms)).toMatch(/^Sa\./)
    expect(de.dateTime(1e20)).toBe('')
    expect(isoOf(1e20)).toBeUndefined()
    expect(relativeTime(ms - 3 * 60_000, ms, de.t.time)).toBe('vor 3 Min.')
    expect(relativeTime(ms - 3 * 60_000, ms, makeI18n('en').t.time)).toBe('3 min ago')
  })
})

describe('life fields from the network', () => {
  it('keeps the fields of the right shape and drops the rest', () => {
    const l = asLife({
      kind: 'poll',
      options: ['A', 'B'],
      multiple: false,
      closesAt: 5,
      tally: {
        counts: [1, 2],
        voters: 3,
        households: 2,
        votes: [{ id: 'v', author: 'x', timestamp: 1, choices: [1] }, { id: 7 }],
        refused: { late: 1, invalid: 0 }
      },
      rsvps: { going: 2, maybe: -1, no: 'x' },
      starts: 'tomorrow',
      price: 3
    })
    expect(l.kind).toBe('poll')
    expect(l.tally?.votes).toEqual([{ id: 'v', author: 'x', timestamp: 1, choices: [1] }])
    expect(l.tally?.households).toBe(2)
    expect(l.rsvps).toEqual({ going: 2, maybe: 0, no: 0 })
    expect(l.starts).toBeUndefined()
    expect(l.price).toBeUndefined()
    expect(asLife({ kind: '<script>' }).kind).toBeUndefined()
    expect(asLife({ tally: { counts: [-1], votes: [] } }).tally).toBeUndefined()
  })

  it('asEntry carries them on the entry', () => {
    const e = asEntry({
      id: 'e',
      author: 'a',
      seq: 1,
      timestamp: 1,
      type: 'post',
      kind: 'offer',
      price: '5 €',
      done: true
    })
    expect(e).toMatchObject({ kind: 'offer', price: '5 €', done: true })
  })
})

describe('the side lists', () => {
  const now = 100 * H
  const base = { timestamp: 0 }
  it('lists events ahead by start time; a past one leaves (6 h after its start without an end)', () => {
    const list = upcomingEvents([
      { ...base, id: 'late', kind: 'event', starts: now + 5 * H },
      { ...base, id: 'soon', kind: 'event', starts: now + H },
      { ...base, id: 'over', kind: 'event', starts: now - 10 * H, ends: now - H },
      { ...base, id: 'running', kind: 'event', starts: now - 2 * H },
      { ...base, id: 'post', kind: 'offer', starts: now }
    ], now)
    expect(list.map((e) => e.id)).toEqual(['running', 'soon', 'late'])
  })

  it('lists open offers and requests, newest first, without done ones', () => {
    const list = openTrades([
      { id: 'o1', kind: 'offer', timestamp: 1 },
      { id: 'r', kind: 'request', timestamp: 3 },
      { id: 'o2', kind: 'offer', timestamp: 2, done: true as const },
      { id: 'e', kind: 'event', timestamp: 4 }
    ])
    expect(list.map((e) => e.id)).toEqual(['r', 'o1'])
  })

  it('pins alerts the box pins, until their time is over', () => {
    const list = pinnedAlerts([
      { id: 'a', kind: 'alert', pinned: true, until: now + H, timestamp: 1 },
      { id: 'b', kind: 'alert', pinned: true, until: now - 1, timestamp: 2 },
      { id: 'c', kind: 'alert', pinned: false, until: now + H, timestamp: 3 }
    ], now)
    expect(list.map((e) => e.id)).toEqual(['a'])
  })
})
