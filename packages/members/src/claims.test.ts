import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed, type KnownBody, type Signer } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ClaimsIndex, householdBody, memberProfileBody, VOUCH_COUNTS_FOR_MS } from './index.js'

// The claims index on a real FeedStore: entries signed and appended as a box would, read back by the index.

const NOW = 1_800_000_000_000
const HOUR = 60 * 60 * 1000

function signer (byte: number): Signer {
  return signerFromSeed(new Uint8Array(32).fill(byte))
}

const hof3 = signer(3)
const hof5 = signer(5)
const hof7 = signer(7)
const anna = signer(0xa1)
const ben = signer(0xb1)

interface World {
  store: FeedStore
  clock: { now: number }
  put(s: Signer, body: KnownBody): Promise<Uint8Array>
  index(init?: ConstructorParameters<typeof ClaimsIndex>[1]): Promise<ClaimsIndex>
}

async function world (): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'kiez-claims-'))
  const clock = { now: NOW }
  const store = await FeedStore.open({ path: dir, now: () => clock.now })
  onTestFinished(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    store,
    clock,
    put: async (s, body) => (await store.append(s, body)).hash,
    index: async (init) => {
      const idx = new ClaimsIndex(store, { now: () => clock.now, ...init })
      idx.start()
      onTestFinished(() => idx.stop())
      await idx.ready()
      return idx
    }
  }
}

const vouch = (box: Signer, seenAt: number): KnownBody => ({ type: 'vouch', box: box.publicKey, seenAt })
const profile = (name: string, box: Signer | null): KnownBody =>
  memberProfileBody({ name }, {
    household: box?.publicKey ?? null
  })

