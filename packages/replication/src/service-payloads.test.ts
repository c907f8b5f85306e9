import type { Entry } from '@kiez/feed'
import type { IngestResult, MissingPayload } from '@kiez/store'
import type { PeerId } from '@libp2p/interface'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { entries, harness, type Harness, newPeerId, type Script, settle } from '../test/stubbed.js'
import type { Framed } from './framing.js'
import type { SyncMessage } from './messages.js'
import { hex } from './util.js'

/** Payload rounds (SYNC.md §3.5): who is asked for what, how often, and what a lying answer costs. */
describe('ReplicationService: fetching and serving payloads', () => {
  let A: PeerId
  let h: Harness | undefined
  const log = entries(4, 5) as [Entry, Entry, Entry, Entry, Entry]
  const author = log[0].author
  const missing: MissingPayload[] = log.map((e) => ({ hash: e.hash, author, seq: e.seq, timestamp: e.timestamp }))
  beforeAll(async () => {
    A = await newPeerId()
  })

  /** A neighbour holding the whole log: answers heads, GETs with nothing, GET_PAYLOADS as `answer` says. */
  function neighbour (answer: (hashes: Uint8Array[]) => SyncMessage): { script: Script, asked: string[][] } {
    const asked: string[][] = []
    const script: Script = async (f: Framed) => {
      for (let m = await f.recv(); m !== undefined; m = await f.recv()) {
        if (m.type === 'heads' && !m.more) {
          await f.send({ type: 'heads', heads: [{ author, seq: 5, hash: log[4].hash }], more: false })
        }
        if (m.type === 'get') await f.send({ type: 'entries', author: m.author, items: [] })
        if (m.type === 'getPayloads') {
          asked.push(m.hashes.map((x) => hex(x).slice(0, 8)))
          await f.send(answer(m.hashes))
        }
      }
      await f.stream.close()
    }
    return { script, asked }
  }
  const honest = (hashes: Uint8Array[]): SyncMessage => ({
    type: 'payloads',
    payloads: hashes.map((x) => ({ hash: x, payload: log.find((e) => hex(e.hash) === hex(x))!.payload! }))
  })
  const firstThree = log.slice(0, 3).map((e) => hex(e.hash).slice(0, 8))

  async function service (): Promise<Harness> {
    const s = await harness({ syncOnConnect: false, syncIntervalMs: 0, maxPayloadsPerFetch: 3 })
    s.store.missingPayloads.callsFake(async (opts = {}) => {
      const from = opts.after === undefined ? 0 : missing.findIndex((m) => hex(m.hash) === hex(opts.after!.hash)) + 1
      return missing.slice(from, from + (opts.limit ?? 100))
    })
    s.store.get.callsFake(async (x) => log.find((e) => hex(e.hash) === hex(x as Uint8Array)))
    s.store.ingest.callsFake(async (bytes, payload) => {
      const e = log.find((x) => Buffer.compare(x.bytes, bytes) === 0)!
      const ok = payload !== undefined && Buffer.compare(payload, e.payload!) === 0
      return { status: 'duplicate', entry: e, payload: ok ? 'stored' : 'mismatch' } as IngestResult
    })
    return s
  }

  it('asks after a session, at most maxPayloadsPerFetch per round and one round per interval, paging through the list', async () => {
    h = await service()
    const n = neighbour(honest)
    h.answerWith(n.script)
    h.connect(A)
    await h.service.syncNow(A)
    await settle()
    expect(n.asked).toEqual([firstThree])
    expect(h.store.ingest.getCalls().map((c) => c.args[1] !== undefined)).toEqual([true, true, true])
    // a second session within payloadFetchIntervalMs (10 s) runs no round
    await h.service.syncNow(A)
    await settle()
    expect(n.asked).toHaveLength(1)
    // the next round goes on after the last header listed, and the one after starts over
    await vi.advanceTimersByTimeAsync(10_001)
    await h.service.syncNow(A)
    await settle()
    expect(n.asked[1]).toEqual(log.slice(3).map((e) => hex(e.hash).slice(0, 8)))
    await vi.advanceTimersByTimeAsync(10_001)
    await h.service.syncNow(A)
    await settle()
    expect(n.asked[2]).toEqual(firstThree)
    expect(h.service.counters()).toMatchObject({ payloadsIn: 8, payloadsRefused: {}, payloadFetchesFailed: 0 })
  })

  it('counts a payload that does not match its header against the neighbour and starts over with it next time', async () => {
    h = await service()
    const n = neighbour((hashes) => {
      const m = honest(hashes)
      if (m.type === 'payloads') m.payloads[1] = { hash: hashes[1]!, payload: Uint8Array.of(1, 2, 3) }
      return m
    })
    h.answerWith(n.script)
    h.connect(A)
    const [r] = await h.service.syncNow(A)
    await settle()
    expect(r?.ok).toBe(true)
    expect(h.service.counters()).toMatchObject({ payloadsIn: 2, payloadsRefused: { mismatch: 1 } })
    await vi.advanceTimersByTimeAsync(10_001)
    await h.service.syncNow(A)
    await settle()
    expect(n.asked).toEqual([firstThree, firstThree])
  })

  it('fails the session on an answer that does not match the question, and keeps what it stored', async () => {
    h = await service()
    h.answerWith(
      neighbour((hashes) => ({ type: 'payloads', payloads: [...hashes].reverse().map((x) => ({ hash: x })) })).script
    )
    h.connect(A)
    const [r] = await h.service.syncNow(A)
    await settle()
    expect(r).toMatchObject({ ok: false })
    expect(r?.error).toMatch(/^bad_message: PAYLOADS does not answer/)
    expect(h.service.counters()).toMatchObject({ payloadFetchesFailed: 1, syncSessionsFailed: { bad_message: 1 } })
  })

  it('serves PAYLOADS in the order asked, null for what it lacks, cut short at the byte budget, paced and counted', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0, maxResponseBytes: 1000, servedBytesPerSecond: 1000 })
    const big = new Uint8Array(600).fill(5)
    h.store.getPayload.callsFake(async (x) => x[0] === 2 ? undefined : big)
    h.connect(A)
    const f = await h.inbound(A)
    const [h1, h2, h3] = [1, 2, 3].map((b) => new Uint8Array(32).fill(b)) as [Uint8Array, Uint8Array, Uint8Array]
    await f.send({ type: 'getPayloads', hashes: [h1, h2, h3] })
    const m = await f.recv()
    // the third would take the answer past 1000 bytes: it is left for another request
    expect(m).toEqual({ type: 'payloads', payloads: [{ hash: h1, payload: big }, { hash: h2 }] })
    expect(h.service.counters()).toMatchObject({ payloadsOut: 1, bytesOut: 600, syncRequestsServed: 1 })
    // the bucket holds 1000 bytes: the next 600 wait for the refill
    await f.send({ type: 'getPayloads', hashes: [h3] })
    let got: SyncMessage | undefined
    void f.recv().then((x) => {
      got = x
    })
    await settle()
    expect(got).toBeUndefined()
    await vi.advanceTimersByTimeAsync(300)
    await settle()
    expect(got).toEqual({ type: 'payloads', payloads: [{ hash: h3, payload: big }] })
  })
})
