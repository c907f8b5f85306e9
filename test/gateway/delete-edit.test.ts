import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEntry, entryId, signerFromSeed } from '@kiez/feed'
import { Boxes, call, pair, sameOrigin, type Box } from './helpers.ts'

function expectError (r: { status: number, json: any, text: string }, status: number, code: string): void {
  expect(r.status, r.text).toBe(status)
  expect(r.json, r.text).toEqual({ error: { code, message: expect.any(String) } })
  expect(r.text).not.toMatch(/\bat .*\.(js|ts):\d+/) // never a stack trace
}

const UNKNOWN_ID = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

describe('DELETE and PUT /api/v1/entries/:id on a real daemon', () => {
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

  const post = async (text: string, extra: Record<string, unknown> = {}) => {
    const r = await call(box, '/api/v1/posts', {
      method: 'POST',
      headers: sameOrigin(box, cookie),
      body: { text, ...extra }
    })
    expect(r.status, r.text).toBe(201)
    return r.json
  }
  // a DELETE carries the JSON Content-Type every write must, and may have no body
  const del = async (id: string, headers: Record<string, string> = sameOrigin(box, cookie)) =>
    await call(box, `/api/v1/entries/${id}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json', ...headers }
    })
  const put = async (id: string, body: unknown, headers: Record<string, string> = sameOrigin(box, cookie)) =>
    await call(box, `/api/v1/entries/${id}`, { method: 'PUT', headers, body })
  const feedTexts = async (): Promise<string[]> =>
    (await call(box, '/api/v1/feed?limit=200')).json.entries.map((e: any) => e.text)

  it('DELETE answers the delete entry; the post is gone from the feed and GET answers 410', async () => {
    const p = await post('regret this one')
    const r = await del(p.id)
    expect(r.status, r.text).toBe(200)
    expect(r.json).toMatchObject({
      id: expect.stringMatching(/^bafyrei/),
      type: 'delete',
      target: p.id,
      author: p.author,
      authorKey: p.authorKey,
      seq: p.seq + 1,
      previous: p.id
    })
    expect(r.json.text).toBeUndefined()
    expect(r.json.payloadMissing).toBeUndefined()
    expectError(await call(box, `/api/v1/entries/${p.id}`), 410, 'deleted')
    expect(await feedTexts()).not.toContain('regret this one')
    // the delete entry itself is not shown either
    expectError(await call(box, `/api/v1/entries/${r.json.id}`), 404, 'entry_not_found')
    // again: deleted already; and it cannot be edited any more
    expectError(await del(p.id), 410, 'deleted')
    expectError(await put(p.id, { text: 'too late' }), 410, 'deleted')
  })

  it('a DELETE with the body {} works too', async () => {
    const p = await post('delete me with a body')
    const r = await call(box, `/api/v1/entries/${p.id}`, {
      method: 'DELETE',
      headers: sameOrigin(box, cookie),
      body: {}
    })
    expect(r.status, r.text).toBe(200)
    expect(r.json).toMatchObject({ type: 'delete', target: p.id })
  })

  it('PUT answers the post as the feed now shows it, edited; the old text is gone from GET and the feed', async () => {
    const p = await post('Flohmarkt Sunday 10:00')
    const r = await put(p.id, { text: 'Flohmarkt Sunday 11:00' })
    expect(r.status, r.text).toBe(200)
    expect(r.json).toEqual({
      ...p,
      text: 'Flohmarkt Sunday 11:00',
      edited: true
    })
    const got = await call(box, `/api/v1/entries/${p.id}`)
    expect(got.status).toBe(200)
    expect(got.json).toMatchObject({ text: 'Flohmarkt Sunday 11:00', edited: true })
    expect(got.text).not.toContain('10:00')
    const feed = (await call(box, '/api/v1/feed?limit=200')).json.entries
    expect(feed.find((e: any) => e.id === p.id)).toMatchObject({ text: 'Flohmarkt Sunday 11:00', edited: true })
    expect(feed.map((e: any) => e.text)).not.toContain('Flohmarkt Sunday 10:00')
    // a second edit wins; then the edited post can still be deleted
    expect((await put(p.id, { text: 'Flohmarkt cancelled' })).json.text).toBe('Flohmarkt cancelled')
    expect((await del(p.id)).status).toBe(200)
    expectError(await call(box, `/api/v1/entries/${p.id}`), 410, 'deleted')
  })

  it('a reply can be edited and keeps its replyTo; a profile can be neither edited nor deleted', async () => {
    const parent = await post('parent post')
    const reply = await post('first thought', { replyTo: parent.id })
    const r = await put(reply.id, { text: 'second thought' })
    expect(r.status, r.text).toBe(200)
    expect(r.json).toMatchObject({ type: 'reply', replyTo: parent.id, text: 'second thought', edited: true })
    const profile = await call(box, '/api/v1/profile', {
      method: 'POST',
      headers: sameOrigin(box, cookie),
      body: { name: 'Hof 3' }
    })
    expect(profile.status).toBe(201)
    expectError(await put(profile.json.id, { text: 'x' }), 400, 'not_editable')
    expectError(await del(profile.json.id), 400, 'not_deletable')
    // a delete entry is neither
    const gone = await post('to be deleted')
    const d = await del(gone.id)
    expectError(await del(d.json.id), 400, 'not_deletable')
    expectError(await put(d.json.id, { text: 'x' }), 400, 'not_editable')
  })

  it('refuses another author\'s entry (403 not_author), a bad id (400), an unknown one (404)', async () => {
    const other = signerFromSeed(new Uint8Array(32).fill(7))
    const theirs = createEntry(other, {
      seq: 1,
      previous: null,
      timestamp: Date.now(),
      body: { type: 'post', text: 'a neighbour\'s post' }
    })
    const store = box.daemon.feedStore!
    expect(await store.ingest(theirs.bytes, theirs.payload)).toMatchObject({ status: 'stored' })
    const id = entryId(theirs.hash)
    expect((await call(box, `/api/v1/entries/${id}`)).json.text).toBe('a neighbour\'s post')
    expectError(await del(id), 403, 'not_author')
    expectError(await put(id, { text: 'hijacked' }), 403, 'not_author')
    expect((await call(box, `/api/v1/entries/${id}`)).json).toMatchObject({ text: 'a neighbour\'s post' })
    expect((await call(box, `/api/v1/entries/${id}`)).json.edited).toBeUndefined()

    expectError(await del('not-an-id'), 400, 'invalid_id')
    expectError(await put('not-an-id', { text: 'x' }), 400, 'invalid_id')
    expectError(await del(UNKNOWN_ID), 404, 'entry_not_found')
    expectError(await put(UNKNOWN_ID, { text: 'x' }), 404, 'entry_not_found')
  })

  it('PUT refuses a bad body; both need a paired browser of this origin and JSON', async () => {
    const p = await post('guarded')
    expectError(await put(p.id, { text: '' }), 400, 'invalid_request')
    expectError(await put(p.id, { text: 'x', admin: true }), 400, 'invalid_request')
    expectError(await put(p.id, { text: 5 }), 400, 'invalid_request')
    expectError(await put(p.id, { text: 'x'.repeat(9000) }), 400, 'content_too_large')
    expectError(
      await put(p.id, undefined, { 'content-type': 'application/json', ...sameOrigin(box, cookie) }),
      400,
      'invalid_json'
    )
    expectError(await put(p.id, { text: 'no cookie' }, sameOrigin(box)), 401, 'unauthorized')
    expectError(await del(p.id, sameOrigin(box)), 401, 'unauthorized')
    expectError(await put(p.id, { text: 'csrf' }, { origin: 'http://evil.example', cookie }), 403, 'cross_origin')
    expectError(await del(p.id, { origin: 'http://evil.example', cookie }), 403, 'cross_origin')
    // no Content-Type: refused like every other write
    expectError(
      await call(box, `/api/v1/entries/${p.id}`, { method: 'DELETE', headers: sameOrigin(box, cookie) }),
      415,
      'unsupported_media_type'
    )
    expect((await call(box, `/api/v1/entries/${p.id}`)).json).toMatchObject({ text: 'guarded' })
    expect((await call(box, `/api/v1/entries/${p.id}`)).json.edited).toBeUndefined()
  })

  it('deletes and edits share the posting rate limit', async () => {
    const limited = await boxes.start({ http: { postRate: { capacity: 2, refillPerSec: 0.01 } } })
    const c = await pair(limited)
    const write = async (method: string, path: string, body?: unknown) =>
      await call(limited, path, {
        method,
        headers: { 'content-type': 'application/json', ...sameOrigin(limited, c) },
        ...(body !== undefined ? { body } : {})
      })
    const p = await write('POST', '/api/v1/posts', { text: 'one' })
    expect(p.status).toBe(201)
    expect((await write('PUT', `/api/v1/entries/${p.json.id}`, { text: 'two' })).status).toBe(200)
    const r = await write('DELETE', `/api/v1/entries/${p.json.id}`)
    expectError(r, 429, 'rate_limited')
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0)
  })
})
