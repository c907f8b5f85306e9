import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signerFromSeed, type Entry, type KnownBody, type Signer } from '@kiez/feed'
import { FeedStore, lateGate } from '@kiez/store'
import { Log, NOW } from '@kiez/testing'
import { filesHolding } from '@kiez/testing/files'
import { describe, expect, it, onTestFinished } from 'vitest'
import { authorId, Moderation, parseAuthorId } from './index.js'

const signer = (n: number): Signer => signerFromSeed(new Uint8Array(32).fill(n))
const post = (text: string): KnownBody => ({ type: 'post', text })
const full = (e: Entry): { entry: Uint8Array, payload: Uint8Array } => ({
  entry: e.bytes,
  payload: e.payload as Uint8Array
})

function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'kiez-moderation-'))
  onTestFinished(() => rmSync(d, { recursive: true, force: true }))
  return d
}

/** A store and Moderation on it, wired as the daemon wires them (the gate bound once Moderation is open). */
async function openBox (
  path = tempDir(),
  exempt: Uint8Array[] | ((a: Uint8Array) => boolean) = []
): Promise<{ store: FeedStore, mod: Moderation }> {
  const late = lateGate()
  const store = await FeedStore.open({ path, now: () => NOW, gate: late.gate })
  const mod = await Moderation.open({ store, exempt, now: () => NOW })
  late.bind(mod.gate)
  onTestFinished(async () => {
    await mod.close()
    await store.close()
  })
  return { store, mod }
}

const bob = signer(2)
const carol = signer(3)
const lister = signer(9)

describe('the owner\'s block', () => {
  it('keeps new entries as headers only, drops the held payloads off the disk, forwards nothing; unblock undoes it', async () => {
    const path = tempDir()
    const { store, mod } = await openBox(path)
    const marker = `kiez-blocked-${Math.random()}`
    const log = new Log(bob)
    for (let i = 0; i < 10; i++) log.add(post(`${marker} ${i}`))
    await store.ingestRange(log.entries.map(full))
    const other = new Log(carol)
    other.add(post('carol stays'))
    await store.ingestRange(other.entries.map(full))
    expect(mod.forwards(bob.publicKey)).toBe(true)

    expect(await mod.block(bob.publicKey, 'spam')).toEqual({ dropped: 10 })
    expect(mod.forwards(bob.publicKey)).toBe(false)
    expect(mod.forwards(carol.publicKey)).toBe(true)
    expect(mod.blockedBy(bob.publicKey)).toEqual({ by: 'owner', reason: 'spam', at: NOW })
    expect(mod.blocks()).toEqual([{ author: bob.publicKey, reason: 'spam', at: NOW }])
    for (const e of log.entries) expect(await store.hasPayload(e.hash)).toBe(false)
    expect(await store.hasPayload(other.entries[0]?.hash as Uint8Array)).toBe(true)

    // a new entry: its header goes in (the chain stays checkable), its payload does not
    const next = log.add(post(`${marker} new`))
    expect(await store.ingest(next.bytes, next.payload)).toMatchObject({ status: 'stored', payload: 'refused' })
    expect(store.head(bob.publicKey)?.seq).toBe(11)
    expect(await store.missingPayloads()).toEqual([])

    await mod.close()
    await store.close()
    expect(filesHolding(path, marker)).toEqual([])

    // the block survives a restart
    const again = await openBox(path)
    expect(again.mod.blockedBy(bob.publicKey)).toMatchObject({ by: 'owner', reason: 'spam' })
    const e1 = log.entries[0] as Entry
    expect(await again.store.ingest(e1.bytes, e1.payload)).toMatchObject({ status: 'duplicate', payload: 'refused' })

    expect(await again.mod.unblock(bob.publicKey)).toBe(true)
    expect(await again.mod.unblock(bob.publicKey)).toBe(false)
    expect(again.mod.forwards(bob.publicKey)).toBe(true)
    expect((await again.store.missingPayloads({ limit: 100 })).length).toBe(11)
    expect(await again.store.ingest(e1.bytes, e1.payload)).toMatchObject({ payload: 'stored' })
  })

  it('refuses to block the box\'s own author, a bad key or an overlong reason', async () => {
    const me = signer(1)
    const { mod } = await openBox(undefined, [me.publicKey])
    await expect(mod.block(me.publicKey)).rejects.toMatchObject({ code: 'bad_input' })
    await expect(mod.block(new Uint8Array(31))).rejects.toMatchObject({ code: 'bad_input' })
    await expect(mod.block(bob.publicKey, 'x'.repeat(281))).rejects.toMatchObject({ code: 'bad_input' })
    expect(await mod.block(bob.publicKey, 'x'.repeat(280))).toEqual({ dropped: 0 })
    expect(mod.forwards(me.publicKey)).toBe(true)
  })

  it('asks an exempt function each time: a key exempted later (a new member) cannot be blocked from then on', async () => {
    const member = signer(2)
    const members = new Set<string>()
    const { mod } = await openBox(undefined, (a) => members.has(Buffer.from(a).toString('hex')))
    expect(await mod.block(member.publicKey, 'before')).toEqual({ dropped: 0 })
    expect(mod.isBlocked(member.publicKey)).toBe(true)
    members.add(Buffer.from(member.publicKey).toString('hex'))
    expect(mod.isBlocked(member.publicKey)).toBe(false)
    expect(mod.forwards(member.publicKey)).toBe(true)
    await expect(mod.block(member.publicKey)).rejects.toMatchObject({ code: 'bad_input' })
  })
})

