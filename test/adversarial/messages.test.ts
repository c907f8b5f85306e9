// Case 23 (issue 15): a DM flood. A far author's 2 000 `message` entries, each sealed to a member of the
// target box (so every one costs it a trial decryption), served by sync from a neighbour: the target holds
// no more of that author than its per-author ingest budget lets in, indexes no more messages than it
// holds, and keeps its neighbour's own feed whole. In-process daemons on 127.0.0.1, real libp2p and LevelDB.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Daemon, StorageConfig } from '@kiez/daemon'
import { createEntry, signerFromSeed, type Entry } from '@kiez/feed'
import { phraseFromSeed } from '@kiez/members'
import { dmKeyPairFromSeed, seal } from '@kiez/messages'
import type { FeedStore } from '@kiez/store'
import { peerIdFromString } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { report, startQuietDaemon } from './daemons.ts'

const FLOOD = 2000

describe('issue 15: a DM flood against a member of a box', () => {
  let dir: string
  const daemons: Daemon[] = []

  const start = async (name: string, storage: StorageConfig, bootstrap: string[] = []): Promise<Daemon> =>
    await startQuietDaemon(join(dir, name), storage, bootstrap, daemons)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-dm-flood-'))
  })
  afterAll(async () => {
    for (const d of daemons.splice(0).reverse()) await d.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })

  it('the flooder\'s messages stop at its per-author budget; the member\'s inbox holds no more than that', async () => {
    // the target: default per-author ingest budget, a member Ben whose key the flooder knows
    const box = await start('box', { maxMb: 64 })
    const benSeed = new Uint8Array(32).fill(0x42)
    await box.members()?.import('ben', phraseFromSeed(benSeed))
    const ben = dmKeyPairFromSeed(benSeed)
    const benAuthor = signerFromSeed(benSeed).publicKey

    // the neighbour holds the flood (no budgets of its own): one far key, 2 000 sealed messages to Ben
    const source = await start('source', { ingestPerHour: 0, maxMb: 4096 })
    const flooderSeed = new Uint8Array(32).fill(0x66)
    const flooder = signerFromSeed(flooderSeed)
    const flooderDm = dmKeyPairFromSeed(flooderSeed)
    const t0 = Date.now() - 1_000_000
    const sealStart = Date.now()
    let prev: Entry | undefined
    const range: Entry[] = []
    for (let seq = 1; seq <= FLOOD; seq++) {
      const envelope = seal({
        from: flooder.publicKey,
        to: [benAuthor],
        keys: [ben.publicKey, flooderDm.publicKey],
        text: `buy now ${seq}`
      })
      prev = createEntry(flooder, {
        seq,
        previous: prev?.hash ?? null,
        timestamp: t0 + seq,
        body: { type: 'message', envelope }
      })
      range.push(prev)
    }
    const sealMs = Date.now() - sealStart
    const sourceStore = source.feedStore as FeedStore
    for (let i = 0; i < range.length; i += 500) {
      await sourceStore.ingestRange(
        range.slice(i, i + 500).map((e) => ({ entry: e.bytes, payload: e.payload as Uint8Array }))
      )
    }
    for (let i = 0; i < 10; i++) await source.post({ text: `neighbour ${i}` })

    const started = Date.now()
    const srcStatus = await source.status()
    // Ben is a member before the first message arrives: the box restarts with the neighbour to dial
    await box.stop()
    daemons.splice(daemons.indexOf(box), 1)
    const box2 = await start('box', { maxMb: 64 }, [srcStatus.listenAddrs[0] as string])
    const store = box2.feedStore as FeedStore
    // wait until the neighbour's own feed is in (its budget is its own) and the flood has stopped growing
    const neighbourKey = peerIdFromString(srcStatus.peerId).publicKey?.raw as Uint8Array
    await eventually(() => (store.head(neighbourKey)?.seq ?? 0) >= 10, {
      what: 'the neighbour\'s own posts',
      timeoutMs: 60_000
    })
    let last = -1
    await eventually(async () => {
      const now = store.head(flooder.publicKey)?.seq ?? 0
      const steady = now === last
      last = now
      await new Promise((resolve) => setTimeout(resolve, 2000))
      return steady
    }, { what: 'the flood to stop growing', timeoutMs: 60_000 })
    const held = store.head(flooder.publicKey)?.seq ?? 0
    const inbox = await box2.messages()?.list('ben')
    const status = await box2.status()
    report({
      case: 23,
      name: 'DM flood',
      offered: FLOOD,
      held,
      indexedForMember: inbox?.conversations[0]?.count ?? 0,
      unread: inbox?.unread ?? 0,
      ingestBudget: '120/h, burst 30',
      sealMsPerMessage: sealMs / FLOOD,
      ms: Date.now() - started,
      deferred: status.storage?.deferred
    })
    // the per-author budget counts messages like any entry: a burst of 30, not 2 000
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThanOrEqual(30)
    expect(inbox?.conversations[0]?.count ?? 0).toBeLessThanOrEqual(held)
    expect(inbox?.conversations[0]?.count ?? 0).toBeGreaterThan(0)
    expect(store.head(neighbourKey)?.seq).toBe(10)
  }, 240_000)
})
