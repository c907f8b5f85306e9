import { lpStream } from '@libp2p/utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Lab, connect, newAuthor } from '../test/helpers.js'
import {
  decodeMessage,
  encodeMessage,
  HeadIdCache,
  HeadSet,
  headItemId,
  MAX_FRAME_BYTES,
  SYNC_PROTOCOL,
  SYNC_PROTOCOL_RECONCILE,
  type WireHead
} from './index.js'

const head = (n: number, seq: number, forkedAt?: number): WireHead => {
  const h: WireHead = { author: new Uint8Array(32).fill(n), seq, hash: new Uint8Array(32).fill(seq) }
  if (forkedAt !== undefined) h.forkedAt = forkedAt
  return h
}

describe('head item ids', () => {
  it('differ when seq, hash or fork mark differ, and not for the timestamp', () => {
    const a = head(1, 5)
    const hexOf = (h: WireHead): string => Buffer.from(headItemId(h)).toString('hex')
    expect(hexOf({ ...a, timestamp: 99 })).toBe(hexOf(a))
    expect(hexOf(head(1, 6))).not.toBe(hexOf(a))
    expect(hexOf(head(1, 5, 3))).not.toBe(hexOf(a))
    expect(hexOf({ ...a, hash: new Uint8Array(32) })).not.toBe(hexOf(a))
  })

  it('the id cache answers as headItemId, and notices a head that moved', () => {
    const cache = new HeadIdCache()
    const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex')
    for (
      const h of [head(1, 5), head(1, 5), head(1, 6), head(1, 6, 4), { ...head(1, 6, 4), hash: new Uint8Array(32) }]
    ) {
      expect(hexOf(cache.id(h))).toBe(hexOf(headItemId(h)))
    }
  })

  it('rebuilds the peer vector from the difference', () => {
    const ours = new HeadSet([head(1, 1), head(2, 2), head(3, 3)])
    const weOnly = new Set([Buffer.from(headItemId(head(2, 2))).toString('hex')])
    const theirs = ours.theirs(weOnly, [head(2, 4), head(9, 1)])
    expect(theirs.map((h) => `${h.author[0]}:${h.seq}`).sort()).toEqual(['1:1', '2:4', '3:3', '9:1'])
  })
})

