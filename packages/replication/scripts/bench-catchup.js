#!/usr/bin/env node
// Catch-up benchmark: a box holding N entries (AUTHORS authors) and a fresh box
// connect over real TCP on 127.0.0.1; measures the time until the fresh box
// stores all of them by /kiez/sync. Build first: npx tsc -b packages/replication
// Usage: node_modules/.bin/node packages/replication/scripts/bench-catchup.js [N=20000] [AUTHORS=10]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { signerFromSeed } from '@kiez/feed'
import { FeedStore } from '@kiez/store'
import { feedGossipsubOptions, replication } from '../dist/index.js'

const N = Number(process.argv[2] ?? 20000)
const AUTHORS = Number(process.argv[3] ?? 10)
const dir = await mkdtemp(join(tmpdir(), 'kiez-bench-'))

async function node (store, init = {}) {
  const n = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub(feedGossipsubOptions('bench')),
      replication: replication({
        store,
        mesh: 'bench',
        syncIntervalMs: 0,
        servedBytesPerSecond: 64 * 1024 * 1024,
        ...init
      })
    }
  })
  await n.start()
  return n
}

try {
  const full = await FeedStore.open({ path: join(dir, 'full') })
  const authors = Array.from({ length: AUTHORS }, () => signerFromSeed(randomBytes(32)))
  const per = Math.ceil(N / AUTHORS)
  let t = Date.now()
  await Promise.all(authors.map(async (a) => {
    for (let i = 0; i < per; i += 256) {
      await Promise.all(
        Array.from(
          { length: Math.min(256, per - i) },
          async (_, j) => await full.append(a, { type: 'post', text: `post ${i + j} ` + 'x'.repeat(100) })
        )
      )
    }
  }))
  const total = full.stats().entries
  console.log(`authored ${total} entries in ${Date.now() - t} ms`)
  const fresh = await FeedStore.open({ path: join(dir, 'fresh') })
  const a = await node(full)
  const b = await node(fresh)
  t = Date.now()
  await b.dial(a.getMultiaddrs()[0])
  while (fresh.stats().entries < total) await new Promise((r) => setTimeout(r, 20))
  const ms = Date.now() - t
  const c = b.services.replication.counters()
  console.log(
    JSON.stringify({
      entries: total,
      authors: AUTHORS,
      catchUpMs: ms,
      entriesPerSecond: Math.round(total * 1000 / ms),
      bytesIn: c.bytesIn,
      mbPerSecond: +(c.bytesIn / 1048576 / (ms / 1000)).toFixed(2),
      rangeIngests: c.rangeIngests,
      syncRequestsMade: c.syncRequestsMade
    })
  )
  await b.stop()
  await a.stop()
  await fresh.close()
  await full.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
