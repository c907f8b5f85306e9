import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, type Entry, type Signer } from '@kiez/feed'
import { FeedStore, OwnFeedGuard, StoreError } from '@kiez/store'
import { describe, expect, it, onTestFinished } from 'vitest'
import { MemberFeedGuard, memberArmReason, memberRecordName, MemberStore, type Member } from './index.js'

// The per-member self-fork guard against a real FeedStore (and a real MemberStore beside it).

const NOW = 1_800_000_000_000

function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'kiez-member-guard-'))
  onTestFinished(() => rmSync(d, { recursive: true, force: true }))
  return d
}

async function openFeed (path: string): Promise<FeedStore> {
  const store = await FeedStore.open({ path, now: () => NOW })
  onTestFinished(async () => await store.close())
  return store
}

function chain (s: Signer, n: number): Entry[] {
  const out: Entry[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      createEntry(s, {
        seq: i + 1,
        previous: out[i - 1]?.hash ?? null,
        timestamp: NOW - 1000 + i,
        body: { type: 'post', text: `${i}` }
      })
    )
  }
  return out
}

async function refused (store: FeedStore, s: Signer): Promise<string | undefined> {
  try {
    await store.append(s, { type: 'post', text: 'hi' })
    return undefined
  } catch (err) {
    return err instanceof StoreError ? err.code : String(err)
  }
}

/** Anna's key made on one box (with a feed of `posts` entries), imported on a fresh one. */
async function moved (posts: number) {
  const dataDir = tempDir()
  const home = await MemberStore.open({ dataDir: tempDir() })
  const original = await home.add('Anna')
  const feed = chain(await home.signer('Anna'), posts)
  const members = await MemberStore.open({ dataDir })
  const anna = await members.import('Anna', await home.exportPhrase('Anna'))
  expect(anna.author).toEqual(original.author)
  return { dataDir, members, anna, signer: await members.signer('Anna'), feed }
}

describe('memberArmReason', () => {
  it('holds an imported member, and a member older than a new feed store', () => {
    expect(memberArmReason({ origin: 'imported', storeCreated: false })).toBe('imported')
    expect(memberArmReason({ origin: 'imported', storeCreated: true })).toBe('imported')
    expect(memberArmReason({ origin: 'created', storeCreated: true })).toBe('store_new')
    expect(memberArmReason({ origin: 'created', storeCreated: false })).toBeUndefined()
  })
})

