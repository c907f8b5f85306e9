import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Boxes, call, pair, sameOrigin, type Box } from './helpers.ts'

// docs/HTTP-API.md, "Kinds of post": POST /api/v1/posts with a kind, GET /api/v1/feed?kind=, the entry JSON's fields
describe('kinds of post over /api/v1 on a real daemon', () => {
  const boxes = new Boxes()
  let box: Box
  let cookie: string

  beforeAll(async () => {
    box = await boxes.start()
    cookie = await pair(box)
  })
  afterAll(async () => {
    await boxes.close()
  })

  const post = async (body: Record<string, unknown>) =>
    await call(box, '/api/v1/posts', { method: 'POST', headers: sameOrigin(box, cookie), body })

  it('posts a poll, votes twice (counted once), and GET /feed?kind=poll shows its tally and closesAt', async () => {
    const closesAt = Date.now() + 3_600_000
    const p = await post({ kind: 'poll', text: 'Wann?', options: ['Sa', 'So'], closesAt })
    expect(p.status, p.text).toBe(201)
    expect(p.json).toMatchObject({ type: 'post', kind: 'poll', text: 'Wann?', closesAt, authorKey: expect.any(String) })
    expect((await post({ kind: 'vote', target: p.json.id, choices: [0] })).status).toBe(201)
    const v = await post({ kind: 'vote', target: p.json.id, choices: ['So'] })
    expect(v.json).toMatchObject({ type: 'vote', target: p.json.id, choices: [1] })
    await post({ text: 'a plain post in between' })
    const feed = await call(box, '/api/v1/feed?kind=poll')
    expect(feed.status, feed.text).toBe(200)
    expect(feed.json.entries).toHaveLength(1)
    expect(feed.json.entries[0]).toMatchObject({
      id: p.json.id,
      closesAt,
      closed: false,
      tally: { counts: [0, 1], voters: 1, votes: [{ id: v.json.id, choices: [1] }] }
    })
    // and GET /entries/:id has the same fields
    expect((await call(box, `/api/v1/entries/${p.json.id}`)).json.tally.counts).toEqual([0, 1])
  })

  it('an event with rsvps, an offer marked done, an alert pinned', async () => {
    const ev = await post({ kind: 'event', text: 'Hoffest', starts: Date.now() + 86_400_000, place: 'Hof 3' })
    expect(ev.status, ev.text).toBe(201)
    await post({ kind: 'rsvp', target: ev.json.id, answer: 'going' })
    const offer = await post({ kind: 'offer', text: 'Sofa', price: 'free' })
    await post({ kind: 'done', target: offer.json.id })
    await post({ kind: 'alert', text: 'Wasser abgestellt' })
    const feed = (await call(box, '/api/v1/feed?limit=50')).json.entries as any[]
    expect(feed.find((e) => e.id === ev.json.id)).toMatchObject({ kind: 'event', place: 'Hof 3', rsvps: { going: 1 } })
    expect(feed.find((e) => e.id === offer.json.id)).toMatchObject({ kind: 'offer', price: 'free', done: true })
    expect(feed.find((e) => e.kind === 'alert')).toMatchObject({ pinned: true, text: 'Wasser abgestellt' })
    expect(feed.some((e) => e.type === 'vote' || e.type === 'rsvp' || e.type === 'done')).toBe(false)
  })

  it('refuses bad input with typed codes, never a stack trace', async () => {
    for (
      const [body, code] of [
        [{ kind: 'poll', text: 'Q', options: ['a'] }, 'bad_options'],
        [{ kind: 'poll', text: 'Q', options: ['a', 'b'], closesAt: 1 }, 'bad_time'],
        [{ kind: 'event', text: 'E', place: 'P' }, 'bad_kind_fields'],
        [{ kind: 'rsvp', target: 'x', answer: 'yes' }, 'invalid_request'],
        [{ kind: 'petition', text: 'x' }, 'invalid_request'],
        [{ kind: 'poll', text: 'Q', options: ['a', 'b'], closesAt: 'soon' }, 'invalid_request']
      ] as const
    ) {
      const r = await post(body)
      expect(r.status, r.text).toBe(400)
      expect(r.json.error.code, JSON.stringify(body)).toBe(code)
      expect(r.text).not.toMatch(/\bat .*\.(js|ts):\d+/)
    }
    expect((await call(box, '/api/v1/feed?kind=Bad!')).status).toBe(400)
  })
})