describe('a followed moderation list', () => {
  /** The list: blocks bob, hides one of carol's entries, and a block of carol it later takes back. */
  function listLog (carolPost: Entry): { log: Log, blockBob: Entry, hide: Entry, blockCarol: Entry } {
    const log = new Log(lister)
    log.add(post('Moderation für den Hof'))
    const blockBob = log.add({ type: 'mod-block', author: bob.publicKey, reason: 'Werbung' })
    const hide = log.add({ type: 'mod-hide', target: carolPost.hash, reason: 'Adresse im Text' })
    const blockCarol = log.add({ type: 'mod-block', author: carol.publicKey, reason: 'Irrtum' })
    return { log, blockBob, hide, blockCarol }
  }

  it('is enforced once followed (entries held before), a delete takes one back, unfollow stops it', async () => {
    const path = tempDir()
    const { store, mod } = await openBox(path)
    const bobLog = new Log(bob)
    const bobPost = bobLog.add(post('kauft bei mir'))
    const carolLog = new Log(carol)
    const carolPost = carolLog.add(post('Hofstraße 7, 2. OG'))
    const { log, blockBob, hide, blockCarol } = listLog(carolPost)
    await store.ingestRange(bobLog.entries.map(full))
    await store.ingestRange(carolLog.entries.map(full))
    await store.ingestRange(log.entries.map(full))
    // holding a list is not following it
    expect(mod.blockedBy(bob.publicKey)).toBeUndefined()
    expect(mod.hiddenBy(carolPost.hash)).toBeUndefined()

    expect(await mod.follow(lister.publicKey)).toEqual({
      author: lister.publicKey,
      followedAt: NOW,
      blocks: 2,
      hides: 1
    })
    await mod.settled()
    expect(mod.blockedBy(bob.publicKey)).toEqual({
      by: 'list',
      list: lister.publicKey,
      entry: blockBob.hash,
      reason: 'Werbung'
    })
    expect(mod.forwards(bob.publicKey)).toBe(false)
    expect(mod.hiddenBy(carolPost.hash)).toEqual({
      by: 'list',
      list: lister.publicKey,
      entry: hide.hash,
      reason: 'Adresse im Text'
    })
    expect(await store.hasPayload(bobPost.hash)).toBe(false)
    // a hidden entry is only marked: its payload stays and goes on
    expect(await store.hasPayload(carolPost.hash)).toBe(false) // carol is blocked by the list too (for now)

    // the list takes its block of carol back with a delete
    const del = log.add({ type: 'delete', target: blockCarol.hash })
    await store.ingest(del.bytes, del.payload)
    expect(mod.blockedBy(carol.publicKey)).toBeUndefined()
    expect(mod.lists()).toEqual([{ author: lister.publicKey, followedAt: NOW, blocks: 1, hides: 1 }])
    expect((await store.missingPayloads()).map((m) => m.seq)).toEqual([1]) // carol's post can come back
    expect(await store.ingest(carolPost.bytes, carolPost.payload)).toMatchObject({ payload: 'stored' })
    expect(mod.hiddenBy(carolPost.hash)?.reason).toBe('Adresse im Text')

    // the follow and the list's state survive a restart (read back from the entries held)
    await mod.close()
    await store.close()
    const again = await openBox(path)
    expect(again.mod.lists()).toEqual([{ author: lister.publicKey, followedAt: NOW, blocks: 1, hides: 1 }])
    expect(again.mod.blockedBy(bob.publicKey)?.by).toBe('list')
    expect(again.mod.blockedBy(carol.publicKey)).toBeUndefined()

    expect(await again.mod.unfollow(lister.publicKey)).toBe(true)
    expect(again.mod.blockedBy(bob.publicKey)).toBeUndefined()
    expect(again.mod.hiddenBy(carolPost.hash)).toBeUndefined()
    expect(again.mod.forwards(bob.publicKey)).toBe(true)
    expect((await again.store.missingPayloads()).map((m) => m.seq)).toEqual([1])
  })

  it('takes entries the list publishes after the follow, and leaves a box that does not follow it alone', async () => {
    const follower = await openBox()
    const bystander = await openBox()
    await follower.mod.follow(lister.publicKey)
    const carolLog = new Log(carol)
    const carolPost = carolLog.add(post('hallo'))
    const bobLog = new Log(bob)
    const bobPost = bobLog.add(post('kauft'))
    const { log } = listLog(carolPost)
    for (const box of [follower, bystander]) {
      await box.store.ingestRange(bobLog.entries.map(full))
      await box.store.ingestRange(carolLog.entries.map(full))
      // gossip: one entry at a time, as the list publishes them
      for (const e of log.entries) await box.store.ingest(e.bytes, e.payload)
      await box.mod.settled()
    }
    expect(follower.mod.blockedBy(bob.publicKey)?.by).toBe('list')
    expect(follower.mod.hiddenBy(carolPost.hash)?.by).toBe('list')
    expect(await follower.store.hasPayload(bobPost.hash)).toBe(false)

    expect(bystander.mod.blockedBy(bob.publicKey)).toBeUndefined()
    expect(bystander.mod.hiddenBy(carolPost.hash)).toBeUndefined()
    expect(bystander.mod.forwards(bob.publicKey)).toBe(true)
    expect(await bystander.store.hasPayload(bobPost.hash)).toBe(true)
  })

  it('cannot block the box itself or another followed list, and is bounded', async () => {
    const me = signer(1)
    const { store, mod } = await openBox(undefined, [me.publicKey])
    const log = new Log(lister)
    log.add({ type: 'mod-block', author: me.publicKey, reason: 'x' })
    log.add({ type: 'mod-block', author: carol.publicKey, reason: 'a list' })
    await store.ingestRange(log.entries.map(full))
    await mod.follow(lister.publicKey)
    await mod.follow(carol.publicKey)
    expect(mod.blockedBy(me.publicKey)).toBeUndefined()
    expect(mod.blockedBy(carol.publicKey)).toBeUndefined() // followed: the owner chose to hear it
    await expect(mod.block(carol.publicKey)).rejects.toMatchObject({ code: 'bad_input' })
    await expect(mod.follow(new Uint8Array(3))).rejects.toMatchObject({ code: 'bad_input' })

    const small = await Moderation.open({ store, maxLists: 1, maxBlocks: 1 })
    onTestFinished(async () => await small.close())
    expect(small.lists().length).toBe(1) // the limit bounds what is read back too
    await expect(small.follow(bob.publicKey)).rejects.toMatchObject({ code: 'limit' })
  })
})

describe('author ids', () => {
  it('reads a peer id and 64 hex digits, and nothing else', () => {
    const id = authorId(bob.publicKey)
    expect(id).toMatch(/^12D3KooW/)
    expect(parseAuthorId(id)).toEqual(bob.publicKey)
    expect(parseAuthorId(Buffer.from(bob.publicKey).toString('hex'))).toEqual(bob.publicKey)
    for (
      const bad of [
        '',
        'bob',
        id.slice(0, -1),
        id + 'x',
        'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG',
        '0'.repeat(63)
      ]
    ) {
      expect(parseAuthorId(bad), bad).toBeUndefined()
    }
  })
})
