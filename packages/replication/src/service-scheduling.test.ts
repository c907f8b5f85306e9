import type { PeerId, PeerStore } from '@libp2p/interface'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  entries,
  harness,
  type Harness,
  newPeerId,
  payloadCounts,
  responder,
  settle,
  stubLogger
} from '../test/stubbed.js'
import { streamPair } from '@libp2p/utils'
import { SYNC_PROTOCOL, SYNC_PROTOCOL_RECONCILE } from './constants.js'
import { Framed } from './framing.js'
import { ReplicationError } from './errors.js'
import { type FeedPubSub, ReplicationService } from './replication.js'
import { hex } from './util.js'
import { stubInterface } from 'sinon-ts'
import type { FeedStore } from '@kiez/store'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'

/** When the service opens a sync session, and when it does not: pinned against stubs under fake timers. */
describe('ReplicationService: when a sync runs', () => {
  let A: PeerId
  let B: PeerId
  let h: Harness | undefined
  beforeAll(async () => {
    A = await newPeerId()
    B = await newPeerId()
  })

  it('registers the sync handler one stream over its per-peer cap, a topology and the topic validator, and undoes it all on stop', async () => {
    h = await harness({ maxStreamsPerPeer: 3 })
    const topic = '/kiez/unit/feed/2'
    // 2.1.0 (heads by reconciliation) and 2.0.0, the same handler and limits
    expect(h.registrar.handle.getCalls().map((c) => c.args[0])).toEqual([SYNC_PROTOCOL_RECONCILE, SYNC_PROTOCOL])
    for (const c of h.registrar.handle.getCalls()) {
      expect(c.args[2]).toEqual({ maxInboundStreams: 4, maxOutboundStreams: 2 })
    }
    // only peers whose identify names /kiez/sync reach onConnect: the registrar's topology filters them
    expect(h.registrar.register.firstCall.args[0]).toBe(SYNC_PROTOCOL)
    expect(h.pubsub.topicValidators.has(topic)).toBe(true)
    expect(h.pubsub.subscribe.calledOnceWith(topic)).toBe(true)
    await h.service.stop()
    expect(h.registrar.unregister.calledOnceWith('topology-1')).toBe(true)
    expect(h.registrar.unhandle.getCalls().map((c) => c.args[0])).toEqual([SYNC_PROTOCOL_RECONCILE, SYNC_PROTOCOL])
    expect(h.pubsub.topicValidators.has(topic)).toBe(false)
    expect(h.pubsub.unsubscribe.calledOnceWith(topic)).toBe(true)
    expect(h.service.isStarted()).toBe(false)
  })

  it('refuses to start without gossipsub, or with a gossipsub that signs messages', async () => {
    const base = {
      peerId: A,
      registrar: stubInterface<Registrar>(),
      connectionManager: stubInterface<ConnectionManager>(),
      peerStore: stubInterface<PeerStore>(),
      logger: stubLogger()
    }
    const init = { store: stubInterface<FeedStore>(), mesh: 'unit' }
    const missing = new ReplicationService({
      ...base,
      get pubsub (): never {
        throw new Error('libp2p: no service pubsub')
      }
    }, init)
    await expect(missing.start()).rejects.toMatchObject({ code: 'bad_config' })
    const signing = new ReplicationService({
      ...base,
      pubsub: stubInterface<FeedPubSub>({ globalSignaturePolicy: 'StrictSign', topicValidators: new Map() })
    }, init)
    await expect(signing.start()).rejects.toMatchObject({ code: 'bad_config', message: /StrictNoSign/ })
    expect(base.registrar.handle.called).toBe(false)
  })

  it('opens one full session when a sync peer connects, once the topology callback has returned', async () => {
    h = await harness({ syncIntervalMs: 0 })
    const r = responder()
    h.answerWith(r.script)
    h.connect(A)
    expect(h.connectionManager.openStream.callCount).toBe(0) // never inside libp2p's event handler
    await settle()
    expect(h.connectionManager.openStream.callCount).toBe(1)
    const [peer, protocol, opts] = h.connectionManager.openStream.firstCall.args
    expect([peer, protocol]).toEqual([A, [SYNC_PROTOCOL_RECONCILE, SYNC_PROTOCOL]]) // 2.1.0 preferred
    expect(opts?.signal).toBeInstanceOf(AbortSignal)
    // a full session starts with our heads
    expect(r.seen).toEqual([[{ type: 'heads', heads: [], more: false }]])
    expect(h.service.counters().syncSessionsMade).toBe(1)
    expect(h.errors).toEqual([])
  })

  it('syncs with a peer identified before its topology was registered (no callback came) at the next interval; not with one that does not speak sync', async () => {
    // a box dialing out while it starts: identify finishes before replication registers its topology
    h = await harness({ syncIntervalMs: 1000 })
    h.answerWith(responder().script)
    const C = await newPeerId()
    h.connectUnseen(A, ['/ipfs/id/1.0.0', SYNC_PROTOCOL])
    h.connectUnseen(B, ['/ipfs/id/1.0.0']) // a stock libp2p node
    h.connectUnseen(C, undefined) // connected, not identified yet: its identify will reach the topology
    await settle()
    expect(h.connectionManager.openStream.callCount).toBe(0)
    await vi.advanceTimersByTimeAsync(1000)
    await settle()
    expect(h.connectionManager.openStream.getCalls().map((c) => c.args[0])).toEqual([A])
    expect(h.service.info().peers.map((p) => p.peerId)).toEqual([A.toString()])
    expect(h.errors).toEqual([])
  })

  it('with syncOnConnect off and no interval, a connecting peer is tracked but never synced with', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0 })
    h.connect(A)
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(h.connectionManager.openStream.callCount).toBe(0)
    expect(h.service.info().peers.map((p) => [p.peerId, p.syncing])).toEqual([[A.toString(), false]])
  })

  it('syncs with every connected peer each syncIntervalMs, and not with one that left', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 1000 })
    h.answerWith(responder().script)
    h.connect(A)
    h.connect(B)
    await vi.advanceTimersByTimeAsync(999)
    expect(h.connectionManager.openStream.callCount).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    const peers = (): string[] => h!.connectionManager.openStream.getCalls().map((c) => String(c.args[0]))
    expect(peers().sort()).toEqual([A.toString(), B.toString()].sort())
    await vi.advanceTimersByTimeAsync(1000)
    await settle()
    expect(peers()).toHaveLength(4)
    h.disconnect(B)
    await vi.advanceTimersByTimeAsync(1000)
    await settle()
    expect(peers()).toHaveLength(5)
    expect(peers()[4]).toBe(A.toString())
    expect(h.service.counters().syncSessionsMade).toBe(5)
  })

  it('never runs two sessions with one peer at once: triggers while one runs fold into a single follow-up', async () => {
    h = await harness({ syncIntervalMs: 1000 })
    const held = h.holdStreams()
    h.connect(A)
    await settle()
    expect(held).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(3000) // three ticks
    h.connect(A) // a second connection to the same peer
    const now = h.service.syncNow(A)
    await settle()
    expect(held).toHaveLength(1)
    expect(h.service.info().peers[0]?.syncing).toBe(true)
    const r = responder()
    await held[0]!.answer(r.script)
    await settle()
    expect(held).toHaveLength(2) // exactly one more: the triggers asked for "a full sync", not for four
    await held[1]!.answer(r.script)
    await settle()
    expect(held).toHaveLength(2)
    expect(await now).toEqual([{ peerId: A.toString(), ok: true, entriesIn: 0 }])
    expect(h.service.info().peers[0]?.syncing).toBe(false)
  })

  it('after a failed session it waits for the next tick, counts the failure by code and shows it until a session succeeds', async () => {
    h = await harness({ syncIntervalMs: 1000 })
    h.connectionManager.openStream.rejects(new Error('dial failed'))
    h.connect(A)
    await settle()
    expect(h.connectionManager.openStream.callCount).toBe(1)
    expect(h.service.counters().syncSessionsFailed).toEqual({ stream: 1 })
    expect(h.service.info().peers[0]).toMatchObject({ lastSyncError: 'stream: dial failed', syncing: false })
    await vi.advanceTimersByTimeAsync(999)
    expect(h.connectionManager.openStream.callCount).toBe(1) // no retry loop, no backoff: the interval is the retry
    h.connectionManager.openStream.rejects(new ReplicationError('timeout', 'sync stream timed out'))
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(h.connectionManager.openStream.callCount).toBe(2)
    expect(h.service.counters().syncSessionsFailed).toEqual({ stream: 1, timeout: 1 })
    h.answerWith(responder().script)
    await vi.advanceTimersByTimeAsync(1000)
    await settle()
    const info = h.service.info().peers[0]
    expect(info?.lastSyncError).toBeUndefined()
    expect(info?.lastSyncAtMs).toBe(Date.now())
    expect(h.service.counters().syncSessionsMade).toBe(1)
  })

  it('a failed session ends the run: a sync asked for while it ran waits for the next tick too', async () => {
    h = await harness({ syncIntervalMs: 1000 })
    const held = h.holdStreams()
    h.connect(A)
    await settle()
    const now = h.service.syncNow(A) // folds into the session in flight
    held[0]!.fail(new Error('reset'))
    expect(await now).toEqual([{ peerId: A.toString(), ok: false, error: 'stream: reset', entriesIn: 0 }])
    await vi.advanceTimersByTimeAsync(999)
    expect(held).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(held).toHaveLength(2)
  })

  it('does not dial a peer that is no longer connected: syncNow refuses it, a stale onConnect is dropped', async () => {
    h = await harness({ syncIntervalMs: 0 })
    await expect(h.service.syncNow(A)).rejects.toMatchObject({ code: 'not_connected' })
    void h.topology().onConnect?.(B, stubInterface()) // the connection closed before the callback ran
    await settle()
    expect(h.connectionManager.openStream.callCount).toBe(0)
    expect(h.service.info().peers).toEqual([])
  })

  it('syncNow() without a peer reports every connected peer, each on its own', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0 })
    const ok = responder()
    h.connectionManager.openStream.callsFake(async (peer) => {
      if (String(peer) === B.toString()) throw new Error('refused')
      const [out, inb] = await streamPair()
      void ok.script(new Framed(inb), A)
      return out
    })
    h.connect(A)
    h.connect(B)
    const results = await h.service.syncNow()
    expect(results.sort((x, y) => x.peerId.localeCompare(y.peerId))).toEqual(
      [
        { peerId: A.toString(), ok: true, entriesIn: 0 },
        { peerId: B.toString(), ok: false, error: 'stream: refused', entriesIn: 0 }
      ].sort((x, y) => x.peerId.localeCompare(y.peerId))
    )
  })

  it('stop() aborts a session in flight, waits for it, and no tick runs after', async () => {
    h = await harness({ syncIntervalMs: 1000 })
    const held = h.holdStreams()
    h.connect(A)
    await settle()
    expect(held[0]?.signal.aborted).toBe(false)
    await h.service.stop()
    expect(held[0]?.signal.aborted).toBe(true)
    expect(vi.getTimerCount()).toBe(0) // the interval is gone, not merely idle
    await vi.advanceTimersByTimeAsync(10_000)
    expect(held).toHaveLength(1)
  })

  it('pulls at once from a peer whose inbound session shows it has what we lack, and not from one that does not', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0 })
    const [e1, e2] = entries(7, 2)
    const head = (e: typeof e1) => ({ author: e!.author, seq: e!.seq, hash: e!.hash })
    h.store.heads.returns([head(e1)]) // we hold seq 1
    const r = responder([head(e2)])
    h.answerWith(r.script)
    h.connect(A)
    h.connect(B)
    // A holds seq 2, B holds seq 1 too
    for (const [peer, theirs] of [[A, e2], [B, e1]] as const) {
      const f = await h.inbound(peer)
      await f.send({ type: 'heads', heads: [head(theirs)], more: false })
      expect(await f.recv()).toEqual({ type: 'heads', heads: [head(e1)], more: false })
      await f.stream.close()
    }
    await settle()
    expect(h.connectionManager.openStream.getCalls().map((c) => String(c.args[0]))).toEqual([A.toString()])
    // the session it opened asks A for the entry we lack
    expect(r.seen[0]?.map((m) => m.type)).toEqual(['heads', 'get'])
    expect(h.service.counters().syncSessionsServed).toBe(2)
  })

  it('a session that used up maxEntriesPerSession is followed by another at once, until the peer has nothing we lack', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0, maxEntriesPerSession: 2 })
    const log = entries(9, 5)
    const author = log[0]!.author
    let seq = 0
    h.store.heads.callsFake(() => seq === 0 ? [] : [{ author, seq, hash: log[seq - 1]!.hash }])
    h.store.head.callsFake((a) =>
      seq === 0 || hex(a) !== hex(author) ? undefined : { author, seq, hash: log[seq - 1]!.hash }
    )
    h.store.ingestRange.callsFake(async (items) => {
      seq += items.length
      return { stored: items.length, duplicates: 0, payloads: payloadCounts({ absent: items.length }) }
    })
    const r = responder(
      [{ author, seq: 5, hash: log[4]!.hash }],
      (m) => log.slice(m.from - 1, m.to).map((e) => e.bytes)
    )
    h.answerWith(r.script)
    h.connect(A)
    const [result] = await h.service.syncNow(A)
    await settle()
    expect(result).toEqual({ peerId: A.toString(), ok: true, entriesIn: 5 })
    const gets = r.seen.map((s) => s.flatMap((m) => m.type === 'get' ? [[m.from, m.to]] : []))
    expect(gets).toEqual([[[1, 2]], [[3, 4]], [[5, 5]]])
    expect(seq).toBe(5)
  })

  it('drops state a late message made for a peer that is gone at the next tick, pending gaps and all', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 1000 })
    const [, , e3] = entries(4, 3)
    h.store.ingest.resolves({ status: 'rejected', code: 'wrong_seq', message: 'gap', entry: e3! })
    await h.validate(B, Uint8Array.of(0x01, ...e3!.bytes)) // B is not connected (any more)
    await settle()
    expect(h.connectionManager.openStream.callCount).toBe(0)
    await vi.advanceTimersByTimeAsync(1000)
    h.connected.add(B.toString()) // were the state kept, it would show now, with the gap still pending
    expect(h.service.info().peers).toEqual([])
  })

  it('keeps what a departed neighbour last said, and forgets it when it connects again', async () => {
    h = await harness({ syncOnConnect: false, syncIntervalMs: 0 })
    const [e1] = entries(8, 1)
    const heard: Array<[string, number]> = []
    h.service.onHeads((peer, heads) => heard.push([peer, heads.length]))
    h.connect(A)
    const f = await h.inbound(A)
    await f.send({ type: 'heads', heads: [{ author: e1!.author, seq: 1, hash: e1!.hash }], more: false })
    await f.recv()
    await f.stream.close()
    expect(heard).toEqual([[A.toString(), 1]])
    h.disconnect(A)
    const gone = h.service.info().departed ?? []
    expect(gone.map((p) => [p.peerId, p.weLack, p.disconnectedAtMs])).toEqual([[A.toString(), 1, Date.now()]])
    h.connect(A)
    expect(h.service.info().departed).toEqual([])
  })
})
