import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed, type Entry } from '@kiez/feed'
import type { PeerSyncInfo, ReplicationInfo } from '@kiez/replication'
import { FeedStore, OwnFeedGuard } from '@kiez/store'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from './logger.js'
import { watchOwnFeed } from './own-feed-watch.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const me = signerFromSeed(new Uint8Array(32).fill(7))
const ME = Buffer.from(me.publicKey).toString('hex')

function chain (n: number): Entry[] {
  const out: Entry[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      createEntry(me, {
        seq: i + 1,
        previous: out[i - 1]?.hash ?? null,
        timestamp: Date.now() - 1000 + i,
        body: { type: 'post', text: `${i}` }
      })
    )
  }
  return out
}

function peer (peerId: string, ownSeq: number | undefined, spoke = true): PeerSyncInfo {
  return {
    peerId,
    heads: ownSeq === undefined ? [] : [{ author: ME, seq: ownSeq, hash: '00' }],
    ...(spoke ? { headsReceivedAtMs: Date.now() } : {}),
    authors: [],
    weLack: 0,
    theyLack: 0,
    syncing: false,
    pendingPulls: 0,
    inboundStreams: 0
  }
}

async function setup (): Promise<{ store: FeedStore, guard: OwnFeedGuard }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiez-watch-'))
  dirs.push(dir)
  const store = await FeedStore.open({ path: join(dir, 'feed') })
  const guard = await OwnFeedGuard.open(store, { owner: me.publicKey, keyCreated: false })
  expect(guard.armed).toBe(true)
  return { store, guard }
}

const settle = async (ms = 120): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

describe('watchOwnFeed', () => {
  it('disarms only once every connected neighbour has spoken and we hold the highest seq any of them named', async () => {
    const { store, guard } = await setup()
    let info: Pick<ReplicationInfo, 'peers' | 'departed'> = {
      peers: [peer('behind', 3), peer('silent', undefined, false)]
    }
    const stop = watchOwnFeed({
      guard,
      node: { replicationState: () => ({ info: info as ReplicationInfo, rejections: [] }) },
      logger: createLogger({ level: 'silent' }),
      intervalMs: 10,
      settleMs: 60_000
    })
    try {
      const mine = chain(8)
      await store.ingestRange(mine.slice(0, 3).map((e) => e.bytes))
      await settle()
      expect(guard.armed).toBe(true) // the silent neighbour may know more
      info = { peers: [peer('behind', 3), peer('ahead', 8)] }
      // polled, not a fixed sleep: under load the 10 ms watcher may run late (a CI run caught the old claim)
      await expect.poll(() => guard.status(), { timeout: 5_000 }).toMatchObject({
        state: 'armed',
        claimedSeq: 8,
        claimedBy: 'ahead'
      })
      await store.ingestRange(mine.slice(3).map((e) => e.bytes))
      await expect.poll(() => guard.status(), { timeout: 5_000 }).toMatchObject({
        state: 'ok',
        ownSeq: 8,
        disarmedBy: 'neighbour'
      })
    } finally {
      stop()
      await store.close()
    }
  })

  it('a departed neighbour\'s claim raises the bar; with no claim at all it stays armed', async () => {
    const { store, guard } = await setup()
    let info: Pick<ReplicationInfo, 'peers' | 'departed'> = { peers: [peer('knows-nothing', undefined)] }
    const stop = watchOwnFeed({
      guard,
      node: { replicationState: () => ({ info: info as ReplicationInfo, rejections: [] }) },
      logger: createLogger({ level: 'silent' }),
      intervalMs: 10
    })
    try {
      await settle()
      expect(guard.armed).toBe(true)
      const mine = chain(5)
      await store.ingestRange(mine.slice(0, 2).map((e) => e.bytes))
      info = { peers: [peer('a', 2)], departed: [peer('gone', 5)] }
      await expect.poll(() => guard.status(), { timeout: 5_000 }).toMatchObject({ state: 'armed', claimedSeq: 5 })
      await store.ingestRange(mine.slice(2).map((e) => e.bytes))
      await expect.poll(() => guard.armed, { timeout: 5_000 }).toBe(false)
    } finally {
      stop()
      await store.close()
    }
  })

  it('a claim heard as it arrives counts even when the next exchange replaced it in info() before a tick', async () => {
    const { store, guard } = await setup()
    const listeners: Array<(peerId: string, heads: Array<{ author: string, seq: number }>) => void> = []
    // info() never shows the claim: the liar's reply to our pull came first
    const info: Pick<ReplicationInfo, 'peers' | 'departed'> = { peers: [peer('liar', undefined)] }
    const stop = watchOwnFeed({
      guard,
      node: {
        replicationState: () => ({ info: info as ReplicationInfo, rejections: [] }),
        onHeads: (fn) => {
          listeners.push(fn)
          return () => {
            listeners.splice(listeners.indexOf(fn), 1)
          }
        }
      },
      logger: createLogger({ level: 'silent' }),
      intervalMs: 10
    })
    try {
      expect(listeners).toHaveLength(1)
      for (const fn of listeners) fn('liar', [{ author: 'ff'.repeat(32), seq: 3 }, { author: ME, seq: 1000 }])
      for (const fn of listeners) fn('liar', [{ author: ME, seq: 4 }]) // a lower claim later never lowers the bar
      await settle()
      expect(guard.status()).toMatchObject({ state: 'armed', claimedSeq: 1000, claimedBy: 'liar' })
    } finally {
      stop()
      await store.close()
    }
    expect(listeners).toHaveLength(0)
  })
})
