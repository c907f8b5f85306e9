/**
 * Cases 4, 6, 7, 8: what a rogue can do with `/kiez/sync/2.0.0` (and gaps in
 * gossip). Real daemons on 127.0.0.1, a rogue libp2p node speaking raw frames.
 */
import { describe, expect, it } from 'vitest'
import { eventually } from '@kiez/testing'
import { createEntry, signerFromSeed, type Signer } from '@kiez/feed'
import { report, sleep, type LocalDaemon } from './daemons.ts'
import { chain, gossipEntry, randomSigner, RawSync, type WireItem } from './rogue.ts'
import { useBoxes } from './fixture.ts'

const { daemon, rogue } = useBoxes()
const hexOf = (s: Signer): string => Buffer.from(s.publicKey).toString('hex')
const newSigner = (): Signer => signerFromSeed(randomSigner().seed)

/** Gives `d` feeds by letting it pull them from an honest rogue; resolves when it counts `total` entries. */
async function seed (d: LocalDaemon, feeds: Map<string, WireItem[]>, total: number): Promise<void> {
  const src = await rogue({ serve: feeds, gossip: false })
  await src.dial(d.addr)
  await eventually(async () => (await d.status()).counts.entries === total, {
    what: `the box to pull ${total} entries`,
    timeoutMs: 60_000,
    intervalMs: 200
  })
  await src.stop()
}

