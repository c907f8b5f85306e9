import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signerFromSeed, type Signer } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import { eventually } from '@kiez/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { Search, SearchError, type SearchInit } from './index.js'

const anna = signerFromSeed(new Uint8Array(32).fill(1))
const ben = signerFromSeed(new Uint8Array(32).fill(2))
const NAMES = new Map([[Buffer.from(anna.publicKey).toString('hex'), 'Anna Groß']])

const dirs: string[] = []
const open: Array<{ close: () => Promise<void> }> = []
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kiez-search-'))
  dirs.push(d)
  return d
}
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function box (dir = tmp()): Promise<{ store: FeedStore, search: Search, dir: string }> {
  const store = await FeedStore.open({ path: join(dir, 'feed') })
  open.push(store)
  const search = await openSearch(store, dir)
  return { store, search, dir }
}

async function openSearch (store: FeedStore, dir: string, extra: Partial<SearchInit> = {}): Promise<Search> {
  const search = await Search.open({
    path: join(dir, 'search'),
    source: store,
    nameOf: async (a) => NAMES.get(Buffer.from(a).toString('hex')),
    ...extra
  })
  open.push(search)
  return search
}

const texts = async (search: Search, text: string, kind?: string): Promise<string[]> => {
  const hits = await search.query(kind === undefined ? { text } : { text, kind })
  return hits.map((e) => {
    const b = e.body
    if (e.editedText !== undefined) return e.editedText
    if (b !== undefined && 'text' in b) return b.type === 'event' ? b.title : b.text
    if (b?.type === 'poll') return b.question
    return '?'
  })
}

async function post (store: FeedStore, search: Search, who: Signer, text: string): Promise<Uint8Array> {
  const e = await store.append(who, { type: 'post', text })
  await search.settled()
  return e.hash
}