describe('heads exchange by set reconciliation (/kiez/sync/2.1.0)', () => {
  let lab: Lab
  beforeEach(async () => {
    lab = new Lab()
    await lab.init()
  })
  afterEach(async () => {
    await lab.cleanup()
  })

  it('pulls what differs both ways, and the diagnostics see the whole peer vector', async () => {
    const a = await lab.node(await lab.store('a'), { syncOnConnect: false })
    const b = await lab.node(await lab.store('b'), { syncOnConnect: false })
    const shared = Array.from({ length: 40 }, () => newAuthor())
    for (const s of shared) {
      const e = await a.store.append(s, { type: 'post', text: 'shared' })
      await b.store.ingest(e.bytes, e.payload)
    }
    const onlyA = newAuthor()
    const onlyB = newAuthor()
    await a.store.append(onlyA, { type: 'post', text: 'a' })
    await a.store.append(onlyA, { type: 'post', text: 'a2' })
    await b.store.append(onlyB, { type: 'post', text: 'b' })
    await b.store.append(shared[0]!, { type: 'post', text: 'b is ahead' })
    await connect(a, b)
    expect(a.node.getProtocols()).toContain(SYNC_PROTOCOL_RECONCILE)

    const [r] = await a.repl.syncNow(b.node.peerId)
    expect(r).toMatchObject({ ok: true, entriesIn: 2 })
    expect(a.repl.counters().reconcileExchanges).toBeGreaterThanOrEqual(1) // b may already have opened its own session to a
    expect(b.repl.counters().reconcileExchanges).toBeGreaterThanOrEqual(1)
    expect(a.store.head(onlyB.publicKey)?.seq).toBe(1)
    expect(a.store.head(shared[0]!.publicKey)?.seq).toBe(2)
    // a's view of b: all 41 of b's heads (40 shared, one of them ahead, and onlyB), rebuilt from the 39 in common and the 2 b sent
    const peer = a.repl.info().peers[0]!
    expect(peer.heads).toHaveLength(41)
    expect(peer.theyLack).toBe(2) // onlyA's two entries
    // b, as responder, learnt a's vector too, and pulls onlyA by itself
    const bView = b.repl.info().peers[0]!
    expect(bView.heads).toHaveLength(41)
    await b.repl.syncNow(a.node.peerId)
    expect(b.store.head(onlyA.publicKey)?.seq).toBe(2)
    // now in sync: an idle exchange is a few hundred bytes
    const bytes = a.repl.counters().headsExchangeBytes
    await a.repl.syncNow(b.node.peerId)
    expect(a.repl.counters().headsExchangeBytes - bytes).toBeLessThan(1024)
    expect(a.repl.info().peers[0]!.weLack).toBe(0)
    expect(a.repl.info().peers[0]!.theyLack).toBe(0)
  })

  it('falls back to 2.0.0 with a box that does not speak 2.1.0', async () => {
    const a = await lab.node(await lab.store('a'), { syncOnConnect: false })
    const old = await lab.node(await lab.store('o'), { syncOnConnect: false, reconcileHeads: false })
    const author = newAuthor()
    await old.store.append(author, { type: 'post', text: 'from an old box' })
    await connect(a, old)
    expect(old.node.getProtocols()).not.toContain(SYNC_PROTOCOL_RECONCILE)
    const [r] = await a.repl.syncNow(old.node.peerId)
    expect(r).toMatchObject({ ok: true, entriesIn: 1 })
    expect(a.repl.counters().reconcileExchanges).toBe(0)
    const [r2] = await old.repl.syncNow(a.node.peerId)
    expect(r2?.ok).toBe(true)
  })

  it('refuses malformed reconciliation with bad_message, and RECONCILE on 2.0.0', async () => {
    const server = await lab.node(await lab.store('s'))
    await server.store.append(newAuthor(), { type: 'post', text: 'x' })
    const client = await lab.node(await lab.store('c'), { syncOnConnect: false })
    await connect(client, server)
    const cases: Array<[string, Uint8Array]> = [
      [SYNC_PROTOCOL_RECONCILE, encodeMessage({ type: 'reconcile', message: Uint8Array.of(0x61, 0x00, 0x00, 0x07) })],
      [
        SYNC_PROTOCOL_RECONCILE,
        encodeMessage({ type: 'reconcile', message: Uint8Array.of(0x61, 0x00, 0x00, 0x02, 0x09) })
      ],
      [SYNC_PROTOCOL, encodeMessage({ type: 'reconcile', message: Uint8Array.of(0x61, 0x00, 0x00, 0x02, 0x00) })],
      // getHeads before any reconciliation
      [SYNC_PROTOCOL_RECONCILE, encodeMessage({ type: 'getHeads', ids: [new Uint8Array(32)], more: false })]
    ]
    for (const [protocol, frame] of cases) {
      const s = await client.node.dialProtocol(server.node.peerId, protocol)
      const lp = lpStream(s, { maxDataLength: MAX_FRAME_BYTES })
      await lp.write(frame)
      expect(decodeMessage((await lp.read()).subarray())).toMatchObject({ type: 'error', code: 'bad_message' })
      s.abort(new Error('done'))
    }
    // a getHeads for an id the responder never offered
    const s = await client.node.dialProtocol(server.node.peerId, SYNC_PROTOCOL_RECONCILE)
    const lp = lpStream(s, { maxDataLength: MAX_FRAME_BYTES })
    await lp.write(encodeMessage({ type: 'reconcile', message: Uint8Array.of(0x61, 0x00, 0x00, 0x02, 0x00) }))
    expect(decodeMessage((await lp.read()).subarray())).toMatchObject({ type: 'reconcile' })
    await lp.write(encodeMessage({ type: 'heads', heads: [], more: false }))
    await lp.write(encodeMessage({ type: 'getHeads', ids: [new Uint8Array(32)], more: false }))
    expect(decodeMessage((await lp.read()).subarray())).toMatchObject({ type: 'error', code: 'bad_message' })
    s.abort(new Error('done'))
    expect(server.repl.counters().syncServeErrors.bad_message).toBe(5)
  })
})
