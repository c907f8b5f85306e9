import { entryId, signerFromSeed } from '@kiez/feed'
import { authorId } from '@kiez/moderation'
import { Log } from '@kiez/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Boxes, call, pair, sameOrigin, type Box } from './helpers.ts'

// docs/HTTP-API.md, "Search": GET /api/v1/search on a real daemon
describe('GET /api/v1/search', () => {
  const boxes = new Boxes()
  let box: Box
  let cookie: string
  const carol = new Log(signerFromSeed(new Uint8Array(32).fill(3)), Date.now() - 60_000)
  const carolPost = carol.add({ type: 'post', text: 'Fahrradwerkstatt im Hof, Werkzeug da' })

  beforeAll(async () => {
    box = await boxes.start()
    cookie = await pair(box)
    const store = box.daemon.feedStore
    if (store === undefined) throw new Error('no store')
    for (const e of carol.entries) await store.ingest(e.bytes, e.payload)
  })
  afterAll(async () => {
    await boxes.close()
  })

  const post = async (body: Record<string, unknown>) => {
    const r = await call(box, '/api/v1/posts', { method: 'POST', headers: sameOrigin(box, cookie), body })
    expect(r.status, r.text).toBe(201)
    return r.json as { id: string }
  }
  const ids = async (qs: string): Promise<string[]> => {
    const r = await call(box, `/api/v1/search?${qs}`)
    expect(r.status, r.text).toBe(200)
    return r.json.entries.map((e: { id: string }) => e.id)
  }

  it('answers the feed\'s entry JSON, newest first, for words, kinds and prefixes', async () => {
    const offer = await post({ kind: 'offer', text: 'Werkzeugkiste zu verleihen', price: '5 €' })
    const ev = await post({
      kind: 'event',
      text: 'Reparaturcafé',
      starts: Date.now() + 86_400_000,
      place: 'Hofstraße 3'
    })
    const r = await call(box, '/api/v1/search?q=werkzeug')
    expect(r.status).toBe(200)
    expect(r.json.entries.map((e: { id: string }) => e.id)).toEqual([offer.id, entryId(carolPost.hash)])
    // the same fields as GET /api/v1/feed
    const feed = (await call(box, '/api/v1/feed')).json.entries as Array<{ id: string }>
    expect(r.json.entries[0]).toEqual(feed.find((e) => e.id === offer.id))
    expect(await ids('q=werkz&kind=offer')).toEqual([offer.id])
    expect(await ids('q=hofstrasse')).toEqual([ev.id])
    expect(await ids('q=reparaturcafe')).toEqual([ev.id])
    expect(await ids('q=werkzeug&limit=1')).toEqual([offer.id])
    expect(await ids('q=zebra')).toEqual([])
  })

  it('leaves out blocked authors, as the feed does', async () => {
    const mod = box.daemon.moderation()
    if (mod === undefined) throw new Error('no moderation')
    expect(await ids('q=fahrradwerkstatt')).toEqual([entryId(carolPost.hash)])
    await mod.block({ author: authorId(carol.signer.publicKey), reason: 'genug' })
    expect(await ids('q=fahrradwerkstatt')).toEqual([])
    await mod.unblock(authorId(carol.signer.publicKey))
  })

  it('refuses a bad query with a typed code', async () => {
    for (
      const [qs, code] of [
        ['', 'invalid_request'],
        ['q=', 'invalid_request'],
        [`q=${'a'.repeat(201)}`, 'invalid_request'],
        ['q=x&limit=0', 'invalid_request'],
        ['q=x&limit=101', 'invalid_request'],
        ['q=x&kind=Bad!', 'invalid_request'],
        ['q=x&extra=1', 'invalid_request'],
        ['q=%3F!', 'bad_query']
      ] as const
    ) {
      const r = await call(box, `/api/v1/search?${qs}`)
      expect(r.status, qs).toBe(400)
      expect(r.json.error.code, qs).toBe(code)
    }
  })
})
