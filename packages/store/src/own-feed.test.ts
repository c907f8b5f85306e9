import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed, type Entry, type Signer } from '@kiez/feed'
import { describe, expect, it, onTestFinished } from 'vitest'
import { armReason, FeedStore, OwnFeedGuard, StoreError, type OwnFeedFacts } from './index.js'

/** A fresh directory, removed when the test finishes, after the stores in it closed (teardown runs newest first). */
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'kiez-own-'))
  onTestFinished(() => rmSync(d, { recursive: true, force: true }))
  return d
}

const NOW = 1_800_000_000_000
const me: Signer = signerFromSeed(new Uint8Array(32).fill(1))
const other: Signer = signerFromSeed(new Uint8Array(32).fill(2))

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

/** A store that is closed when the test finishes, failed or not; a test may close it earlier (close is idempotent). */
async function openStore (path = tempDir()): Promise<FeedStore> {
  const store = await FeedStore.open({ path, now: () => NOW })
  onTestFinished(async () => await store.close())
  return store
}

async function refused (store: FeedStore): Promise<string | undefined> {
  try {
    await store.append(me, { type: 'post', text: 'hi' })
    return undefined
  } catch (err) {
    return (err as StoreError).code
  }
}

describe('armReason', () => {
  const base: OwnFeedFacts = {
    keyCreated: false,
    storeCreated: false,
    marker: me.publicKey,
    owner: me.publicKey,
    ownSeq: 0,
    authors: 0
  }
  it('leaves a new key, a known head and our own marked store alone', () => {
    expect(armReason({ ...base, keyCreated: true, storeCreated: true, marker: undefined })).toBeUndefined()
    expect(armReason({ ...base, ownSeq: 3, marker: undefined, storeCreated: true })).toBeUndefined()
    expect(armReason(base)).toBeUndefined()
  })
  it('arms for an old key on a new or empty store, or on a store marked for another key', () => {
    expect(armReason({ ...base, marker: undefined, storeCreated: true })).toBe('store_new')
    expect(armReason({ ...base, marker: undefined, authors: 0 })).toBe('store_new')
    expect(armReason({ ...base, marker: other.publicKey, authors: 5 })).toBe('key_not_owner')
  })
  it('takes an unmarked store that holds entries (made before the marker) as ours', () => {
    expect(armReason({ ...base, marker: undefined, authors: 2 })).toBeUndefined()
  })
})

describe('OwnFeedGuard', () => {
  it('a new box (new key, new store) posts at once, and stays unarmed after a restart', async () => {
    const path = tempDir()
    let store = await openStore(path)
    let g = await OwnFeedGuard.open(store, { owner: me.publicKey, keyCreated: true })
    expect(g.armed).toBe(false)
    expect((await store.append(me, { type: 'post', text: 'hi' })).seq).toBe(1)
    await store.close()
    store = await openStore(path)
    g = await OwnFeedGuard.open(store, { owner: me.publicKey, keyCreated: false })
    expect(g.armed).toBe(false)
  })

  it('an old key on a wiped store: armed across restarts, refuses posts, disarms only at the claimed head', async () => {
    const path = tempDir()
    let store = await openStore(path)
    let g = await OwnFeedGuard.open(store, { owner: me.publicKey, keyCreated: false, now: () => NOW })
    expect(g.status()).toMatchObject({ state: 'armed', reason: 'store_new', ownSeq: 0 })
    expect(await refused(store)).toBe('own_head_unknown')
    // other authors still flow in
    expect((await store.ingestRange(chain(other, 2).map((e) => e.bytes))).stored).toBe(2)
    await g.claim('peer-a', 5)
    await store.close()

    store = await openStore(path)
    g = await OwnFeedGuard.open(store, { owner: me.publicKey, keyCreated: false })
    expect(g.status()).toMatchObject({ state: 'armed', claimedSeq: 5, claimedBy: 'peer-a' })
    expect(await refused(store)).toBe('own_head_unknown')
    await g.claim('peer-b', 3) // lower claims do not lower the bar
    const mine = chain(me, 5)
    await store.ingestRange(mine.slice(0, 4).map((e) => e.bytes))
    expect(await g.check(true)).toBe(false) // 4 < 5
    await store.ingestRange(mine.slice(4).map((e) => e.bytes))
    expect(await g.check(false)).toBe(false) // neighbours still to report
    expect(await g.check(true)).toBe(true)
    expect(g.status()).toMatchObject({
      state: 'ok',
      ownSeq: 5,
      disarmedBy: 'neighbour',
      claimedSeq: 5,
      claimedBy: 'peer-a'
    })
    expect((await store.append(me, { type: 'post', text: 'back' })).seq).toBe(6)
    await store.close()

    store = await openStore(path)
    g = await OwnFeedGuard.open(store, { owner: me.publicKey, keyCreated: false })
    expect(g.armed).toBe(false)
  })

  it('without a claim nothing disarms it but the operator', async () => {
    const store = await openStore()
    const g = await OwnFeedGuard.open(store, { owner: me.publicKey, keyCreated: false })
    expect(await g.check(true)).toBe(false)
    await g.claim('liar', 0)
    expect(await g.check(true)).toBe(false)
    expect(await g.override()).toBe(true)
    expect(g.status()).toMatchObject({ state: 'ok', disarmedBy: 'override' })
    expect((await store.append(me, { type: 'post', text: 'fresh' })).seq).toBe(1)
    expect(await g.override()).toBe(false)
  })

  it('a store marked for another key arms for an old key it does not know', async () => {
    const path = tempDir()
    let store = await openStore(path)
    await OwnFeedGuard.open(store, { owner: other.publicKey, keyCreated: true })
    await store.ingestRange(chain(other, 1).map((e) => e.bytes))
    await store.close()
    store = await openStore(path)
    const g = await OwnFeedGuard.open(store, { owner: me.publicKey, keyCreated: false })
    expect(g.status()).toMatchObject({ state: 'armed', reason: 'key_not_owner' })
  })

  it('meta records are bounded', async () => {
    const store = await openStore()
    await expect(store.putMeta('x', new Uint8Array(4097))).rejects.toMatchObject({ code: 'bad_input' })
    await expect(store.getMeta('')).rejects.toMatchObject({ code: 'bad_input' })
  })
})
