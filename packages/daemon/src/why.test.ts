import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEntry, entryId, signerFromSeed, type Entry } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import type { ReplicationInfo } from '@kiez/replication'
import { explainEntry } from './why.js'
import { ApiError } from './errors.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('explainEntry (real FeedStore)', () => {
  let dir: string
  let store: FeedStore
  const alice = signerFromSeed(new Uint8Array(32).fill(1))
  const chain: Entry[] = []
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-why-'))
    store = await FeedStore.open({ path: join(dir, 'feed') })
    let previous: Uint8Array | null = null
    for (let seq = 1; seq <= 3; seq++) {
      const e = createEntry(alice, { seq, previous, timestamp: Date.now(), body: { type: 'post', text: `p${seq}` } })
      chain.push(e)
      previous = e.hash
    }
    // we hold seq 1 only
    const first = await store.ingest((chain[0] as Entry).bytes)
    if (first.status !== 'stored') throw new Error(`fixture: seq 1 was ${first.status}`)
  })
  afterAll(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  const info = (theirSeq: number, headHash: Uint8Array): ReplicationInfo => ({
    topic: 't',
    protocol: 'p',
    announceQueue: 0,
    counters: {} as ReplicationInfo['counters'],
    peers: [{
      peerId: '12D3KooWNeighbour',
      heads: [{ author: hex(alice.publicKey), seq: theirSeq, hash: hex(headHash) }],
      authors: [{
        author: hex(alice.publicKey),
        ourSeq: 1,
        theirSeq,
        weLack: theirSeq - 1,
        theyLack: 0,
        diverged: false
      }],
      weLack: theirSeq - 1,
      theyLack: 0,
      syncing: false,
      pendingPulls: 0,
      inboundStreams: 0
    }]
  })

  it('here; behind (a neighbour\'s head is the entry); never seen; a bad id is a 400', async () => {
    const e1 = chain[0] as Entry
    const e3 = chain[2] as Entry
    expect((await explainEntry(entryId(e1.hash), {}, { store, rejections: [], now: 0 })).verdict).toBe('here')
    const behind = await explainEntry(entryId(e3.hash), {}, { store, info: info(3, e3.hash), rejections: [], now: 0 })
    expect(behind).toMatchObject({
      verdict: 'behind',
      seq: 3,
      ourSeq: 1,
      holders: [{ peerId: '12D3KooWNeighbour', theirSeq: 3 }]
    })
    const never = await explainEntry(entryId(e3.hash), {}, { store, rejections: [], now: 0 })
    expect(never.verdict).toBe('never_seen')
    await expect(explainEntry('nope', {}, { store, rejections: [], now: 0 })).rejects.toBeInstanceOf(ApiError)
  })

  it('a recorded refusal wins over "behind", and names the sender and code', async () => {
    const e2 = chain[1] as Entry
    const w = await explainEntry(entryId(e2.hash), {}, {
      store,
      info: info(3, (chain[2] as Entry).hash),
      rejections: [{
        id: entryId(e2.hash),
        author: alice.publicKey,
        seq: 2,
        code: 'content_too_large',
        peerId: '12D3KooWRogue',
        via: 'sync',
        atMs: 1000
      }],
      now: 3000
    })
    expect(w).toMatchObject({
      verdict: 'rejected',
      seq: 2,
      ourSeq: 1,
      rejections: [{ peerId: '12D3KooWRogue', code: 'content_too_large', via: 'sync', agoMs: 2000 }]
    })
  })
})