describe('MemberFeedGuard', () => {
  it('an imported member waits for their head from a neighbour, across restarts, then continues their chain', async () => {
    const { dataDir, members, anna, signer, feed } = await moved(5)
    const path = join(dataDir, 'feed')
    let store = await openFeed(path)
    let guard = await MemberFeedGuard.open(store, { members: members.list(), now: () => NOW })
    expect(guard.status(anna.author)).toMatchObject({ state: 'armed', reason: 'imported', ownSeq: 0, armedAt: NOW })
    expect(await refused(store, signer)).toBe('own_head_unknown')
    await guard.claimHeads('peer-a', [{ author: Buffer.from(anna.author).toString('hex'), seq: 5 }])
    await store.close()

    store = await openFeed(path)
    guard = await MemberFeedGuard.open(store, { members: members.list() })
    expect(guard.status(anna.author)).toMatchObject({ state: 'armed', claimedSeq: 5, claimedBy: 'peer-a' })
    expect(await refused(store, signer)).toBe('own_head_unknown')
    await guard.claim(anna.author, 'peer-b', 3) // a lower claim does not lower the bar
    await store.ingestRange(feed.slice(0, 4).map((e) => e.bytes))
    expect(await guard.check(anna.author, true)).toBe(false) // 4 < 5
    await store.ingestRange(feed.slice(4).map((e) => e.bytes))
    expect(await guard.checkAll(false)).toEqual([]) // neighbours still to report
    expect(await guard.checkAll(true)).toEqual([anna.author])
    expect(guard.status(anna.author)).toMatchObject({
      state: 'ok',
      ownSeq: 5,
      disarmedBy: 'neighbour',
      claimedSeq: 5,
      claimedBy: 'peer-a'
    })
    const next = await store.append(signer, { type: 'post', text: 'wieder da' })
    expect(next.seq).toBe(6)
    expect(next.previous).toEqual(feed[4]?.hash)
    expect(store.head(anna.author)?.forkedAt).toBeUndefined()
    await store.close()

    store = await openFeed(path)
    guard = await MemberFeedGuard.open(store, { members: members.list() })
    expect(guard.isArmed(anna.author)).toBe(false)
    expect(guard.status(anna.author)).toMatchObject({ state: 'ok', disarmedBy: 'neighbour' })
  })

  it('without a claim only the operator releases an imported member', async () => {
    const { dataDir, members, anna, signer } = await moved(0)
    const store = await openFeed(join(dataDir, 'feed'))
    const guard = await MemberFeedGuard.open(store, { members: members.list() })
    expect(await guard.checkAll(true)).toEqual([])
    await guard.claim(anna.author, 'liar', 0)
    expect(await guard.check(anna.author, true)).toBe(false)
    expect(await guard.override(anna.author)).toBe(true)
    expect(guard.status(anna.author)).toMatchObject({ state: 'ok', disarmedBy: 'override' })
    expect((await store.append(signer, { type: 'post', text: 'neu hier' })).seq).toBe(1)
    expect(await guard.override(anna.author)).toBe(false)
  })

  it('a member made here posts at once; other members and the box are not held by an import', async () => {
    const dataDir = tempDir()
    const members = await MemberStore.open({ dataDir })
    const store = await openFeed(join(dataDir, 'feed'))
    const box = (await import('@kiez/feed')).signerFromSeed(new Uint8Array(32).fill(5))
    await OwnFeedGuard.open(store, { owner: box.publicKey, keyCreated: true })
    const guard = await MemberFeedGuard.open(store, { members: members.list() })
    const ben = await members.add('Ben')
    await guard.adopt(ben)
    expect((await store.append(await members.signer('Ben'), { type: 'post', text: 'hallo' })).seq).toBe(1)

    const lena = await members.import('Lena', crypto.getRandomValues(new Uint8Array(32)))
    await guard.arm(lena)
    expect(guard.armedAuthors()).toEqual([lena.author])
    expect(await refused(store, await members.signer('Lena'))).toBe('own_head_unknown')
    expect(await refused(store, await members.signer('Ben'))).toBeUndefined()
    expect(await refused(store, box)).toBeUndefined()
    // removing the member forgets their record and holds nothing more for them
    await members.remove('Lena')
    await guard.forget(lena.author)
    expect(guard.status(lena.author)).toBeUndefined()
    expect(await store.getMeta(memberRecordName(lena.author))).toBeUndefined()
  })

  it('holds members made here when the feed store is newer than they are (store wiped, keys kept)', async () => {
    const dataDir = tempDir()
    const members = await MemberStore.open({ dataDir })
    let store = await openFeed(join(dataDir, 'feed'))
    let guard = await MemberFeedGuard.open(store, { members: members.list() })
    const ben = await members.add('Ben')
    await guard.adopt(ben)
    await store.append(await members.signer('Ben'), { type: 'post', text: '1' })
    await store.close()
    // the same store again: Ben is settled
    store = await openFeed(join(dataDir, 'feed'))
    guard = await MemberFeedGuard.open(store, { members: members.list() })
    expect(guard.isArmed(ben.author)).toBe(false)
    await store.close()
    // the store wiped, the member's key kept
    rmSync(join(dataDir, 'feed'), { recursive: true })
    store = await openFeed(join(dataDir, 'feed'))
    guard = await MemberFeedGuard.open(store, { members: members.list() })
    expect(guard.status(ben.author)).toMatchObject({ state: 'armed', reason: 'store_new' })
    expect(await refused(store, await members.signer('Ben'))).toBe('own_head_unknown')
  })

  it('a crash after the import but before arm(): the next open arms the member from the index', async () => {
    const { dataDir, anna } = await moved(2)
    const store = await openFeed(join(dataDir, 'feed'))
    const members = await MemberStore.open({ dataDir }) // reopened: origin "imported" comes from the index
    const guard = await MemberFeedGuard.open(store, { members: members.list() satisfies Member[] })
    expect(guard.status(anna.author)).toMatchObject({ state: 'armed', reason: 'imported' })
  })

  it('stays armed on an unreadable record', async () => {
    const { dataDir, members, anna } = await moved(0)
    const store = await openFeed(join(dataDir, 'feed'))
    await store.putMeta(memberRecordName(anna.author), Uint8Array.of(0xff, 0x00))
    const guard = await MemberFeedGuard.open(store, { members: members.list() })
    expect(guard.isArmed(anna.author)).toBe(true)
    expect(memberRecordName(anna.author).length).toBeLessThanOrEqual(64)
  })
})