describe('search', () => {
  it('finds words in text, folds German spelling, prefix-matches the last word; newest first', async () => {
    const { store, search } = await box()
    await post(store, search, ben, 'Wer leiht mir eine Bohrmaschine?')
    await post(store, search, ben, 'Straßenfest in der Lindenstraße am Samstag')
    await post(store, search, ben, 'Die Bohrmaschine ist zurück, danke!')
    expect(await texts(search, 'bohrmaschine')).toEqual([
      'Die Bohrmaschine ist zurück, danke!',
      'Wer leiht mir eine Bohrmaschine?'
    ])
    expect(await texts(search, 'lindenstrasse')).toEqual(['Straßenfest in der Lindenstraße am Samstag'])
    expect(await texts(search, 'STRASSENF')).toEqual(['Straßenfest in der Lindenstraße am Samstag'])
    expect(await texts(search, 'zuruck bohr')).toEqual(['Die Bohrmaschine ist zurück, danke!'])
    expect(await texts(search, 'zurueck')).toEqual(['Die Bohrmaschine ist zurück, danke!'])
    // every word must be there; only the last is a prefix
    expect(await texts(search, 'bohr danke')).toEqual([])
    expect(await texts(search, 'bohr')).toHaveLength(2)
    expect(await texts(search, 'samstag fahrrad')).toEqual([])
  })

  it('finds by author name and by kind, and filters by kind', async () => {
    const { store, search } = await box()
    await store.append(anna, { type: 'offer', text: 'Sofa zu verschenken', price: null })
    await store.append(ben, { type: 'request', text: 'Suche Sofa' })
    await store.append(anna, {
      type: 'event',
      title: 'Hoffest',
      starts: Date.now() + 86_400_000,
      ends: null,
      place: 'Hinterhof',
      text: ''
    })
    await store.append(anna, {
      type: 'poll',
      question: 'Grill oder Buffet?',
      options: ['Grill', 'Buffet'],
      multiple: false,
      closesAt: Date.now() + 86_400_000
    })
    await search.settled()
    expect(await texts(search, 'sofa')).toEqual(['Suche Sofa', 'Sofa zu verschenken'])
    expect(await texts(search, 'sofa', 'offer')).toEqual(['Sofa zu verschenken'])
    expect(await texts(search, 'groß sofa')).toEqual(['Sofa zu verschenken'])
    expect(await texts(search, 'anna')).toEqual(['Grill oder Buffet?', 'Hoffest', 'Sofa zu verschenken'])
    expect(await texts(search, 'hinterhof')).toEqual(['Hoffest'])
    expect(await texts(search, 'buffet')).toEqual(['Grill oder Buffet?'])
    expect(await texts(search, 'request')).toEqual(['Suche Sofa'])
    expect(await texts(search, '', 'event')).toEqual(['Hoffest'])
    const accept = await search.query({ text: 'sofa' }, (e) => e.kind !== 'request')
    expect(accept.map((e) => e.kind)).toEqual(['offer'])
  })

  it('validates the query', async () => {
    const { search } = await box()
    await expect(search.query({ text: '  ?! ' })).rejects.toThrow(SearchError)
    await expect(search.query({ text: 'x'.repeat(201) })).rejects.toMatchObject({ code: 'bad_query' })
  })

  it('forgets a deleted text, finds an edit by its new words only, and keeps no text on disk', async () => {
    const { store, search, dir } = await box()
    const gone = await post(store, search, anna, 'Quittengelee gegen Zwetschgenmus')
    const edited = await post(store, search, anna, 'Suche Leiter')
    await store.append(anna, { type: 'delete', target: gone })
    await store.append(anna, { type: 'edit', target: edited, text: 'Suche Schubkarre' })
    await search.settled()
    expect(await texts(search, 'quittengelee')).toEqual([])
    expect(await texts(search, 'leiter')).toEqual([])
    expect(await texts(search, 'schubkarre')).toEqual(['Suche Schubkarre'])
    await search.close()
    // the index keeps term hashes and entry ids: no word of any text is in its files
    const raw = readdirSync(join(dir, 'search')).map((f) => readFileSync(join(dir, 'search', f)).toString('latin1'))
    for (const word of ['Quittengelee', 'quittengelee', 'Schubkarre', 'schubkarre', 'Anna']) {
      expect(raw.some((r) => r.includes(word))).toBe(false)
    }
  })

  it('mends the index when a payload was evicted or an author forgotten (the store tells of neither)', async () => {
    const { store, search } = await box()
    const evicted = await post(store, search, ben, 'Kellerabteil zu vermieten')
    const forgotten = await post(store, search, anna, 'Kellerfenster klemmt')
    await post(store, search, anna, 'Keller feucht')
    expect(await search.indexed(evicted)).toBe(true)
    await store.evictPayloads([evicted])
    expect(await texts(search, 'kellerabteil')).toEqual([])
    await store.forgetAuthor(anna.publicKey)
    expect(await texts(search, 'keller')).toEqual([])
    await search.settled()
    // the stale postings were dropped on the way
    expect(await search.indexed(evicted)).toBe(false)
    expect(await search.indexed(forgotten)).toBe(false)
  })

  it('builds a missing index from the store at open, and catches up entries stored while it was closed', async () => {
    const dir = tmp()
    const store = await FeedStore.open({ path: join(dir, 'feed') })
    open.push(store)
    for (let i = 0; i < 600; i++) await store.append(ben, { type: 'post', text: `Eintrag ${i} über Fahrräder` })
    const logs: string[] = []
    const logger = { info: (_o: object, m: string) => logs.push(m), warn: (_o: object, m: string) => logs.push(m) }
    let search = await openSearch(store, dir, { logger })
    await eventually(() => search.current, { what: 'the index to catch up', timeoutMs: 20_000 })
    expect(logs).toContain('search: the index is current')
    expect((await search.query({ text: 'eintrag 599' })).length).toBe(1)
    expect((await search.query({ text: 'fahrrader', limit: 100 })).length).toBe(100)
    await search.close()
    // stored while the index was closed: the open sees the store is ahead and walks it
    await store.append(ben, { type: 'post', text: 'Nachzügler Kürbissuppe' })
    search = await openSearch(store, dir, { logger })
    await eventually(() => search.current, { what: 'the index to catch up', timeoutMs: 20_000 })
    expect(await texts(search, 'kurbissuppe')).toEqual(['Nachzügler Kürbissuppe'])
  })

  it('bounds its queue: past maxQueue it walks the store instead, and misses nothing', async () => {
    const { store, search } = await (async () => {
      const dir = tmp()
      const store = await FeedStore.open({ path: join(dir, 'feed') })
      open.push(store)
      return { store, search: await openSearch(store, dir, { limits: { maxQueue: 5, batch: 2 } }) }
    })()
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => await store.append(ben, { type: 'post', text: `Welle ${i}` }))
    )
    await eventually(() => search.current, { what: 'the index to catch up', timeoutMs: 20_000 })
    expect((await search.query({ text: 'welle', limit: 100 })).length).toBe(60)
  })

  it('waits while the store takes in a burst (a catch-up, a flood), then indexes all of it', async () => {
    const dir = tmp()
    const store = await FeedStore.open({ path: join(dir, 'feed') })
    open.push(store)
    const search = await openSearch(store, dir, { limits: { busyPerSecond: 5, batch: 4 } })
    // one burst, as a sync range lands (appends one after another could be slower than busyPerSecond on a loaded machine)
    const hashes = (await Promise.all(
      Array.from({ length: 100 }, async (_, i) => await store.append(ben, { type: 'post', text: `Schwall ${i}` }))
    )).map((e) => e.hash)
    expect(search.busy()).toBe(true)
    // at most the first batches, taken before the store counted as busy, are indexed during the burst
    const during = (await Promise.all(hashes.map(async (h) => await search.indexed(h)))).filter(Boolean).length
    expect(during).toBeLessThan(40)
    await eventually(() => search.current && !search.busy(), { what: 'the index to catch up', timeoutMs: 20_000 })
    expect((await search.query({ text: 'schwall', limit: 100 })).length).toBe(100)
  })

  it('keeps at most maxDocs entries, the newest, dropping the oldest as new ones come', async () => {
    const dir = tmp()
    const store = await FeedStore.open({ path: join(dir, 'feed') })
    open.push(store)
    const search = await openSearch(store, dir, { limits: { maxDocs: 10, batch: 4 } })
    const all = []
    for (let i = 0; i < 30; i++) all.push(await store.append(ben, { type: 'post', text: `Laterne ${i}` }))
    await eventually(() => search.current, { what: 'the index to catch up', timeoutMs: 20_000 })
    expect(search.docs).toBe(10)
    const kept = await search.query({ text: 'laterne', limit: 100 })
    expect(kept).toHaveLength(10)
    // the newest ten: nothing dropped is newer than anything kept (posts of the same millisecond tie)
    const keptIds = new Set(kept.map((e) => Buffer.from(e.hash).toString('hex')))
    const dropped = all.filter((e) => !keptIds.has(Buffer.from(e.hash).toString('hex')))
    expect(dropped).toHaveLength(20)
    const oldestKept = Math.min(...kept.map((e) => e.timestamp))
    for (const d of dropped) expect(d.timestamp).toBeLessThanOrEqual(oldestKept)
    // a smaller bound later drops more of the oldest
    search.setMaxDocs(4)
    await eventually(() => search.docs === 4, { what: 'the index to shrink', timeoutMs: 20_000 })
    expect((await search.query({ text: 'laterne', limit: 100 })).length).toBe(4)
  })
})
