import type { Entry } from '@kiez/feed'
import type { PeerId } from '@libp2p/interface'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { entries, harness, newPeerId, payloadCounts, responder, settle } from '../test/stubbed.js'
import { encodeGossip } from './gossip.js'
import type { SyncMessage } from './messages.js'
import { hex } from './util.js'

const { Accept, Ignore } = TopicValidatorResult

/**
 * What a box lets leave it (ReplicationInit.forwards: a block, a followed
 * moderation list) and what its store holds back (the gate's `deferred`).
 */
describe('ReplicationService: forwarding and deferral', () => {
  let A: PeerId
  const [mine] = entries(1, 1) as [Entry]
  const blocked = entries(2, 3) as [Entry, Entry, Entry]
  const forwards = (author: Uint8Array): boolean => hex(author) !== hex(blocked[0].author)
  beforeAll(async () => {
    A = await newPeerId()
  })

  it('does not forward by gossip, nor announce, an author it does not forward; a deferred entry is not forwarded either', async () => {
    const h = await harness({ syncOnConnect: false, syncIntervalMs: 0, forwards })
    const msg = (e: Entry): Uint8Array => encodeGossip({ kind: 'entry', entry: e.bytes })
    h.store.ingest.resolves({ status: 'stored', entry: blocked[0], payload: 'refused' })
    expect(await h.validate(A, msg(blocked[0]))).toBe(Ignore)
    h.store.ingest.resolves({ status: 'stored', entry: blocked[1], payload: 'absent' })
    expect(await h.validate(A, msg(blocked[1]))).toBe(Ignore) // a header alone would otherwise be Accept
    h.store.ingest.resolves({ status: 'deferred', entry: mine })
    expect(await h.validate(A, msg(mine))).toBe(Ignore)
    h.store.ingest.resolves({ status: 'stored', entry: mine, payload: 'stored' })
    expect(await h.validate(A, msg(mine))).toBe(Accept)
    expect(h.service.counters().gossipIgnored).toEqual({ not_forwarded: 2, deferred: 1 })
    // what the store announces: a blocked author's entries are not published
    const listener = h.store.onEntry.firstCall.args[0]
    listener(blocked[2], 'peer')
    listener(mine, 'local')
    await settle()
    expect(h.pubsub.publish.callCount).toBe(1)
  })

  it('leaves a non-forwarded author out of the heads it sends and answers a GET for it with nothing', async () => {
    const h = await harness({ syncOnConnect: false, syncIntervalMs: 0, forwards })
    h.store.heads.returns([
      { author: mine.author, seq: 1, hash: mine.hash },
      { author: blocked[0].author, seq: 3, hash: blocked[2].hash }
    ])
    h.store.rangeItems.resolves([{ entry: blocked[0].bytes }])
    h.connect(A)
    const f = await h.inbound(A)
    await f.send({ type: 'heads', heads: [], more: false })
    const heads = await f.recv()
    expect(heads?.type === 'heads' ? heads.heads.map((x) => hex(x.author)) : undefined).toEqual([hex(mine.author)])
    await f.send({ type: 'get', author: blocked[0].author, from: 1, to: 3 })
    const got = await f.recv() as Extract<SyncMessage, { type: 'entries' }>
    expect(got).toMatchObject({ type: 'entries', items: [] })
    expect(h.store.rangeItems.called).toBe(false)
  })

  it('stops pulling an author in this session once the store defers part of its range', async () => {
    const h = await harness({ syncOnConnect: false, syncIntervalMs: 0, maxEntriesPerResponse: 1 })
    const author = blocked[0].author
    const r = responder([{ author, seq: 3, hash: blocked[2].hash }], (m) => [blocked[m.from - 1]!.bytes])
    h.answerWith(r.script)
    h.store.ingestRange.resolves({ stored: 0, duplicates: 0, payloads: payloadCounts(), deferred: { index: 0 } })
    h.connect(A)
    const out = await h.service.syncNow(A)
    expect(out).toEqual([{ peerId: A.toString(), ok: true, entriesIn: 0 }])
    expect(h.service.counters().rangesDeferred).toBe(1)
    expect(h.service.counters().rangesRejected).toEqual({})
    // pipelined GETs may be in flight, but only one range was handed to the store before it stopped
    expect(h.store.ingestRange.callCount).toBeLessThanOrEqual(2)
  })

  it('asks only for what the store\'s gate has room for: 2 of 3 entries, and none of an author with no room', async () => {
    const h = await harness({ syncOnConnect: false, syncIntervalMs: 0 })
    const author = blocked[0].author
    const r = responder([{ author, seq: 3, hash: blocked[2].hash }], (m) => [blocked[m.from - 1]!.bytes])
    h.answerWith(r.script)
    h.store.ingestRange.resolves({ stored: 2, duplicates: 0, payloads: payloadCounts() })
    h.store.room.returns(2)
    h.connect(A)
    await h.service.syncNow(A)
    // the responder answers one entry per GET, so the rest of the 2 is asked again; never seq 3
    const asked = r.seen[0]?.flatMap((m) => m.type === 'get' ? [[m.from, m.to]] : [])
    expect(asked?.[0]).toEqual([1, 2])
    expect(Math.max(...(asked ?? []).map(([, to]) => to!))).toBe(2)
    // no room: nothing is asked, the author counts as deferred (held back until the periodic sync)
    h.store.room.returns(0)
    await vi.advanceTimersByTimeAsync(1)
    h.service.syncNow(A).catch(() => {})
    await settle()
    expect(r.seen[1]?.filter((m) => m.type === 'get')).toEqual([])
    expect(h.service.counters().rangesDeferred).toBe(1)
  })

  it('does not ask a deferred author again until the periodic sync, so it cannot starve the others', async () => {
    const h = await harness({ syncOnConnect: false, syncIntervalMs: 30_000, maxEntriesPerResponse: 1 })
    const author = blocked[0].author
    const r = responder([{ author, seq: 3, hash: blocked[2].hash }], (m) => [blocked[m.from - 1]!.bytes])
    h.answerWith(r.script)
    h.store.ingestRange.resolves({ stored: 0, duplicates: 0, payloads: payloadCounts(), deferred: { index: 0 } })
    h.connect(A)
    await h.service.syncNow(A)
    await h.service.syncNow(A)
    const gets = (i: number): number => (r.seen[i] ?? []).filter((m) => m.type === 'get').length
    expect(gets(0)).toBeGreaterThan(0)
    expect(gets(1)).toBe(0) // held back: the store deferred it a moment ago
    await vi.advanceTimersByTimeAsync(30_000)
    await settle()
    expect(r.seen.length).toBe(3)
    expect(gets(2)).toBeGreaterThan(0) // the periodic sync asks again
  })
})
