/**
 * Cases 3 and 8: attacks that need several honest boxes. Real daemons on
 * 127.0.0.1 joined in a line by --bootstrap (no mDNS), rogues at the ends or
 * in the middle.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createEntry, sha256, signerFromSeed, type Signer } from '@kiez/feed'
import type { WireHead } from '@kiez/replication'
import { report, sleep, sum, type LocalDaemon } from './daemons.ts'
import { gossipEntry, item, randomSigner, type WireItem } from './rogue.ts'
import { useBoxes } from './fixture.ts'

const { daemon, rogue, halt } = useBoxes()
const newSigner = (): Signer => signerFromSeed(randomSigner().seed)

describe('adversarial: several boxes', () => {
  it(
    'case 3: equivocation: two seq-1 entries, one to each end of a 4-box line: every box proves the fork and freezes the feed',
    async () => {
      const boxes: LocalDaemon[] = [await daemon()]
      for (let i = 1; i < 4; i++) boxes.push(await daemon(['--bootstrap', boxes[i - 1]!.addr]))
      await eventually(async () => {
        const peers = await Promise.all(boxes.map(async (b) => (await b.status()).counts.peers))
        return peers.every((p) => p >= 1) && peers[1]! >= 2 && peers[2]! >= 2
      }, { what: 'the line to connect', timeoutMs: 30_000, intervalMs: 200 })
      const left = await rogue()
      const right = await rogue()
      await left.dial(boxes[0]!.addr)
      await right.dial(boxes[3]!.addr)
      await eventually(
        () => left.topicPeers().includes(boxes[0]!.peerId) && right.topicPeers().includes(boxes[3]!.peerId),
        { what: 'both rogues known as topic peers', timeoutMs: 15_000, intervalMs: 200 }
      )
      const author = newSigner()
      const now = Date.now()
      const x = createEntry(author, {
        seq: 1,
        previous: null,
        timestamp: now,
        body: { type: 'post', text: 'the ladder is in my shed' }
      })
      const y = createEntry(author, {
        seq: 1,
        previous: null,
        timestamp: now,
        body: { type: 'post', text: 'I never had a ladder' }
      })
      const t0 = Date.now()
      await Promise.all([left.publish(gossipEntry(item(x))), right.publish(gossipEntry(item(y)))])
      const frozenAt: number[] = []
      await Promise.all(boxes.map(async (b, i) => {
        await eventually(async () => (await b.status()).store.forks >= 1, {
          what: `box ${i} to hold the fork proof`,
          timeoutMs: 60_000
        })
        frozenAt[i] = Date.now() - t0
      }))
      // frozen: the author's next entry, on either branch, is refused everywhere
      const next = createEntry(author, {
        seq: 2,
        previous: x.hash,
        timestamp: now + 1,
        body: { type: 'post', text: 'after the fork' }
      })
      await left.publish(gossipEntry(item(next)))
      await sleep(1500)
      const counters0 = await Promise.all(boxes.map(async (b) => (await b.sync()).counters))
      await sleep(5000)
      const counters1 = await Promise.all(boxes.map(async (b) => (await b.sync()).counters))
      const statuses = await Promise.all(boxes.map(async (b) => await b.status()))
      const reqs = (c: typeof counters0) =>
        c.reduce((n, k) => n + (k.syncRequestsMade as number) + (k.gapPulls as number), 0)
      report({
        case: 3,
        name: 'equivocation',
        boxes: boxes.length,
        timeToFreezeMeshWideMs: Math.max(...frozenAt),
        frozenAtMs: frozenAt,
        forkProofsIn: counters1.map((c) => c.forkProofsIn),
        refetchRequestsTotal: reqs(counters1),
        refetchRequestsLast5s: reqs(counters1) - reqs(counters0),
        entriesPerBox: statuses.map((s) => s.counts.entries)
      })
      for (const s of statuses) {
        expect(s.store.forks).toBe(1)
        expect(s.counts.entries).toBe(1) // one branch's seq 1 each, never seq 2
      }
      // no re-fetch loop: nothing is requested once the mesh is frozen
      expect(reqs(counters1) - reqs(counters0)).toBe(0)
      for (const c of counters1) expect(c.forkProofsIn as number).toBeLessThanOrEqual(3)
    },
    120_000
  )

  it(
    'case 8: a free rider in the middle that never gossips: pull sync still delivers everything behind it',
    async () => {
      const a = await daemon()
      // the free rider: no gossipsub at all; pulls from A and serves what it holds, as the protocol asks
      const held = new Map<string, WireItem[]>()
      const rider = await rogue({ gossip: false, serve: held })
      const b = await daemon(['--bootstrap', rider.addr()])
      const connA = await rider.dial(a.addr)
      await eventually(() => rider.node.getConnections().some((c) => c.remotePeer.toString() === b.peerId), {
        what: 'B connected to the rider',
        timeoutMs: 20_000,
        intervalMs: 200
      })
      let stop = false
      halt(() => {
        stop = true
      })
      const relay = (async () => {
        while (!stop) {
          try {
            const s = await rider.openSync(connA)
            await s.send({ type: 'heads', heads: [], more: false })
            const h = await s.recv()
            if (h?.type === 'heads') {
              for (const head of h.heads) {
                const key = Buffer.from(head.author).toString('hex')
                const have = held.get(key) ?? []
                while (have.length < head.seq) {
                  await s.send({ type: 'get', author: head.author, from: have.length + 1, to: head.seq })
                  const m = await s.recv()
                  if (m?.type !== 'entries' || m.items.length === 0) {
                    break
                  }
                  have.push(...m.items)
                }
                held.set(key, have)
              }
            }
            await s.close()
            // tell B our heads (a heads exchange, then end): B pulls what it lacks right away
            const toB = await rider.openSync(
              rider.node.getConnections().find((c) => c.remotePeer.toString() === b.peerId)!
            )
            const heads: WireHead[] = [...held].map(([k, es]) => ({
              author: Buffer.from(k, 'hex'),
              seq: es.length,
              hash: sha256(es[es.length - 1]!.entry)
            }))
            await toB.send({ type: 'heads', heads, more: false })
            await toB.recv()
            await toB.close()
          } catch { /* next round */ }
          await sleep(1000)
        }
      })()
      const M = 50
      const t0 = Date.now()
      for (let i = 0; i < M; i++) await a.client.post({ text: `behind the free rider ${i}` })
      await eventually(async () => (await b.status()).counts.entries === M, {
        what: 'B to have every entry',
        timeoutMs: 60_000,
        intervalMs: 250
      })
      const ms = Date.now() - t0
      stop = true
      await relay
      const sb = await b.sync()
      const st = await b.status()
      report({
        case: 8,
        name: 'free rider',
        posted: M,
        delivered: st.counts.entries,
        deliveryRatio: st.counts.entries / M,
        msUntilAllDelivered: ms,
        gossipReceivedAtB: sb.counters.gossipReceived,
        entriesInBySyncAtB: sb.counters.entriesIn
      })
      expect(st.counts.entries).toBe(M)
      expect(sb.counters.gossipReceived).toBe(0) // nothing came by gossip: A and B are not connected
      expect(sb.counters.entriesIn).toBe(M)
      expect(sum(sb.counters.rangesRejected)).toBe(0)
    },
    120_000
  )
})
