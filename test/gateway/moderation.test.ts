import { createEntry, entryId, signerFromSeed, type Entry } from '@kiez/feed'
import { authorId } from '@kiez/moderation'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, Log } from '@kiez/testing'
import { Boxes, call, openSse, pair, sameOrigin, type Box } from './helpers.ts'

async function ingest (box: Box, ...entries: Entry[]): Promise<void> {
  for (const e of entries) await storeOf(box).ingest(e.bytes, e.payload)
}

const mod = (box: Box) => {
  const m = box.daemon.moderation()
  if (m === undefined) throw new Error('no moderation')
  return m
}

describe('moderation on the HTTP API', () => {
  const boxes = new Boxes()
  let box: Box
  let cookie: string
  // foreign authors' logs start a minute ago: the box's store runs on the real clock
  const ago = Date.now() - 60_000
  const bob = new Log(signerFromSeed(new Uint8Array(32).fill(2)), ago)
  const carol = new Log(signerFromSeed(new Uint8Array(32).fill(3)), ago)
  const lister = new Log(signerFromSeed(new Uint8Array(32).fill(9)), ago)
  const listerProfile = lister.add({ type: 'profile', name: 'Hofrat' })
  const bobPost = bob.add({ type: 'post', text: 'kauft bei mir' })
  const carolPost = carol.add({ type: 'post', text: 'Hofstraße 7, 2. OG' })
  const carolOther = carol.add({ type: 'post', text: 'Flohmarkt am Sonntag' })
  const blockBob = lister.add({ type: 'mod-block', author: bob.signer.publicKey, reason: 'Werbung' })
  const hide = lister.add({ type: 'mod-hide', target: carolPost.hash, reason: 'Adresse im Text' })

  beforeAll(async () => {
    box = await boxes.start()
    cookie = await pair(box)
    await ingest(box, ...bob.entries, ...carol.entries, ...lister.entries)
  })
  afterAll(async () => {
    await boxes.close()
  })

  const feedIds = async (): Promise<string[]> =>
    (await call(box, '/api/v1/feed')).json.entries.map((e: { id: string }) => e.id)

  it('shows everything until the owner follows a list; then blocked authors are left out and hides marked', async () => {
    expect(await feedIds()).toContain(entryId(bobPost.hash))
    expect((await call(box, '/api/v1/feed')).json.entries.some((e: any) => e.hidden !== undefined)).toBe(false)

    await mod(box).follow(authorId(lister.signer.publicKey))
    const feed = (await call(box, '/api/v1/feed')).json.entries
    expect(feed.map((e: any) => e.id)).not.toContain(entryId(bobPost.hash))
    const hidden = feed.find((e: any) => e.id === entryId(carolPost.hash))
    // the entry is there, text and all ("show anyway"), with who hides it and why
    expect(hidden).toMatchObject({
      text: 'Hofstraße 7, 2. OG',
      hidden: {
        by: authorId(lister.signer.publicKey),
        byName: 'Hofrat',
        entry: entryId(hide.hash),
        reason: 'Adresse im Text'
      }
    })
    expect(feed.find((e: any) => e.id === entryId(carolOther.hash))?.hidden).toBeUndefined()
    expect(entryId(listerProfile.hash)).toMatch(/^bafyrei/)

    // raw=1 pages carry the mark too
    const raw = (await call(box, '/api/v1/feed?raw=1')).json.entries
    expect(raw.find((e: any) => e.id === entryId(carolPost.hash))?.hidden?.reason).toBe('Adresse im Text')

    // one entry: a blocked author's is 410 author_blocked and says by which list; a hidden one is marked
    const gone = await call(box, `/api/v1/entries/${entryId(bobPost.hash)}`)
    expect(gone.status).toBe(410)
    expect(gone.json.error.code).toBe('author_blocked')
    expect(gone.json.error.message).toContain(authorId(lister.signer.publicKey))
    expect(gone.json.error.message).toContain('Werbung')
    const one = await call(box, `/api/v1/entries/${entryId(carolPost.hash)}`)
    expect(one.status).toBe(200)
    expect(one.json.hidden).toMatchObject({ reason: 'Adresse im Text' })
    expect(entryId(blockBob.hash)).toMatch(/^bafyrei/)
  })

  it('leaves out the authors the owner blocks, and an author\'s new entries too', async () => {
    await mod(box).block({ author: authorId(carol.signer.publicKey), reason: 'genug' })
    expect(await feedIds()).not.toContain(entryId(carolOther.hash))
    const gone = await call(box, `/api/v1/entries/${entryId(carolOther.hash)}`)
    expect(gone.status).toBe(410)
    expect(gone.json.error.message).toContain('owner blocked')
    const later = carol.add({ type: 'post', text: 'noch ein Beitrag' })
    await ingest(box, later)
    expect(await feedIds()).not.toContain(entryId(later.hash))
    await mod(box).unblock(authorId(carol.signer.publicKey))
  })

  it('takes reports from a paired page and lists them, newest first, paged', async () => {
    const post = async (body: unknown, paired = true) =>
      await call(box, '/api/v1/reports', {
        method: 'POST',
        headers: sameOrigin(box, paired ? cookie : undefined),
        body
      })
    expect((await post({ entry: entryId(carolOther.hash), reason: 'x' }, false)).status).toBe(401)
    expect((await post({ entry: 'bafynope', reason: 'x' })).json.error.code).toBe('invalid_id')
    expect((await post({ entry: entryId(carolOther.hash), reason: '€'.repeat(94) })).json.error.code).toBe(
      'invalid_reason'
    )
    const unknown = createEntry(signerFromSeed(new Uint8Array(32).fill(5)), {
      seq: 1,
      previous: null,
      timestamp: Date.now(),
      body: { type: 'post', text: 'never sent' }
    })
    expect((await post({ entry: entryId(unknown.hash), reason: 'x' })).status).toBe(404)

    const r1 = await post({ entry: entryId(carolOther.hash), reason: 'doppelt gepostet' })
    expect(r1.status, r1.text).toBe(201)
    expect(r1.json).toMatchObject({
      type: 'report',
      author: box.daemon.peerId,
      target: entryId(carolOther.hash),
      reason: 'doppelt gepostet'
    })
    const r2 = await post({ entry: entryId(carolPost.hash), reason: '' })
    expect(r2.status).toBe(201)
    // a report is not a post: the feed does not show it
    expect(await feedIds()).not.toContain(r1.json.id)

    const all = (await call(box, '/api/v1/reports')).json
    expect(all.reports.map((r: any) => r.id)).toEqual([r2.json.id, r1.json.id])
    expect(all.next).toBeUndefined()
    const first = (await call(box, '/api/v1/reports?limit=1')).json
    expect(first.reports.map((r: any) => r.id)).toEqual([r2.json.id])
    const pages: string[] = first.reports.map((r: any) => r.id)
    let next = first.next as string | undefined
    while (next !== undefined) {
      const page = (await call(box, `/api/v1/reports?limit=1&before=${encodeURIComponent(next)}`)).json
      pages.push(...page.reports.map((r: any) => r.id))
      next = page.next
    }
    expect(pages).toEqual([r2.json.id, r1.json.id])
    expect((await call(box, '/api/v1/reports?before=bogus')).json.error.code).toBe('bad_cursor')
  })

  it('leaves blocked authors out of the event stream and marks what a followed list hides', async () => {
    const sse = openSse(box)
    await sse.opened
    const hiddenLater = carol.add({ type: 'post', text: 'meine Telefonnummer: …' })
    const hideLater = lister.add({ type: 'mod-hide', target: hiddenLater.hash, reason: 'Telefonnummer' })
    await ingest(box, hideLater, hiddenLater) // the hide may come before the entry it names
    const fromBob = bob.add({ type: 'post', text: 'noch mehr Werbung' })
    const sentinel = carol.add({ type: 'post', text: 'danke!' })
    await ingest(box, fromBob, sentinel)
    await eventually(() => sse.entries().find((e) => e.id === entryId(sentinel.hash)), {
      what: 'the sentinel event',
      timeoutMs: 10_000,
      intervalMs: 25
    })
    const ids = sse.entries().map((e) => e.id)
    expect(ids).not.toContain(entryId(fromBob.hash))
    expect(sse.entries().find((e) => e.id === entryId(hiddenLater.hash))).toMatchObject({
      hidden: { by: authorId(lister.signer.publicKey), entry: entryId(hideLater.hash), reason: 'Telefonnummer' }
    })
  })

  it('sends coalesced moderation events for a burst of changes (a block, a list\'s new hides), so pages reload the feed', async () => {
    const sse = openSse(box)
    await sse.opened
    const moderationEvents = (): number => sse.events.filter((e) => e.event === 'moderation').length
    const dave = new Log(signerFromSeed(new Uint8Array(32).fill(4)), Date.now() - 60_000)
    await mod(box).block({ author: authorId(dave.signer.publicKey), reason: 'spam' })
    const targets = [1, 2, 3].map((i) => carol.add({ type: 'post', text: `burst ${i}` }))
    await ingest(box, ...targets)
    await ingest(box, ...targets.map((t) => lister.add({ type: 'mod-hide', target: t.hash, reason: 'burst' })))
    await eventually(() => moderationEvents() >= 1 ? true : undefined, {
      what: 'a moderation event',
      timeoutMs: 10_000,
      intervalMs: 25
    })
    await new Promise((resolve) => setTimeout(resolve, 1200))
    // the block and three hides, coalesced (one event here; two if the ingest straddles the 500 ms window)
    const afterBurst = moderationEvents()
    expect(afterBurst).toBeLessThan(4)
    await mod(box).unblock(authorId(dave.signer.publicKey))
    await eventually(() => moderationEvents() > afterBurst ? true : undefined, {
      what: 'a moderation event for the unblock',
      timeoutMs: 10_000,
      intervalMs: 25
    })
  })
})

