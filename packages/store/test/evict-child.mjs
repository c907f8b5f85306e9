// Evicts while it writes, forever: local posts of its own key (acknowledged
// on stdout once synced, never evicted), far authors' ranges coming in, and
// an evictor dropping far payloads, forgetting far authors and compacting.
// crash.test.ts kills it at random moments and checks what survived.
import { createEntry, signerFromSeed } from '@kiez/feed'
import { FeedStore } from '@kiez/store'

const [path, seedHex] = process.argv.slice(2)
const own = signerFromSeed(Buffer.from(seedHex, 'hex'))
const ownHex = Buffer.from(own.publicKey).toString('hex')
const store = await FeedStore.open({ path })
const isOwn = (a) => Buffer.from(a).toString('hex') === ownHex
let next = Math.floor(Math.random() * 1e9)

/** A far author's whole log of `count` posts, with payloads. */
function farLog (count) {
  const s = signerFromSeed(Buffer.from(String(next++).padStart(64, '0'), 'hex'))
  const out = []
  let prev = null
  for (let seq = 1; seq <= count; seq++) {
    const e = createEntry(s, {
      seq,
      previous: prev,
      timestamp: Date.now() - 1_000_000 + seq,
      body: { type: 'post', text: `far ${next} ${seq} ${'x'.repeat(500)}` }
    })
    out.push({ entry: e.bytes, payload: e.payload })
    prev = e.hash
  }
  return out
}

async function writer () {
  for (let i = 0;; i++) {
    const e = await store.append(own, { type: 'post', text: `own ${i} ${'y'.repeat(300)}` })
    process.stdout.write(`ack ${e.seq}\n`)
  }
}

async function far () {
  for (;;) await store.ingestRange(farLog(40))
}

async function evictor () {
  for (let round = 0;; round++) {
    const page = await store.heldPayloads({ limit: 64, skip: isOwn })
    await store.evictPayloads(page.payloads.map((p) => p.hash))
    const victim = store.heads().find((h) => !isOwn(h.author) && h.seq > 0)
    if (victim !== undefined) await store.forgetAuthor(victim.author)
    if (round % 5 === 0) await store.compactEvicted(round % 10 === 0 ? 'authors' : 'payloads')
  }
}

await Promise.all([writer(), far(), evictor()])
