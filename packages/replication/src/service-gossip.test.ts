import { entryId, type Entry } from '@kiez/feed'
import type { IngestResult } from '@kiez/store'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { entries, harness, type Harness, newPeerId, payloadCounts, responder, settle } from '../test/stubbed.js'
import { encodeGossip } from './gossip.js'
import { hex } from './util.js'

const { Accept, Ignore, Reject } = TopicValidatorResult

/** What the gossip validator tells gossipsub (Reject scores the sender down), counts, and remembers. */
describe('ReplicationService: gossip verdicts and penalties', () => {
  let A: PeerId
  let B: PeerId
  let h: Harness | undefined
  const [e1, e2, e3] = entries(3, 3) as [Entry, Entry, Entry]
  const entryMsg = (bytes: Uint8Array, payload?: Uint8Array): Uint8Array =>
    encodeGossip(payload !== undefined ? { kind: 'entry', entry: bytes, payload } : { kind: 'entry', entry: bytes })
  const rejected = (code: string): IngestResult =>
    ({ status: 'rejected', code, message: code, entry: e2 }) as IngestResult
  beforeAll(async () => {
    A = await newPeerId()
    B = await newPeerId()
  })
  beforeEach(async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0 })
  })

  it('maps each store outcome to a verdict and a counter; only invalid entries and mismatched payloads are Reject', async () => {
    const cases: Array<[IngestResult, TopicValidatorResult]> = [
      [{ status: 'stored', entry: e1, payload: 'stored' }, Accept],
      [{ status: 'stored', entry: e1, payload: 'absent' }, Accept], // header only, forwarded as such
      [{ status: 'stored', entry: e1, payload: 'mismatch' }, Reject], // the sender's fault
      [{ status: 'stored', entry: e1, payload: 'invalid' }, Ignore], // the author's: we announce the header only
      [{ status: 'stored', entry: e1, payload: 'refused' }, Ignore], // deleted here: never forwarded
      [{ status: 'duplicate', entry: e1, payload: 'had' }, Ignore],
      [{ status: 'duplicate', entry: e1, payload: 'absent' }, Ignore],
      [{ status: 'duplicate', entry: e1, payload: 'stored' }, Accept], // fills a header-only gap, here and onwards
      [{ status: 'duplicate', entry: e1, payload: 'mismatch' }, Reject],
      [{ status: 'fork', entry: e1, proof: new Uint8Array(1) }, Ignore],
      [rejected('bad_signature'), Reject],
      [rejected('content_too_large'), Reject],
      [rejected('wrong_previous'), Ignore],
      [rejected('forked'), Ignore],
      [rejected('duplicate'), Ignore]
    ]
    const verdicts: TopicValidatorResult[] = []
    for (const [result] of cases) {
      h!.store.ingest.resolves(result)
      verdicts.push(await h!.validate(A, entryMsg(e1.bytes)))
    }
    expect(verdicts).toEqual(cases.map(([, v]) => v))
    // the entry, without the kind byte and framing, and no payload when none came
    expect(Buffer.from(h!.store.ingest.firstCall.args[0])).toEqual(Buffer.from(e1.bytes))
    expect(h!.store.ingest.firstCall.args[1]).toBeUndefined()
    expect(h!.service.counters()).toMatchObject({
      gossipReceived: 15,
      gossipAccepted: 3,
      gossipDuplicates: 2,
      gossipIgnored: { forked: 2, wrong_previous: 1, duplicate: 1, payload_invalid: 1, payload_refused: 1 },
      gossipRejected: { bad_signature: 1, content_too_large: 1, payload_mismatch: 2 }
    })
    h!.store.ingest.resolves({ status: 'stored', entry: e1, payload: 'stored' })
    await h!.validate(A, entryMsg(e1.bytes, e1.payload))
    expect(Buffer.from(h!.store.ingest.lastCall.args[1]!)).toEqual(Buffer.from(e1.payload!)) // the payload goes to the store with it
  })

  it('rejects a message that is no gossip item unread by the store, and ignores its own store failing', async () => {
    expect(await h!.validate(A, Uint8Array.of(0x07, 1, 2))).toBe(Reject)
    expect(await h!.validate(A, Uint8Array.of(0x01))).toBe(Reject)
    expect(h!.store.ingest.called).toBe(false)
    h!.store.ingest.rejects(new Error('the store is closed'))
    expect(await h!.validate(A, entryMsg(e1.bytes))).toBe(Ignore) // not the sender's fault
    expect(h!.service.counters().gossipRejected).toEqual({ bad_frame: 2 })
    expect(h!.service.counters().gossipIgnored).toEqual({ internal: 1 })
    expect(h!.errors).toHaveLength(1)
  })

  it('judges fork proofs by the store too: a bad one is Reject, a good one Accept', async () => {
    const proof = encodeGossip({ kind: 'forkProof', bytes: Uint8Array.of(9, 9) })
    h!.store.ingestForkProof.resolves({ status: 'rejected', code: 'bad_signature', message: 'x' })
    expect(await h!.validate(A, proof)).toBe(Reject)
    h!.store.ingestForkProof.resolves({ status: 'fork', entry: e1, proof: Uint8Array.of(9, 9) })
    expect(await h!.validate(A, proof)).toBe(Accept)
    expect(h!.store.ingestForkProof.firstCall.args[0]).toEqual(Uint8Array.of(9, 9))
    expect(h!.service.counters()).toMatchObject({
      forkProofsIn: 1,
      gossipAccepted: 1,
      gossipRejected: { bad_signature: 1 }
    })
  })

  it('hangs up on a peer at its 16th invalid message within a minute, refuses the rest unread, and forgives it after the window', async () => {
    const onMisbehaving = vi.fn<(peer: PeerId, reason: string) => void>()
    await h!.service.stop()
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0, onMisbehaving })
    h.store.ingest.resolves(rejected('bad_signature'))
    for (let i = 0; i < 15; i++) expect(await h.validate(A, entryMsg(e1.bytes))).toBe(Reject)
    expect(h.connectionManager.closeConnections.called).toBe(false)
    expect(await h.validate(A, entryMsg(e1.bytes))).toBe(Reject)
    expect(onMisbehaving.mock.calls).toEqual([[A, 'invalid_gossip']])
    expect(h.connectionManager.closeConnections.callCount).toBe(1)
    expect(h.connectionManager.closeConnections.firstCall.args[0]).toBe(A)
    // the rest from A is refused without reaching the store; B is judged as before
    expect(await h.validate(A, entryMsg(e1.bytes))).toBe(Reject)
    expect(h.store.ingest.callCount).toBe(16)
    expect(h.service.counters().gossipRejected.peer_refused).toBe(1)
    expect(await h.validate(B, entryMsg(e1.bytes))).toBe(Reject)
    expect(h.store.ingest.callCount).toBe(17)
    // a minute after its last strike A is judged again
    await vi.advanceTimersByTimeAsync(60_001)
    h.store.ingest.resolves({ status: 'stored', entry: e1, payload: 'absent' })
    expect(await h.validate(A, entryMsg(e1.bytes))).toBe(Accept)
    expect(onMisbehaving).toHaveBeenCalledTimes(1)
  })

  it('never strikes a peer for what is only Ignore (gaps, stale branches, repeats), nor lets a throwing onMisbehaving keep a peer on', async () => {
    h!.store.ingest.resolves(rejected('wrong_previous'))
    for (let i = 0; i < 40; i++) expect(await h!.validate(A, entryMsg(e1.bytes))).toBe(Ignore)
    expect(h!.connectionManager.closeConnections.called).toBe(false)
    await h!.service.stop()
    h = await harness({
      syncOnConnect: false,
      syncIntervalMs: 0,
      onMisbehaving: () => {
        throw new Error('listener bug')
      }
    })
    h.store.ingest.resolves(rejected('bad_signature'))
    for (let i = 0; i < 16; i++) expect(await h.validate(A, entryMsg(e1.bytes))).toBe(Reject)
    expect(h.connectionManager.closeConnections.callCount).toBe(1)
  })

  it('remembers refused entries with their sender and path, but not gaps or repeats', async () => {
    h!.store.ingest.resolves(rejected('bad_signature'))
    await h!.validate(A, entryMsg(e2.bytes))
    h!.store.ingest.resolves(rejected('wrong_seq'))
    await h!.validate(A, entryMsg(e3.bytes))
    h!.store.ingest.resolves(rejected('duplicate'))
    await h!.validate(B, entryMsg(e3.bytes))
    const list = h!.service.rejections()
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ peerId: A.toString(), code: 'bad_signature', via: 'gossip', seq: 2 })
    expect(hex(list[0]!.author!)).toBe(hex(e2.author))
  })

  it('puts a range refused in a sync session down to the peer that served it', async () => {
    const r = responder(
      [{ author: e1.author, seq: 3, hash: e3.hash }],
      (m) => [e1, e2, e3].slice(m.from - 1, m.to).map((e) => e.bytes)
    )
    h!.answerWith(r.script)
    h!.store.ingestRange.resolves({
      stored: 1,
      duplicates: 0,
      payloads: payloadCounts({ absent: 1 }),
      rejection: { code: 'bad_signature', message: 'x', index: 1 }
    })
    h!.connect(B)
    const [result] = await h!.service.syncNow(B)
    await settle()
    expect(result).toMatchObject({ ok: true, entriesIn: 1 })
    expect(h!.service.counters().rangesRejected).toEqual({ bad_signature: 1 })
    const [rec, ...rest] = h!.service.rejections()
    expect(rest).toEqual([])
    expect(rec).toMatchObject({ peerId: B.toString(), code: 'bad_signature', via: 'sync' })
    // the refused entry is the one at `index` of the range, and its id is that of its bytes
    expect(rec?.id).toBe(entryId(e2.hash))
  })

  it('pulls the gap behind an entry that arrives ahead of our head from its sender, and only that range', async () => {
    h!.store.head.callsFake((a) => hex(a) === hex(e1.author) ? { author: e1.author, seq: 1, hash: e1.hash } : undefined)
    h!.store.ingest.resolves({ status: 'rejected', code: 'wrong_seq', message: 'gap', entry: e3 })
    const r = responder()
    h!.answerWith(r.script)
    h!.connect(A)
    expect(await h!.validate(A, entryMsg(e3.bytes))).toBe(Ignore)
    await settle()
    expect(h!.connectionManager.openStream.firstCall.args[0]).toBe(A)
    // no heads exchange: one GET for seq 2..3
    expect(r.seen).toEqual([[{ type: 'get', author: e1.author, from: 2, to: 3 }]])
    expect(h!.service.counters()).toMatchObject({ gapPulls: 1, gossipIgnored: { wrong_seq: 1 } })
    // an entry at or below our head + 1 is no gap to chase
    h!.store.ingest.resolves({ status: 'rejected', code: 'wrong_seq', message: 'old', entry: e2 })
    expect(await h!.validate(A, entryMsg(e2.bytes))).toBe(Ignore)
    await settle()
    expect(h!.service.counters().gapPulls).toBe(1)
    expect(h!.connectionManager.openStream.callCount).toBe(1)
  })
})