describe('a moderation list across bootstrapped daemons', () => {
  const boxes = new Boxes()
  afterAll(async () => {
    await boxes.close()
  })

  it('hides an entry on the box that follows the list, not on one that does not', async () => {
    const moderator = await boxes.start()
    const addr = (await moderator.daemon.status()).listenAddrs[0] as string
    const follower = await boxes.start({ bootstrap: [addr] })
    const bystander = await boxes.start({ bootstrap: [addr] })
    await mod(follower).follow(moderator.daemon.peerId as string)

    const post = await bystander.daemon.post({ text: 'Hofstraße 7, bei Müller' })
    await eventually(async () => (await call(moderator, `/api/v1/entries/${post.id}`)).status === 200, {
      what: 'the post to reach the moderator',
      timeoutMs: 30_000,
      intervalMs: 100
    })
    const hide = await mod(moderator).publish({ type: 'hide', target: post.id, reason: 'private Adresse' })
    const hiddenOn = async (box: Box): Promise<any> => (await call(box, `/api/v1/entries/${post.id}`)).json?.hidden
    const mark = await eventually(async () => await hiddenOn(follower), {
      what: 'the follower to hide the post',
      timeoutMs: 30_000,
      intervalMs: 100
    })
    expect(mark).toMatchObject({ by: moderator.daemon.peerId, entry: hide.id, reason: 'private Adresse' })
    // the bystander holds the list's entry too, and enforces nothing
    await eventually(async () => (await storeOf(bystander).get(hide.id)) !== undefined ? true : undefined, {
      what: 'the hide to reach the bystander',
      timeoutMs: 30_000,
      intervalMs: 100
    })
    expect(await hiddenOn(bystander)).toBeUndefined()
    expect(await hiddenOn(moderator)).toBeUndefined() // publishing a list does not follow it
  })
})

function storeOf (b: Box): NonNullable<Box['daemon']['feedStore']> {
  const s = b.daemon.feedStore
  if (s === undefined) throw new Error('no store')
  return s
}
