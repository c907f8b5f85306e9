import { createEntry, encodeForkProof, type Entry } from '@kiez/feed'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { Lab, connect, line, newAuthor, MESH } from '../test/helpers.js'
import { encodeGossip, feedTopic } from './index.js'

const topic = feedTopic(MESH)

describe('replication over real libp2p nodes', () => {
  let lab: Lab
  beforeEach(async () => {
    lab = new Lab()
    await lab.init()
  })
  afterEach(async () => {
    await lab.cleanup()
  })

  it('replicates both ways by gossip', async () => {
    const a = await lab.node(await lab.store('a'))
    const b = await lab.node(await lab.store('b'))
    await line(a, b)
    const alice = newAuthor()
    const bob = newAuthor()
    const ea = await a.store.append(alice, { type: 'post', text: 'from a' })
    const eb = await b.store.append(bob, { type: 'post', text: 'from b' })
    await eventually(async () => (await b.store.get(ea.hash)) !== undefined, {
      what: 'a → b',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    await eventually(async () => (await a.store.get(eb.hash)) !== undefined, {
      what: 'b → a',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    // Both arrived by push, not by a pull.
    expect(a.repl.counters().gossipAccepted).toBe(1)
    expect(b.repl.counters().gossipAccepted).toBe(1)
    expect(a.repl.counters().entriesIn).toBe(0)
    expect(b.repl.counters().entriesIn).toBe(0)
    expect(a.repl.counters().publishedEntries).toBeGreaterThanOrEqual(1)
  })

  it('relays along a line A–B–C (A never connected to C)', async () => {
    const a = await lab.node(await lab.store('a'))
    const b = await lab.node(await lab.store('b'))
    const c = await lab.node(await lab.store('c'))
    await line(a, b, c)
    const e = await a.store.append(newAuthor(), { type: 'post', text: 'down the line' })
    await eventually(async () => (await c.store.get(e.hash)) !== undefined, {
      what: 'a → c through b',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    expect(a.node.getConnections(c.node.peerId)).toHaveLength(0)
    expect(c.repl.counters().gossipAccepted).toBe(1)
  })

  it('catches up a fresh node with 2 000 entries over the range path', async () => {
    const cs = await lab.store('c')
    const author = newAuthor()
    // Authored before the node runs, so only sync can carry them.
    await Promise.all(
      Array.from({ length: 2000 }, async (_, i) => await cs.append(author, { type: 'post', text: `post ${i}` }))
    )
    const c = await lab.node(cs)
    const d = await lab.node(await lab.store('d'))
    await connect(d, c)
    await eventually(() => d.store.head(author.publicKey)?.seq === 2000, {
      what: 'catch-up',
      timeoutMs: 30_000,
      intervalMs: 25
    })
    const k = d.repl.counters()
    expect(k.entriesIn).toBe(2000)
    expect(k.rangeIngests).toBeGreaterThanOrEqual(4) // ≤ 500 per response
    expect(k.gossipAccepted).toBe(0)
    expect(c.repl.counters().entriesOut).toBeGreaterThanOrEqual(2000)
    // Sync-stored entries are not re-gossiped one by one: at most the head is announced.
    await eventually(() => d.repl.info().announceQueue === 0, {
      what: 'announce queue drained',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    expect(d.repl.counters().publishedEntries).toBeLessThanOrEqual(1)
    const peer = d.repl.info().peers.find((p) => p.peerId === c.node.peerId.toString())
    expect(peer?.weLack).toBe(0)
  })

  it('remembers the heads of a neighbour that disconnected, and drops them when it connects again', async () => {
    const a = await lab.node(await lab.store('a'))
    const b = await lab.node(await lab.store('b'))
    const author = newAuthor()
    const authorHex = Buffer.from(author.publicKey).toString('hex')
    const heard: Array<{ peerId: string, seq?: number }> = []
    const unlisten = a.repl.onHeads((peerId, heads) => {
      heard.push({ peerId, seq: heads.find((h) => h.author === authorHex)?.seq })
    })
    for (let i = 0; i < 2; i++) await a.store.append(author, { type: 'post', text: `before ${i}` })
    await connect(a, b)
    await eventually(() => b.store.head(author.publicKey)?.seq === 2, {
      what: 'b caught up',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    // a learns b's heads at b's next exchange: ask for one
    await b.repl.syncNow(a.node.peerId)
    await eventually(() => a.repl.info().peers.some((p) => p.authors.some((x) => x.theirSeq === 2)), {
      what: 'a knows b holds seq 2',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    // every heads list b sent reached the listener as it came, the last naming seq 2
    expect(heard.length).toBeGreaterThan(0)
    expect(heard.every((h) => h.peerId === b.node.peerId.toString())).toBe(true)
    expect(heard.at(-1)?.seq).toBe(2)
    unlisten()
    await a.node.hangUp(b.node.peerId)
    await eventually(() => a.repl.info().peers.length === 0, { what: 'b gone', timeoutMs: 15_000, intervalMs: 25 })
    for (let i = 0; i < 3; i++) await a.store.append(author, { type: 'post', text: `after ${i}` })
    const gone = a.repl.info().departed ?? []
    expect(gone.map((p) => p.peerId)).toEqual([b.node.peerId.toString()])
    expect(gone[0]?.disconnectedAtMs).toBeTypeOf('number')
    expect(gone[0]?.authors).toMatchObject([{ ourSeq: 5, theirSeq: 2, weLack: 0, theyLack: 3 }])
    await connect(a, b)
    await eventually(() => a.repl.info().peers.length === 1, { what: 'b back', timeoutMs: 15_000, intervalMs: 25 })
    expect(a.repl.info().departed).toEqual([])
  })

  it('pulls the gap behind an entry that arrives by gossip', async () => {
    const as = await lab.store('a')
    const author = newAuthor()
    for (let i = 0; i < 3; i++) await as.append(author, { type: 'post', text: `old ${i}` })
    const a = await lab.node(as, { syncOnConnect: false })
    const b = await lab.node(await lab.store('b'), { syncOnConnect: false })
    await line(a, b)
    expect(b.store.head(author.publicKey)).toBeUndefined()
    await a.store.append(author, { type: 'post', text: 'new' })
    await eventually(() => b.store.head(author.publicKey)?.seq === 4, {
      what: 'gap pulled',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    const k = b.repl.counters()
    expect(k.gossipIgnored.wrong_seq).toBe(1)
    expect(k.gapPulls).toBeGreaterThanOrEqual(1)
    expect(k.rangeIngests).toBeGreaterThanOrEqual(1)
    expect(k.entriesIn).toBe(4)
  })

  it('refuses a badly signed entry from a raw gossipsub peer, does not forward it, and scores the peer down', async () => {
    const raw = await lab.rawNode()
    const b = await lab.node(await lab.store('b'))
    const c = await lab.node(await lab.store('c'))
    raw.services.pubsub.subscribe(topic)
    await line(raw, b, c)
    const author = newAuthor()
    const good = createEntry(author, {
      seq: 1,
      previous: null,
      timestamp: Date.now(),
      body: { type: 'post', text: 'honest' }
    })
    const forged = new Uint8Array(
      createEntry(newAuthor(), {
        seq: 1,
        previous: null,
        timestamp: Date.now(),
        body: { type: 'post', text: 'forged' }
      }).bytes
    )
    forged[forged.length - 1]! ^= 0xff // the signature is the envelope's last field
    await raw.services.pubsub.publish(topic, encodeGossip({ kind: 'entry', entry: forged, payload: good.payload! }))
    await raw.services.pubsub.publish(topic, encodeGossip({ kind: 'entry', entry: good.bytes, payload: good.payload! }))
    // The honest entry sent after the forgery marks that propagation has happened.
    await eventually(async () => (await c.store.get(good.hash)) !== undefined, {
      what: 'honest entry at c',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    expect(b.repl.counters().gossipRejected.bad_signature).toBe(1)
    expect(b.store.stats().entries).toBe(1)
    expect(c.repl.counters().gossipReceived).toBe(1)
    expect(c.store.stats().entries).toBe(1)
    // gossipsub caches scores for a heartbeat: wait for the recomputed one
    await eventually(() => b.pubsub.getScore(raw.peerId.toString()) < 0, {
      what: 'sender scored down',
      timeoutMs: 5000,
      intervalMs: 25
    })
  })

  it('propagates a fork proof and freezes the feed on every node', async () => {
    const a = await lab.node(await lab.store('a'))
    const b = await lab.node(await lab.store('b'))
    const c = await lab.node(await lab.store('c'))
    await line(a, b, c)
    const author = newAuthor()
    const mk = (text: string): Entry =>
      createEntry(author, { seq: 1, previous: null, timestamp: Date.now(), body: { type: 'post', text } })
    const one = mk('one')
    const other = mk('the other')
    expect((await a.store.ingest(one.bytes)).status).toBe('stored')
    await eventually(async () => (await c.store.get(one.hash)) !== undefined, {
      what: 'entry at c',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    // A sees the conflicting entry; its store makes the proof; gossip carries it to C through B.
    expect((await a.store.ingest(other.bytes)).status).toBe('fork')
    for (const n of [a, b, c]) {
      await eventually(() => n.store.head(author.publicKey)?.forkedAt === 1, {
        what: 'feed frozen',
        timeoutMs: 15_000,
        intervalMs: 25
      })
    }
    expect(c.repl.counters().forkProofsIn).toBe(1)
    const proof = encodeForkProof(one, other)
    const got = (await c.store.forkProofs())[0]?.proof
    expect(got !== undefined && Buffer.compare(got, proof) === 0).toBe(true)
  })

  it('hands a stored fork proof to a box that connects later, by sync', async () => {
    const ss = await lab.store('s')
    const author = newAuthor()
    const mk = (text: string): Entry =>
      createEntry(author, { seq: 1, previous: null, timestamp: Date.now(), body: { type: 'post', text } })
    await ss.ingest(mk('one').bytes)
    expect((await ss.ingest(mk('two').bytes)).status).toBe('fork')
    const s = await lab.node(ss)
    const fresh = await lab.node(await lab.store('f'))
    await connect(fresh, s)
    await eventually(() => fresh.store.head(author.publicKey)?.forkedAt === 1, {
      what: 'fork proof synced',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    expect(fresh.repl.counters().forkProofsIn).toBe(1)
    expect(s.repl.counters().forkProofsOut).toBe(1)
    // Nothing at or past the fork is requested.
    expect(fresh.store.stats().entries).toBe(0)
  })
})
