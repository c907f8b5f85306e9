import type { PeerId } from '@libp2p/interface'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { entries, harness, type Harness, newPeerId, responder, settle } from '../test/stubbed.js'
import { MAX_ENTRIES_PER_RESPONSE, MAX_RESPONSE_BYTES } from './constants.js'
import type { Framed } from './framing.js'
import { encodeGossip } from './gossip.js'
import type { SyncMessage } from './messages.js'

/** The next message on `f`, watched without blocking the test: `got` is undefined until it arrives. */
function next (f: Framed): { got: SyncMessage | undefined | null } {
  const w: { got: SyncMessage | undefined | null } = { got: null }
  void f.recv().then((m) => {
    w.got = m
  }, () => {
    w.got = undefined
  })
  return w
}

/** What peers may cost us: concurrent streams, bytes served per second, entries per answer, gaps chased. */
describe('ReplicationService: per-peer budgets', () => {
  let A: PeerId
  let B: PeerId
  let h: Harness | undefined
  const author = entries(5, 1)[0]!.author
  /** `n` stored items of `size` bytes each (a 100-byte entry, the rest its payload: both count), whatever is asked */
  const serveBlobs = (n: number, size: number): void => {
    h!.store.rangeItems.resolves(Array.from({ length: n }, () => ({
      entry: new Uint8Array(Math.min(size, 100)).fill(1),
      payload: new Uint8Array(size - Math.min(size, 100)).fill(2)
    })))
  }
  const get = { type: 'get', author, from: 1, to: 2 } as const
  beforeAll(async () => {
    A = await newPeerId()
    B = await newPeerId()
  })

  it('answers a peer\'s streams beyond maxStreamsPerPeer with busy, counts them, and takes new ones once one ends', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0, maxStreamsPerPeer: 1 })
    h.connect(A)
    h.connect(B)
    const first = await h.inbound(A)
    await settle()
    const second = await h.inbound(A)
    const refused = next(second)
    await settle()
    expect(refused.got).toMatchObject({
      type: 'error',
      code: 'busy',
      message: 'at most 1 concurrent sync streams per peer'
    })
    expect(h.service.info().peers.find((p) => p.peerId === A.toString())?.inboundStreams).toBe(1)
    // another peer has its own allowance
    const other = await h.inbound(B)
    await other.send({ type: 'heads', heads: [], more: false })
    const answered = next(other)
    await settle()
    expect(answered.got).toEqual({ type: 'heads', heads: [], more: false })
    // the held stream ends: A may open another
    await first.stream.close()
    await settle()
    const third = await h.inbound(A)
    await third.send({ type: 'heads', heads: [], more: false })
    const again = next(third)
    await settle()
    expect(again.got).toEqual({ type: 'heads', heads: [], more: false })
    expect(h.service.counters().syncServeErrors).toEqual({ busy: 1 })
  })

  it('paces what it serves one peer to servedBytesPerSecond, and another peer has its own bucket', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0, servedBytesPerSecond: 1000, maxResponseBytes: 1000 })
    serveBlobs(2, 500) // 1000 bytes per answer: one bucketful
    h.connect(A)
    h.connect(B)
    const f = await h.inbound(A)
    await f.send(get)
    const one = next(f)
    await settle()
    expect(one.got).toMatchObject({ type: 'entries' }) // the burst: at once
    await f.send(get)
    const two = next(f)
    await vi.advanceTimersByTimeAsync(990)
    expect(two.got).toBe(null)
    const g = await h.inbound(B)
    await g.send(get)
    const forB = next(g)
    await settle()
    expect(forB.got).toMatchObject({ type: 'entries' })
    await vi.advanceTimersByTimeAsync(10)
    await settle()
    expect(two.got).toMatchObject({ type: 'entries' })
    expect(h.service.counters()).toMatchObject({ syncRequestsServed: 3, bytesOut: 3000, entriesOut: 6 })
  })

  it('keeps a peer\'s serving bucket across a reconnect, so hanging up does not refill it', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0, servedBytesPerSecond: 1000, maxResponseBytes: 1000 })
    serveBlobs(2, 500)
    h.connect(A)
    const f = await h.inbound(A)
    await f.send(get)
    const one = next(f)
    await settle()
    expect(one.got).toMatchObject({ type: 'entries' })
    await f.stream.close()
    h.disconnect(A)
    await settle()
    h.connect(A)
    const g = await h.inbound(A)
    await g.send(get)
    const two = next(g)
    await vi.advanceTimersByTimeAsync(500)
    expect(two.got).toBe(null)
    await vi.advanceTimersByTimeAsync(500)
    await settle()
    expect(two.got).toMatchObject({ type: 'entries' })
  })

  it('serves one full answer at once even when it is more than a second\'s budget, then makes the peer wait for it', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0, servedBytesPerSecond: 100, maxResponseBytes: 1000 })
    serveBlobs(2, 500)
    h.connect(A)
    const f = await h.inbound(A)
    await f.send(get)
    const one = next(f)
    await settle()
    expect(one.got).toMatchObject({ type: 'entries' }) // paced, never refused: the bucket holds one answer
    await f.send(get)
    const two = next(f)
    await vi.advanceTimersByTimeAsync(9_900)
    expect(two.got).toBe(null)
    await vi.advanceTimersByTimeAsync(100)
    await settle()
    expect(two.got).toMatchObject({ type: 'entries' })
  })

  it('caps what one GET may ask of the store at the configured limits, and those at the protocol\'s', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0, maxEntriesPerResponse: 7 })
    serveBlobs(0, 0)
    h.connect(A)
    const f = await h.inbound(A)
    for (const [from, to] of [[3, 20], [1, 3]]) {
      await f.send({ type: 'get', author, from: from!, to: to! })
      next(f)
      await settle()
    }
    expect(h.store.rangeItems.getCalls().map((c) => [c.args[1], c.args[2], c.args[3]])).toEqual([
      [3, 20, { maxEntries: 7, maxBytes: MAX_RESPONSE_BYTES }],
      [1, 3, { maxEntries: 3, maxBytes: MAX_RESPONSE_BYTES }]
    ])
    await h.service.stop()
    h = await harness({
      syncOnConnect: false,
      syncIntervalMs: 0,
      maxEntriesPerResponse: 100_000,
      maxResponseBytes: 64 * 1024 * 1024
    })
    serveBlobs(0, 0)
    h.connect(A)
    const g = await h.inbound(A)
    await g.send({ type: 'get', author, from: 1, to: 10_000 })
    next(g)
    await settle()
    expect(h.store.rangeItems.firstCall.args[3]).toEqual({
      maxEntries: MAX_ENTRIES_PER_RESPONSE,
      maxBytes: MAX_RESPONSE_BYTES
    })
  })

  it('chases up to maxPendingPullsPerPeer gaps one by one, and past that falls back to one full exchange', async () => {
    for (const [max, expected] of [[64, ['get', 'get']], [1, ['heads']]] as const) {
      h = await harness({ syncOnConnect: false, syncIntervalMs: 0, maxPendingPullsPerPeer: max })
      const held = h.holdStreams()
      h.connect(A)
      // entry 3 of three authors arrives by gossip while we hold none of them: three gaps
      h.store.ingest.callsFake(async (bytes) => {
        const e = [5, 6, 7].map((seed) => entries(seed, 3)[2]!).find((x) => Buffer.compare(x.bytes, bytes) === 0)!
        return { status: 'rejected', code: 'wrong_seq', message: 'gap', entry: e }
      })
      const gaps = [5, 6, 7].map((seed) => entries(seed, 3)[2]!)
      await h.validate(A, gossipOf(gaps[0]!.bytes))
      await settle()
      expect(held).toHaveLength(1) // the first gap's session, held open while the others arrive
      for (const e of gaps.slice(1)) await h.validate(A, gossipOf(e.bytes))
      expect(h.service.info().peers[0]?.pendingPulls).toBe(max === 1 ? 0 : 2)
      const r = responder()
      await held[0]!.answer(r.script)
      await settle()
      await held[1]!.answer(r.script)
      await settle()
      expect(r.seen[1]?.map((m) => m.type)).toEqual(expected)
      expect(h.service.counters().gapPulls).toBe(3)
      await h.service.stop()
    }
  })
})

function gossipOf (bytes: Uint8Array): Uint8Array {
  return encodeGossip({ kind: 'entry', entry: bytes })
}