describe('ClaimsIndex: households and members', () => {
  it('shows a member whose profile names the box that lists them as a mutual claim', async () => {
    const w = await world()
    await w.put(hof3, householdBody('Hof 3', [{ author: anna.publicKey }, { author: ben.publicKey }]))
    await w.put(anna, profile('Anna', hof3))
    const idx = await w.index()
    const c = idx.claimOf(anna.publicKey)
    expect(c.kind).toBe('member')
    expect(c.name).toBe('Anna')
    if (c.kind !== 'member') return
    expect(Buffer.from(c.household.box)).toEqual(Buffer.from(hof3.publicKey))
    expect(c.household.name).toBe('Hof 3')
    expect(c.household.oneSided).toBe(false)
    // Ben has no profile yet: the household's word alone, one-sided
    const b = idx.claimOf(ben.publicKey)
    expect(b.kind === 'member' && b.household.oneSided).toBe(true)
    expect(b.name).toBeUndefined()
  })

  it('marks a claim one-sided when the member names another box, and shows no claim the household does not make', async () => {
    const w = await world()
    await w.put(hof3, householdBody('Hof 3', [{ author: anna.publicKey }]))
    await w.put(hof5, householdBody('Hof 5', []))
    await w.put(anna, profile('Anna', hof5))
    const idx = await w.index()
    const c = idx.claimOf(anna.publicKey)
    expect(c.kind).toBe('member')
    if (c.kind !== 'member') return
    expect(c.household.name).toBe('Hof 3')
    expect(c.household.oneSided).toBe(true)
    // Ben's profile names Hof 3, which does not list him: unclaimed
    await w.put(ben, profile('Ben', hof3))
    expect(idx.claimOf(ben.publicKey)).toEqual({ kind: 'unclaimed', name: 'Ben' })
  })

  it('calls an author with nothing unclaimed, and a box its own household (by the household name, or its profile name)', async () => {
    const w = await world()
    await w.put(hof3, householdBody('Hof 3', []))
    await w.put(hof3, { type: 'profile', name: 'Box drei' })
    await w.put(hof5, { type: 'profile', name: 'Hof 5' })
    await w.put(hof7, { type: 'post', text: 'hallo' })
    const idx = await w.index()
    const three = idx.claimOf(hof3.publicKey)
    expect(three.kind).toBe('box')
    expect(three.kind === 'box' && three.household.name).toBe('Hof 3')
    expect(three.name).toBe('Box drei')
    const five = idx.claimOf(hof5.publicKey)
    expect(five.kind === 'box' && five.household.name).toBe('Hof 5')
    expect(idx.claimOf(hof7.publicKey)).toEqual({ kind: 'unclaimed' })
  })

  it('shows a member removed from the household as unclaimed once the new household without them arrives', async () => {
    const w = await world()
    await w.put(hof3, householdBody('Hof 3', [{ author: anna.publicKey }, { author: ben.publicKey }]))
    await w.put(anna, profile('Anna', hof3))
    await w.put(ben, profile('Ben', hof3))
    const idx = await w.index()
    expect(idx.claimOf(ben.publicKey).kind).toBe('member')
    // followed live from onEntry
    await w.put(hof3, householdBody('Hof 3', [{ author: anna.publicKey }]))
    expect(idx.claimOf(ben.publicKey)).toEqual({ kind: 'unclaimed', name: 'Ben' })
    expect(idx.claimOf(anna.publicKey).kind).toBe('member')
    // and read back the same way from the store at start
    const again = await w.index()
    expect(again.claimOf(ben.publicKey)).toEqual({ kind: 'unclaimed', name: 'Ben' })
  })

  it('takes the newest household and profile by seq, and a delete of a household changes nothing', async () => {
    const w = await world()
    const first = await w.put(hof3, householdBody('Hof 3', [{ author: anna.publicKey }]))
    await w.put(hof3, householdBody('Hof 3a', [{ author: anna.publicKey }]))
    await w.put(anna, profile('Anna', hof3))
    await w.put(anna, profile('Anna B.', hof3))
    const idx = await w.index()
    const c = idx.claimOf(anna.publicKey)
    expect(c.name).toBe('Anna B.')
    expect(c.kind === 'member' && c.household.name).toBe('Hof 3a')
    // this store refuses to author it; a box elsewhere may sign one all the same
    const head = w.store.head(hof3.publicKey)!
    const del = createEntry(hof3, {
      seq: head.seq + 1,
      previous: head.hash,
      timestamp: NOW,
      body: { type: 'delete', target: first }
    })
    expect((await w.store.ingest(del.bytes, del.payload)).status).toBe('stored')
    expect(idx.claimOf(anna.publicKey).kind).toBe('member')
    expect((await w.index()).claimOf(anna.publicKey).kind).toBe('member')
  })

  it('ignores households and vouches of a member key (a key whose profile names a box that lists it)', async () => {
    const w = await world()
    await w.put(hof3, householdBody('Hof 3', [{ author: anna.publicKey }]))
    await w.put(anna, profile('Anna', hof3))
    // Anna's key pretends to be a box: lists Ben, vouches for Hof 5
    await w.put(anna, householdBody('Annas Box', [{ author: ben.publicKey }]))
    await w.put(anna, vouch(hof5, NOW))
    await w.put(hof7, vouch(hof5, NOW))
    const idx = await w.index()
    expect(idx.isMemberKey(anna.publicKey)).toBe(true)
    expect(idx.claimOf(ben.publicKey)).toEqual({ kind: 'unclaimed' })
    expect(idx.claimOf(anna.publicKey).kind).toBe('member')
    expect(idx.seenBy(hof5.publicKey)).toBe(1)
  })

  it('does not let a box silence a neighbouring box by listing its key alone', async () => {
    const w = await world()
    await w.put(hof5, householdBody('Hof 5', []))
    await w.put(hof3, householdBody('Hof 3', [{ author: hof5.publicKey }]))
    await w.put(hof5, vouch(hof7, NOW))
    const idx = await w.index()
    expect(idx.isMemberKey(hof5.publicKey)).toBe(false)
    const c = idx.claimOf(hof5.publicKey)
    expect(c.kind === 'box' && c.household.name).toBe('Hof 5')
    expect(idx.seenBy(hof7.publicKey)).toBe(1)
  })
})

