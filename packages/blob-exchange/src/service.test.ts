import { sha256 } from '@kiez/feed'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { peerIdFromString } from '@libp2p/peer-id'
import { eventually } from '@kiez/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { BlobExchange, type BlobHost } from './service.js'

const nodes: Libp2p[] = []
const exchanges: BlobExchange[] = []

afterEach(async () => {
  for (const x of exchanges.splice(0)) await x.stop()
  await Promise.all(nodes.splice(0).map(async (n) => await n.stop()))
})

function hostOf (n: Libp2p): BlobHost {
  return {
    handle: async (p, h, o) => await n.handle(p, h, o),
    unhandle: async (p) => await n.unhandle(p),
    openStream: async (peer, p, o) => await n.dialProtocol(peerIdFromString(peer), p, o),
    connected: () => [...new Set(n.getConnections().map((c) => c.remotePeer.toString()))]
  }
}

/** A box: a real libp2p node with an exchange over an in-memory blob map; `lie` alters every blob it serves. */
async function box (
  opts: { lie?: boolean, slowGetMs?: number } = {}
): Promise<{ node: Libp2p, x: BlobExchange, held: Map<string, Uint8Array>, gets: { now: number, max: number } }> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  nodes.push(node)
  const held = new Map<string, Uint8Array>()
  const gets = { now: 0, max: 0 }
  const key = (h: Uint8Array): string => Buffer.from(h).toString('hex')
  const x = new BlobExchange({
    host: hostOf(node),
    get: async (h) => {
      gets.max = Math.max(gets.max, ++gets.now)
      if (opts.slowGetMs !== undefined) await new Promise((resolve) => setTimeout(resolve, opts.slowGetMs))
      gets.now--
      const b = held.get(key(h))
      if (b === undefined || opts.lie !== true) return b
      const bad = b.slice()
      bad[bad.length >> 1] = (bad[bad.length >> 1] as number) ^ 1
      return bad
    },
    put: async (h, b) => {
      held.set(key(h), b)
    },
    hopTimeoutMs: 2_000
  })
  await x.start()
  exchanges.push(x)
  return { node, x, held, gets }
}

const blob = (n: number, size: number): Uint8Array => {
  const b = new Uint8Array(size)
  for (let i = 0; i < size; i++) b[i] = (i * 31 + n) & 255
  return b
}

describe('/kiez/blob/1.0.0 between real nodes', () => {
  it('fetches a 900 KiB blob in chunks across a relay, checked; the relay keeps it; an unknown blob is not_found', async () => {
    const [a, b, c] = [await box(), await box(), await box()]
    await a.node.dial(b.node.getMultiaddrs())
    await b.node.dial(c.node.getMultiaddrs())
    await eventually(() => c.node.getConnections().length > 0 ? true : undefined, {
      what: 'the far box to see its connection',
      timeoutMs: 5000
    })
    const bytes = blob(1, 900 * 1024)
    const h = sha256(bytes)
    a.held.set(Buffer.from(h).toString('hex'), bytes)
    const got = await c.x.fetch(h)
    expect(Buffer.compare(got, bytes)).toBe(0)
    expect(b.held.size).toBe(1) // the relay kept it
    expect(b.x.counters).toMatchObject({ fetched: 1, served: 1, servedBytes: bytes.byteLength })
    expect(a.x.counters).toMatchObject({ served: 1 })
    await expect(c.x.fetch(sha256(blob(2, 10)))).rejects.toMatchObject({ code: 'not_found' })
  })

  it('refuses a lying neighbour\'s altered blob, does not ask it again, and takes the honest one\'s', async () => {
    const [asker, liar, honest] = [await box(), await box({ lie: true }), await box()]
    await asker.node.dial(liar.node.getMultiaddrs())
    await asker.node.dial(honest.node.getMultiaddrs())
    const bytes = blob(3, 300_000)
    const h = sha256(bytes)
    for (const b of [liar, honest]) b.held.set(Buffer.from(h).toString('hex'), bytes)
    // the liar first
    const got = await asker.x.fetch(h, { prefer: [liar.node.peerId.toString()] })
    expect(Buffer.compare(got, bytes)).toBe(0)
    expect(asker.x.counters.refused).toBe(1)
    expect(asker.x.liars()).toEqual([{ peerId: liar.node.peerId.toString(), blobs: 1 }])
    expect(liar.x.counters.served).toBe(1)
    expect(honest.x.counters.served).toBe(1)
    // again: the liar is not asked for that blob
    await asker.x.fetch(h, { prefer: [liar.node.peerId.toString()] })
    expect(liar.x.counters.served).toBe(1)
    expect(honest.x.counters.served).toBe(2)
  })

  it('serves at most 2 blobs at once to one neighbour; the others are refused busy or reset, never queued', async () => {
    const [a, b] = [await box(), await box({ slowGetMs: 300 })]
    await a.node.dial(b.node.getMultiaddrs())
    const all = Array.from({ length: 6 }, (_, i) => blob(10 + i, 600_000))
    for (const bytes of all) b.held.set(Buffer.from(sha256(bytes)).toString('hex'), bytes)
    const results = await Promise.allSettled(all.map(async (bytes) => await a.x.fetch(sha256(bytes), { hops: 0 })))
    const ok = results.filter((r) => r.status === 'fulfilled').length
    expect(b.gets.max).toBeLessThanOrEqual(2)
    expect(ok).toBeGreaterThanOrEqual(2)
    expect(ok).toBeLessThan(6)
    expect(b.x.counters.served).toBe(ok)
  })
})
