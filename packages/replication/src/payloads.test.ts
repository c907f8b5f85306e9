import { createEntry, encodeEnvelope, encodeHeader, type Entry, sha256, signedBytes } from '@kiez/feed'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { connect, Lab, line, MESH, newAuthor } from '../test/helpers.js'
import { Framed } from './framing.js'
import { encodeGossip, feedTopic, SYNC_PROTOCOL } from './index.js'

const topic = feedTopic(MESH)
const wait = { timeoutMs: 15_000, intervalMs: 25 }

/** Entry format 2: payloads travel with their entries by gossip and sync, and are fetched again when missing. */
describe('payloads over real libp2p nodes', () => {
  let lab: Lab
  beforeEach(async () => {
    lab = new Lab()
    await lab.init()
  })
  afterEach(async () => {
    await lab.cleanup()
  })

  const textAt = async (n: { store: { get: (h: Uint8Array) => Promise<Entry | undefined> } }, e: Entry) => {
    const got = await n.store.get(e.hash)
    return got?.body?.type === 'post' ? got.body.text : undefined
  }

  it('gossip carries the payload: the receiver shows the text', async () => {
    const a = await lab.node(await lab.store('a'))
    const b = await lab.node(await lab.store('b'))
    await line(a, b)
    const e = await a.store.append(newAuthor(), { type: 'post', text: 'Hallo Kiez' })
    await eventually(async () => await textAt(b, e) === 'Hallo Kiez', { what: 'text at b', ...wait })
    expect(b.repl.counters().gossipAccepted).toBe(1)
    expect(b.repl.counters().entriesIn).toBe(0) // by push, not by a pull
    expect(await b.store.missingPayloads()).toEqual([])
  })

  it('rejects a mismatched payload by gossip, and the correct one sent later still gets in and on', async () => {
    const raw = await lab.rawNode()
    const b = await lab.node(await lab.store('b'), { syncOnConnect: false })
    const c = await lab.node(await lab.store('c'), { syncOnConnect: false })
    raw.services.pubsub.subscribe(topic)
    await line(raw, b, c)
    const good = createEntry(newAuthor(), {
      seq: 1,
      previous: null,
      timestamp: Date.now(),
      body: { type: 'post', text: 'honest' }
    })
    const wrong = new Uint8Array(good.payload!)
    wrong[wrong.length - 1]! ^= 0x01
    await raw.services.pubsub.publish(topic, encodeGossip({ kind: 'entry', entry: good.bytes, payload: wrong }))
    await eventually(() => b.repl.counters().gossipRejected.payload_mismatch === 1, {
      what: 'mismatch rejected',
      ...wait
    })
    // the header is kept (it is signed), the bad payload is neither stored nor forwarded
    expect((await b.store.get(good.hash))?.payload).toBeUndefined()
    await raw.services.pubsub.publish(topic, encodeGossip({ kind: 'entry', entry: good.bytes, payload: good.payload! }))
    for (const n of [b, c]) await eventually(async () => await textAt(n, good) === 'honest', { what: 'text', ...wait })
    expect(b.repl.counters().gossipAccepted).toBe(1)
    expect(c.repl.counters().gossipRejected).toEqual({}) // c never saw the wrong payload
    await eventually(() => b.pubsub.getScore(raw.peerId.toString()) < 0, { what: 'sender scored down', ...wait })
  })

  it('stores the header of an author\'s invalid payload, does not blame the sender, and forwards the header only', async () => {
    const raw = await lab.rawNode()
    const b = await lab.node(await lab.store('b'), { syncOnConnect: false })
    const c = await lab.node(await lab.store('c'), { syncOnConnect: false })
    raw.services.pubsub.subscribe(topic)
    await line(raw, b, c)
    // the author signed a post whose payload is no post: matches the header, breaks the payload rules
    const author = newAuthor()
    const payload = Uint8Array.of(0xa0) // an empty CBOR map, not [text]
    const header = encodeHeader({
      author: author.publicKey,
      seq: 1,
      previous: null,
      timestamp: Date.now(),
      kind: 'post',
      payloadHash: sha256(payload),
      payloadSize: payload.byteLength
    })
    const entry = encodeEnvelope(header, author.sign(signedBytes(header)))
    await raw.services.pubsub.publish(topic, encodeGossip({ kind: 'entry', entry, payload }))
    for (const n of [b, c]) {
      await eventually(async () => (await n.store.get(sha256(entry))) !== undefined, { what: 'header', ...wait })
    }
    expect(b.repl.counters().gossipIgnored.payload_invalid).toBe(1)
    expect(b.repl.counters().gossipRejected).toEqual({})
    // c got b's header-only announcement, never the payload
    expect(c.repl.counters().gossipIgnored).toEqual({})
    expect(c.repl.counters().gossipAccepted).toBe(1)
    expect((await c.store.get(sha256(entry)))?.payload).toBeUndefined()
    expect(await b.store.missingPayloads()).toEqual([]) // refused for good: never fetched
  })

  it('sync carries payloads', async () => {
    const ss = await lab.store('s')
    const author = newAuthor()
    const posted: Entry[] = []
    for (let i = 0; i < 5; i++) posted.push(await ss.append(author, { type: 'post', text: `old ${i}` }))
    const s = await lab.node(ss)
    const f = await lab.node(await lab.store('f'))
    await connect(f, s)
    await eventually(() => f.store.head(author.publicKey)?.seq === 5, { what: 'synced', ...wait })
    for (const [i, e] of posted.entries()) expect(await textAt(f, e)).toBe(`old ${i}`)
    expect(f.repl.counters()).toMatchObject({ entriesIn: 5, payloadsIn: 5, gossipAccepted: 0 })
    expect(s.repl.counters().payloadsOut).toBe(5)
    expect(await f.store.missingPayloads()).toEqual([])
  })

  it('fetches the payloads of headers it got alone from another neighbour', async () => {
    const author = newAuthor()
    const fullStore = await lab.store('full')
    const posted: Entry[] = []
    for (let i = 0; i < 70; i++) posted.push(await fullStore.append(author, { type: 'post', text: `p${i}` }))
    // a box that got them all, then evicted every payload: it serves headers only
    const thinStore = await lab.store('thin')
    expect((await thinStore.ingestRange(posted.map((e) => ({ entry: e.bytes, payload: e.payload! })))).stored).toBe(70)
    for (const e of posted) expect(await thinStore.dropPayload(e.hash)).toBe(true)
    const thin = await lab.node(thinStore)
    const full = await lab.node(fullStore)
    const f = await lab.node(await lab.store('f'), { payloadFetchIntervalMs: 0 })
    await connect(f, thin)
    await eventually(() => f.store.head(author.publicKey)?.seq === 70, { what: 'headers synced', ...wait })
    expect(f.repl.counters().payloadsIn).toBe(0)
    expect(await f.store.missingPayloads({ limit: 1000 })).toHaveLength(70)
    await connect(f, full)
    await eventually(async () => (await f.store.missingPayloads()).length === 0, { what: 'payloads fetched', ...wait })
    for (const [i, e] of posted.entries()) expect(await textAt(f, e)).toBe(`p${i}`)
    expect(f.repl.counters().payloadsIn).toBe(70) // two GET_PAYLOADS: 64 hashes, then 6
    expect(f.repl.counters().payloadsRefused).toEqual({})
    expect(full.repl.counters().payloadsOut).toBe(70)
    expect(thin.repl.counters().payloadsOut).toBe(0)
  })

  it('never serves a deleted entry\'s payload, by sync or by GET_PAYLOADS', async () => {
    const ss = await lab.store('s')
    const author = newAuthor()
    const gone = await ss.append(author, { type: 'post', text: 'regret' })
    const kept = await ss.append(author, { type: 'post', text: 'fine' })
    await ss.append(author, { type: 'delete', target: gone.hash })
    const s = await lab.node(ss)
    const f = await lab.node(await lab.store('f'), { payloadFetchIntervalMs: 0 })
    await connect(f, s)
    await eventually(() => f.store.head(author.publicKey)?.seq === 3, { what: 'synced', ...wait })
    expect(await textAt(f, kept)).toBe('fine')
    expect((await f.store.get(gone.hash))?.payload).toBeUndefined()
    expect(await f.store.missingPayloads()).toEqual([]) // nothing to fetch: the delete seals it
    // asked outright, the box answers null for it
    const stream = await f.node.dialProtocol(s.node.peerId, SYNC_PROTOCOL)
    const fr = new Framed(stream)
    const unknown = new Uint8Array(32).fill(9)
    await fr.send({ type: 'getPayloads', hashes: [kept.hash, gone.hash, unknown] })
    const m = await fr.recv()
    expect(m).toEqual({
      type: 'payloads',
      payloads: [{ hash: kept.hash, payload: kept.payload }, { hash: gone.hash }, { hash: unknown }]
    })
    await stream.close()
  })
})
