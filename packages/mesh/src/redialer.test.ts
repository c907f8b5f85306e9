import { describe, expect, it, onTestFinished } from 'vitest'
import { eventually } from '@kiez/testing'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Redialer } from './redialer.js'
import { DiscoveryDialer, type DialHost } from './dialer.js'
import { backoffDelay } from './backoff.js'
import { KeyedLimiter } from './limiter.js'
import type { Connection, PeerId } from '@libp2p/interface'

/** Stops `x` when the test finishes, failed or not; stop() is idempotent, so a test may stop it earlier. */
function stopAfter<T extends { stop: () => void }> (x: T): T {
  onTestFinished(() => x.stop())
  return x
}

async function somePeer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** A dial host whose peers answer only after `failFirst` refused dials. */
class FlakyHost implements DialHost {
  readonly dials = new Map<string, number>()
  readonly connected = new Set<string>()
  active = 0
  maxActive = 0
  constructor (private readonly failFirst: number) {}
  async dial (peer: any): Promise<Connection> {
    const key = peer.toString()
    const n = (this.dials.get(key) ?? 0) + 1
    this.dials.set(key, n)
    this.active++
    this.maxActive = Math.max(this.maxActive, this.active)
    await new Promise(resolve => setTimeout(resolve, 5))
    this.active--
    if (n <= this.failFirst) throw new Error('ECONNREFUSED')
    this.connected.add(key)
    return {} as Connection
  }

  getConnections (peerId?: PeerId): Connection[] {
    if (peerId == null) return [...this.connected].map(() => ({}) as Connection)
    return this.connected.has(peerId.toString()) ? [{} as Connection] : []
  }
}

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters within [d/2, d]', () => {
    expect(backoffDelay(0, 1000, 60_000, () => 0)).toBe(500)
    expect(backoffDelay(0, 1000, 60_000, () => 1)).toBe(1000)
    expect(backoffDelay(3, 1000, 60_000, () => 1)).toBe(8000)
    expect(backoffDelay(50, 1000, 60_000, () => 1)).toBe(60_000)
    expect(backoffDelay(50, 1000, 60_000, () => 0)).toBe(30_000)
    expect(backoffDelay(-1, 1000, 60_000, () => 1)).toBe(1000)
  })
})

describe('KeyedLimiter', () => {
  it('deduplicates keys, bounds the queue and the concurrency', async () => {
    const limiter = new KeyedLimiter(2, 3)
    let active = 0
    let maxActive = 0
    let done = 0
    const task = async () => {
      active++
      maxActive = Math.max(maxActive, active)
      await new Promise(resolve => setTimeout(resolve, 10))
      active--
      done++
    }
    const accepted = ['a', 'b', 'c', 'd', 'e', 'f', 'a'].map(k => limiter.add(k, task))
    // a, b start at once; c, d, e wait; f does not fit; the second a is a duplicate
    expect(accepted).toEqual([true, true, true, true, true, false, false])
    await eventually(() => done === 5, { what: 'tasks done', timeoutMs: 5000 })
    expect(maxActive).toBe(2)
    expect(limiter.size).toBe(0)
  })
})

describe('Redialer', () => {
  it('keeps redialing a lost neighbour until it answers, then stops', async () => {
    const host = new FlakyHost(3)
    const attempts: number[] = []
    const r = stopAfter(
      new Redialer(host, {
        concurrency: 2,
        baseMs: 5,
        capMs: 20,
        maxTracked: 10,
        onAttempt: (_p, n) => attempts.push(n)
      })
    )
    r.start()
    const peer = await somePeer()
    r.lost(peer)
    r.lost(peer) // duplicate report of the same loss
    await eventually(() => host.connected.has(peer.toString()), { what: 'reconnected', timeoutMs: 5000 })
    expect(host.dials.get(peer.toString())).toBe(4)
    expect(attempts).toEqual([0, 1, 2, 3])
    expect(r.waiting()).toEqual([])
  })

  it('bounds concurrent redials and the number of tracked peers, and stops on stop()', async () => {
    const host = new FlakyHost(Number.MAX_SAFE_INTEGER)
    const r = stopAfter(new Redialer(host, { concurrency: 2, baseMs: 1, capMs: 5, maxTracked: 4 }))
    r.start()
    const peers = await Promise.all(Array.from({ length: 6 }, somePeer))
    for (const p of peers) r.lost(p)
    expect(r.waiting()).toHaveLength(4)
    await eventually(() => [...host.dials.values()].reduce((a, b) => a + b, 0) >= 20, {
      what: 'many attempts',
      timeoutMs: 5000
    })
    expect(host.maxActive).toBeLessThanOrEqual(2)
    expect(host.dials.has(peers[5]!.toString())).toBe(false)
    r.stop()
    const after = [...host.dials.values()].reduce((a, b) => a + b, 0)
    await new Promise(resolve => setTimeout(resolve, 50))
    // at most the dials already in flight when stop() ran
    expect([...host.dials.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(after + 2)
    expect(r.waiting()).toEqual([])
  })

  it('forgets a peer that reconnected by itself', async () => {
    const host = new FlakyHost(Number.MAX_SAFE_INTEGER)
    const r = stopAfter(new Redialer(host, { concurrency: 1, baseMs: 10_000, capMs: 10_000, maxTracked: 4 }))
    r.start()
    const p = await somePeer()
    r.lost(p)
    expect(r.waiting()).toHaveLength(1)
    r.connected(p)
    expect(r.waiting()).toHaveLength(0)
  })
})

describe('DiscoveryDialer', () => {
  it('dials a discovered peer once, not again within minRetryMs, and never a connected one', async () => {
    const host = new FlakyHost(1)
    let now = 1_000_000
    const d = stopAfter(
      new DiscoveryDialer(host, {
        concurrency: 2,
        maxQueued: 4,
        minRetryMs: 10_000,
        maxConnections: 10,
        now: () => now
      })
    )
    const peer = await somePeer()
    expect(d.discovered({ id: peer, multiaddrs: [] })).toBe(true)
    expect(d.discovered({ id: peer, multiaddrs: [] })).toBe(false) // in flight
    await eventually(() => host.dials.get(peer.toString()) === 1, { what: 'first dial', timeoutMs: 5000 })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(d.discovered({ id: peer, multiaddrs: [] })).toBe(false) // too soon after a failed dial
    now += 10_001
    expect(d.discovered({ id: peer, multiaddrs: [] })).toBe(true)
    await eventually(() => host.connected.has(peer.toString()), { what: 'second dial connects', timeoutMs: 5000 })
    now += 10_001
    expect(d.discovered({ id: peer, multiaddrs: [] })).toBe(false) // already connected
    d.stop()
    const later = await somePeer()
    expect(d.discovered({ id: later, multiaddrs: [] })).toBe(false)
    d.start() // the node was started again
    expect(d.discovered({ id: later, multiaddrs: [] })).toBe(true)
    // queued, but not dialed while the node's services are still starting
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(host.dials.get(later.toString())).toBeUndefined()
    d.afterStart()
    await eventually(() => host.dials.get(later.toString()) === 1, { what: 'dial after restart', timeoutMs: 5000 })
  })
})
