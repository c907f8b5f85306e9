import { lpStream } from '@libp2p/utils'
import { encode } from 'cborg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { Lab, connect, newAuthor } from '../test/helpers.js'
import { createEntry } from '@kiez/feed'
import { Framed } from './framing.js'
import { decodeMessage, encodeMessage, MAX_FRAME_BYTES, SYNC_PROTOCOL } from './index.js'

/** Unsigned LEB128, as the frames' length prefix. */
function varint (n: number): Uint8Array {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
  return Uint8Array.from(out)
}

describe('the /kiez/sync stream under abuse', () => {
  let lab: Lab
  beforeEach(async () => {
    lab = new Lab()
    await lab.init()
  })
  afterEach(async () => {
    await lab.cleanup()
  })

  it('refuses an oversized frame before reading it, and a malformed one, without crashing', async () => {
    const server = await lab.node(await lab.store('s'))
    const author = newAuthor()
    await server.store.append(author, { type: 'post', text: 'still served' })
    const client = await lab.node(await lab.store('c'), { syncOnConnect: false })
    await connect(client, server)

    // 1. A length prefix announcing 64 MiB: refused with too_large after a few bytes, nothing allocated.
    const s1 = await client.node.dialProtocol(server.node.peerId, SYNC_PROTOCOL)
    s1.send(varint(64 * 1024 * 1024))
    s1.send(new Uint8Array(1024))
    const r1 = decodeMessage((await lpStream(s1, { maxDataLength: MAX_FRAME_BYTES }).read()).subarray())
    expect(r1).toMatchObject({ type: 'error', code: 'too_large' })
    s1.abort(new Error('done'))

    // 1b. One byte over the cap: the ERROR frame carries the text docs/SYNC.md §6 shows, byte for byte.
    const s1b = await client.node.dialProtocol(server.node.peerId, SYNC_PROTOCOL)
    s1b.send(varint(MAX_FRAME_BYTES + 1))
    s1b.send(new Uint8Array(1024))
    const r1b = decodeMessage((await lpStream(s1b, { maxDataLength: MAX_FRAME_BYTES }).read()).subarray())
    expect(r1b).toEqual({ type: 'error', code: 'too_large', message: `frame over ${MAX_FRAME_BYTES} bytes` })
    s1b.abort(new Error('done'))

    // 2. A frame of valid size that is not CBOR, then one that is CBOR but no sync message.
    for (const junk of [Uint8Array.of(0xff, 0xfe, 0xfd), encode([42, 'hello'])]) {
      const s = await client.node.dialProtocol(server.node.peerId, SYNC_PROTOCOL)
      const lp = lpStream(s, { maxDataLength: MAX_FRAME_BYTES })
      await lp.write(junk)
      expect(decodeMessage((await lp.read()).subarray())).toMatchObject({ type: 'error', code: 'bad_message' })
      s.abort(new Error('done'))
    }

    // 3. A responder must not accept a response-type message as a request.
    const s3 = await client.node.dialProtocol(server.node.peerId, SYNC_PROTOCOL)
    const lp3 = lpStream(s3, { maxDataLength: MAX_FRAME_BYTES })
    await lp3.write(encodeMessage({ type: 'entries', author: author.publicKey, items: [] }))
    expect(decodeMessage((await lp3.read()).subarray())).toMatchObject({ type: 'error', code: 'bad_message' })
    s3.abort(new Error('done'))

    const errors = server.repl.counters().syncServeErrors
    expect(errors.too_large).toBe(2)
    expect(errors.bad_message).toBe(3)

    // The server still works: a normal sync gets the entry.
    const [r] = await client.repl.syncNow(server.node.peerId)
    expect(r?.ok).toBe(true)
    expect(client.store.head(author.publicKey)?.seq).toBe(1)
  })

  it('answers a GET with at most the response limits and paces nothing it should not', async () => {
    const server = await lab.node(await lab.store('s'), { maxEntriesPerResponse: 7, syncOnConnect: false })
    const author = newAuthor()
    for (let i = 0; i < 20; i++) await server.store.append(author, { type: 'post', text: `p${i}` })
    const client = await lab.node(await lab.store('c'), { syncOnConnect: false })
    await connect(client, server)
    const s = await client.node.dialProtocol(server.node.peerId, SYNC_PROTOCOL)
    const lp = lpStream(s, { maxDataLength: MAX_FRAME_BYTES })
    await lp.write(encodeMessage({ type: 'get', author: author.publicKey, from: 3, to: 20 }))
    const m = decodeMessage((await lp.read()).subarray())
    expect(m.type).toBe('entries')
    if (m.type !== 'entries') return
    expect(m.items).toHaveLength(7)
    expect(m.items.every((i) => i.payload !== undefined)).toBe(true) // the server holds every payload
    // the batch is the author's seq 3..9, ready for the range path
    const r = await client.store.ingestRange(m.items)
    expect(r.rejection?.code).toBe('wrong_seq') // we lack 1..2: the store refuses the gap
    await s.close()
    // A full sync fetches everything in batches of ≤ 7.
    const [res] = await client.repl.syncNow(server.node.peerId)
    expect(res?.ok).toBe(true)
    await eventually(() => client.store.head(author.publicKey)?.seq === 20, {
      what: 'all 20 entries',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    expect(client.repl.counters().rangeIngests).toBeGreaterThanOrEqual(3)
    await eventually(() => client.repl.info().peers.some((p) => p.heads.length === 1 && p.weLack === 0), {
      what: 'diagnostics show in sync',
      timeoutMs: 15_000,
      intervalMs: 25
    })
  })

  it('a responder that caps batches below our pipelined asks still delivers every entry, in order', async () => {
    // The client asks 500 at a time with 3 GETs in flight; the server answers 7: every later GET lands past a gap and is asked again.
    const server = await lab.node(await lab.store('s'), { maxEntriesPerResponse: 7, syncOnConnect: false })
    const author = newAuthor()
    for (let i = 0; i < 1200; i++) await server.store.append(author, { type: 'post', text: `p${i}` })
    const client = await lab.node(await lab.store('c'), { syncOnConnect: false, maxEntriesPerSession: 100_000 })
    await connect(client, server)
    const [res] = await client.repl.syncNow(server.node.peerId)
    expect(res?.ok).toBe(true)
    await eventually(() => client.store.head(author.publicKey)?.seq === 1200, {
      what: 'all 1200 entries',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    expect(client.repl.counters().rangesRejected).toEqual({})
  })

  it('refuses streams over the per-peer limit and times out a stalled one', async () => {
    const server = await lab.node(await lab.store('s'), {
      maxStreamsPerPeer: 1,
      streamTimeoutMs: 800,
      syncOnConnect: false
    })
    const client = await lab.node(await lab.store('c'), { syncOnConnect: false })
    await connect(client, server)
    // Half a frame, then silence.
    const stalled = await client.node.dialProtocol(server.node.peerId, SYNC_PROTOCOL)
    stalled.send(Uint8Array.of(10, 0x83, 0x01))
    const serverSide = (): number =>
      server.repl.info().peers.find((p) => p.peerId === client.node.peerId.toString())?.inboundStreams ?? 0
    await eventually(() => serverSide() === 1, {
      what: 'server holds the stalled stream',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    const second = await client.node.dialProtocol(server.node.peerId, SYNC_PROTOCOL)
    expect(decodeMessage((await lpStream(second, { maxDataLength: MAX_FRAME_BYTES }).read()).subarray())).toMatchObject(
      { type: 'error', code: 'busy' }
    )
    expect(decodeMessage((await lpStream(stalled, { maxDataLength: MAX_FRAME_BYTES }).read()).subarray()))
      .toMatchObject({ type: 'error', code: 'timeout' })
    await eventually(() => serverSide() === 0, { what: 'stream released', timeoutMs: 15_000, intervalMs: 25 })
    expect(server.repl.counters().syncServeErrors).toEqual({ busy: 1, timeout: 1 })
  })

  it('refuses a forged range from a lying responder and counts it', async () => {
    const liar = await lab.rawNode()
    const author = newAuthor()
    const e1 = createEntry(author, {
      seq: 1,
      previous: null,
      timestamp: Date.now(),
      body: { type: 'post', text: 'real' }
    })
    const e2 = createEntry(author, {
      seq: 2,
      previous: e1.hash,
      timestamp: Date.now(),
      body: { type: 'post', text: 'tampered' }
    })
    const bad = new Uint8Array(e2.bytes)
    bad[bad.length - 1]! ^= 0x01
    // A responder that claims seq 2 and serves a run whose newest signature is broken.
    await liar.handle(SYNC_PROTOCOL, async (stream) => {
      const f = new Framed(stream)
      for (let m = await f.recv(); m !== undefined; m = await f.recv()) {
        if (m.type === 'heads' && !m.more) {
          await f.send({ type: 'heads', heads: [{ author: author.publicKey, seq: 2, hash: e2.hash }], more: false })
        }
        if (m.type === 'get') {
          await f.send({ type: 'entries', author: m.author, items: [{ entry: e1.bytes }, { entry: bad }] })
        }
      }
      await stream.close()
    })
    const victim = await lab.node(await lab.store('v'), { syncOnConnect: false })
    await connect(victim, liar)
    await eventually(() => victim.node.getConnections(liar.peerId).length > 0, {
      what: 'connected',
      timeoutMs: 15_000,
      intervalMs: 25
    })
    const [r] = await victim.repl.syncNow(liar.peerId)
    expect(r?.ok).toBe(true)
    // One signature check covers the run, so the broken newest signature refuses all of it.
    expect(victim.store.stats().entries).toBe(0)
    expect(victim.repl.counters().rangesRejected).toEqual({ bad_signature: 1 })
    expect(victim.repl.info().peers[0]?.weLack).toBe(2)
  })
})