describe('adversarial: sync', () => {
  it('case 4: gaps (seq N+5 before N+1): nothing buffered, the gap is pulled; a forged gap pulls nothing', async () => {
    const a = await daemon()
    const author = newSigner()
    const feed = chain(author, 10)
    const served = new Map<string, WireItem[]>()
    const r = await rogue({ serve: served })
    await r.dial(a.addr)
    await eventually(() => r.topicPeers().includes(a.peerId), {
      what: 'A subscribed towards the rogue',
      timeoutMs: 15_000,
      intervalMs: 200
    })
    // A synced with us on connect and found nothing; from now on we hold the feed
    await eventually(async () => (await a.counter('syncSessionsMade')) >= 1, {
      what: 'the connect-time session',
      timeoutMs: 15_000,
      intervalMs: 200
    })
    served.set(hexOf(author), feed)

    // a forged seq 100 first: its signature fails before any seq rule, so no pull
    await r.publish(gossipEntry(forgedGap(newSigner())))
    const pullsBefore = await a.counter('gapPulls')

    await r.publish(gossipEntry(feed[5]!)) // seq 6, A's head is 0
    await eventually(async () => (await a.status()).counts.entries === 6, {
      what: 'A to pull seq 1..6',
      timeoutMs: 20_000,
      intervalMs: 200
    })
    await r.publish(gossipEntry(feed[9]!)) // seq 10, A's head is 6
    await eventually(async () => (await a.status()).counts.entries === 10, {
      what: 'A to pull seq 7..10',
      timeoutMs: 20_000,
      intervalMs: 200
    })
    const sy = await a.sync()
    const st = await a.status()
    report({
      case: 4,
      name: 'gaps',
      maxBuffered: 0,
      gapPulls: sy.counters.gapPulls,
      forgedGapPulls: pullsBefore,
      syncRequestsMade: sy.counters.syncRequestsMade,
      entriesIn: sy.counters.entriesIn,
      gossipIgnored: sy.counters.gossipIgnored,
      stored: st.counts.entries
    })
    expect(pullsBefore).toBe(0)
    expect(sy.counters.gapPulls).toBeGreaterThanOrEqual(2)
    expect(sy.counters.gossipIgnored).toMatchObject({ wrong_seq: 2 })
    expect(st.store.rejected).toMatchObject({ bad_signature: 1 })
    // the two gossiped entries themselves came by sync (the store keeps no out-of-order buffer)
    expect(sy.counters.entriesIn).toBe(10)
  }, 90_000)

  it('case 6: "everything since seq 0" again and again: served bytes stay within the per-peer rate', async () => {
    const a = await daemon()
    const feeds = new Map<string, WireItem[]>()
    const authors = Array.from({ length: 4 }, newSigner)
    for (const s of authors) feeds.set(hexOf(s), chain(s, 1500, (i) => `entry ${i} `.padEnd(200, '.')))
    await seed(a, feeds, 6000)
    const r = await rogue({ gossip: false })
    const conn = await r.dial(a.addr)
    const W = 10_000
    const t0 = Date.now()
    let bytesIn = 0
    let bytesOut = 0
    let requests = 0
    let busy = 0
    const worker = async (): Promise<void> => {
      while (Date.now() - t0 < W) {
        let s: RawSync
        try {
          s = await r.openSync(conn)
        } catch {
          await sleep(50)
          continue
        }
        try {
          for (const au of authors) {
            if (Date.now() - t0 >= W) break
            await s.send({ type: 'get', author: au.publicKey, from: 1, to: Number.MAX_SAFE_INTEGER })
            requests++
            const m = await s.recv(15_000)
            if (m?.type === 'error') {
              if (m.code === 'busy') busy++
              break
            }
            if (m?.type !== 'entries') break
          }
        } catch { /* a reset stream: open the next */ }
        bytesIn += s.bytesOut
        bytesOut += s.bytesIn
        await s.close()
      }
    }
    // three streams at once: one more than a peer may hold
    await Promise.all([worker(), worker(), worker()])
    const elapsed = (Date.now() - t0) / 1000
    const served = await a.counter('bytesOut')
    // token bucket per peer (SYNC.md §4): 8 MiB/s, burst max(rate, 1 032 192) = 8 MiB
    const rate = 8 * 1024 * 1024
    const limit = rate * elapsed + rate
    report({
      case: 6,
      name: 'sync amplification',
      seconds: Math.round(elapsed * 10) / 10,
      requests,
      busy,
      bytesIn,
      bytesOut,
      amplification: Math.round(bytesOut / Math.max(1, bytesIn)),
      servedEntryBytesPerSecond: Math.round(served / elapsed),
      rateLimitBytesPerSecond: 8 * 1024 * 1024
    })
    expect(served).toBeLessThanOrEqual(limit)
    expect(bytesOut).toBeLessThanOrEqual(limit + requests * 4096)
    expect(busy).toBeGreaterThan(0)
  }, 120_000)

  it('case 7: lying length prefixes are refused before allocation', async () => {
    const a = await daemon()
    const r = await rogue({ gossip: false })
    const conn = await r.dial(a.addr)
    await sleep(500)
    const [rss0, hwm0] = a.rssKiB()
    const probes: Array<[string, Uint8Array]> = [
      ['varint claiming 4 GiB', new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x10])],
      ['length 1 MiB + 1', new Uint8Array([0x81, 0x80, 0x40])],
      ['endless varint', new Uint8Array(64).fill(0x80)],
      ['2^63 varint', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])]
    ]
    const answers: Record<string, Record<string, number>> = {}
    const rounds = Number(process.env.ADV_ROUNDS ?? 50)
    for (let i = 0; i < rounds; i++) {
      for (const [name, bytes] of probes) {
        const s = await r.openSync(conn)
        s.sendRaw(bytes)
        let got: string
        try {
          const m = await s.recv(10_000)
          got = m === undefined ? 'closed' : m.type === 'error' ? m.code : m.type
        } catch (err) {
          got = (err as Error).name
        }
        ;(answers[name] ??= {})[got] = (answers[name][got] ?? 0) + 1
        await s.close()
      }
    }
    // a frame exactly at the cap (1 MiB of garbage) is read, then refused as not CBOR
    const big = new Uint8Array(3 + 1024 * 1024)
    big.set([0x80, 0x80, 0x40])
    big.fill(0xff, 3)
    const s = await r.openSync(conn)
    s.sendRaw(big)
    const capAnswer = await s.recv(20_000)
    await s.close()
    const st = await a.status()
    const [rss1, hwm1] = a.rssKiB()
    const sy = await a.sync()
    report({
      case: 7,
      name: 'lying length prefixes',
      streams: rounds * probes.length + 1,
      answers,
      capFrameAnswer: capAnswer?.type === 'error' ? capAnswer.code : capAnswer?.type,
      serveErrors: sy.counters.syncServeErrors,
      rssGrowthKiB: rss1 - rss0,
      peakRssGrowthKiB: hwm1 - hwm0
    })
    for (const [name] of probes) expect(answers[name], name).toEqual({ too_large: rounds })
    expect(capAnswer).toMatchObject({ type: 'error', code: 'bad_message' })
    expect(st.peerId).toBe(a.peerId) // still serving
    // nothing near the 4 GiB (or even 1 MiB per stream) claimed was held
    expect(hwm1 - hwm0).toBeLessThan(64 * 1024)
  }, 120_000)
})

/** A well-formed entry at seq 100 (a gap), with its payload, whose signature over the header does not verify. */
function forgedGap (s: Signer): WireItem {
  const e = createEntry(s, {
    seq: 100,
    previous: new Uint8Array(32).fill(7),
    timestamp: Date.now(),
    body: { type: 'post', text: 'seq 100' }
  })
  const bytes = Uint8Array.from(e.bytes)
  bytes[bytes.length - 1]! ^= 1
  return { entry: bytes, payload: e.payload! }
}