describe('ClaimsIndex: vouches', () => {
  it('counts distinct other boxes by their newest vouch, within 48 hours and not after the entry', async () => {
    const w = await world()
    await w.put(hof3, householdBody('Hof 3', []))
    await w.put(hof5, vouch(hof3, NOW - HOUR))
    await w.put(hof5, vouch(hof3, NOW)) // the same box twice: one
    await w.put(hof7, vouch(hof3, NOW + HOUR)) // seenAt after its own timestamp: not counted
    await w.put(hof3, vouch(hof3, NOW)) // itself: ignored
    const idx = await w.index()
    expect(idx.seenBy(hof3.publicKey)).toBe(1)
    const c = idx.claimOf(hof3.publicKey)
    expect(c.kind === 'box' && c.household.seenBy).toBe(1)
    // Hof 7 vouches again with an honest seenAt: its newest counts
    await w.put(hof7, vouch(hof3, NOW))
    expect(idx.seenBy(hof3.publicKey)).toBe(2)
    // 48 hours on both lapse; one second before they still count
    w.clock.now = NOW + VOUCH_COUNTS_FOR_MS
    expect(idx.seenBy(hof3.publicKey)).toBe(2)
    w.clock.now = NOW + VOUCH_COUNTS_FOR_MS + 1
    expect(idx.seenBy(hof3.publicKey)).toBe(0)
  })

  it('counts only the newest vouch: an older fresher-looking one does not stand in for a stale newest one', async () => {
    const w = await world()
    await w.put(hof5, vouch(hof3, NOW))
    w.clock.now = NOW + 1000
    await w.put(hof5, vouch(hof3, NOW - 3 * 24 * HOUR))
    const idx = await w.index()
    expect(idx.seenBy(hof3.publicKey)).toBe(0)
  })

  it('withdraws a vouch its author deletes, falling back to an older one still held', async () => {
    const w = await world()
    const idx = await w.index()
    const old = await w.put(hof5, vouch(hof3, NOW - HOUR))
    const newest = await w.put(hof5, vouch(hof3, NOW))
    await w.put(hof7, vouch(hof3, NOW))
    expect(idx.seenBy(hof3.publicKey)).toBe(2)
    await w.put(hof7, { type: 'delete', target: (await w.store.range(hof7.publicKey, 1, 1))[0]!.hash })
    expect(idx.seenBy(hof3.publicKey)).toBe(1)
    await w.put(hof5, { type: 'delete', target: newest })
    // Hof 5's older vouch comes back from its log
    await expect.poll(() => idx.vouchOf(hof5.publicKey, hof3.publicKey)?.seenAt).toBe(NOW - HOUR)
    expect(idx.seenBy(hof3.publicKey)).toBe(1)
    await w.put(hof5, { type: 'delete', target: old })
    await expect.poll(() => idx.seenBy(hof3.publicKey)).toBe(0)
    // read from the store at start: the deleted ones are gone there too
    const again = await w.index()
    expect(again.seenBy(hof3.publicKey)).toBe(0)
  })
})

describe('ClaimsIndex: bounds', () => {
  it('remembers at most maxAuthors authors, forgetting the oldest noted', async () => {
    const w = await world()
    const boxes = [1, 2, 3, 4, 5].map((b) => signer(0x40 + b))
    for (const [i, b] of boxes.entries()) await w.put(b, householdBody(`Hof ${i}`, []))
    const idx = await w.index({ maxAuthors: 3 })
    expect(idx.size).toBe(3)
    const known = boxes.filter((b) => idx.claimOf(b.publicKey).kind === 'box')
    expect(known).toHaveLength(3)
  })

  it('keeps at most maxVouchesPerAuthor boxes per voucher, the freshest sightings', async () => {
    const w = await world()
    const idx = await w.index({ maxVouchesPerAuthor: 2 })
    await w.put(hof5, vouch(hof3, NOW - 2 * HOUR))
    await w.put(hof5, vouch(hof7, NOW - HOUR))
    await w.put(hof5, vouch(anna, NOW))
    expect(idx.seenBy(hof3.publicKey)).toBe(0)
    expect(idx.seenBy(hof7.publicKey)).toBe(1)
    expect(idx.seenBy(anna.publicKey)).toBe(1)
  })
})
