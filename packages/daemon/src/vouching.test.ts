import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signerFromSeed, type KnownBody } from '@kiez/feed'
import { ClaimsIndex } from '@kiez/members'
import { FeedStore } from '@kiez/store'
import { describe, expect, it, onTestFinished } from 'vitest'
import { authorName } from './entry-json.js'
import { createLogger } from './logger.js'
import { Vouching, type VouchingInit } from './vouching.js'

// Vouching alone: a real store and claims index, the node's view of mDNS and connections given as lists.

const T0 = 1_800_000_000_000
const DAY = 24 * 60 * 60 * 1000
const box = signerFromSeed(new Uint8Array(32).fill(3))
const neighbours = [5, 6, 7, 8].map((b) => signerFromSeed(new Uint8Array(32).fill(b)))
const ids = neighbours.map((s) => authorName(s.publicKey))

async function setup (view: { mdns: string[], connected: string[] }, init: VouchingInit = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kiez-vouching-'))
  const clock = { now: T0 }
  const store = await FeedStore.open({ path: dir, now: () => clock.now })
  const claims = new ClaimsIndex(store, { now: () => clock.now })
  claims.start()
  onTestFinished(async () => {
    claims.stop()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const published: KnownBody[] = []
  const vouching = new Vouching({
    owner: box.publicKey,
    mdnsPeers: () => view.mdns,
    connectedPeers: async () => view.connected,
    vouches: claims,
    publish: async (body) => {
      published.push(body)
      return await store.append(box, body)
    },
    logger: createLogger({ level: 'silent' }),
    now: () => clock.now
  }, init)
  onTestFinished(() => vouching.stop())
  return { store, claims, clock, vouching, published }
}

describe('Vouching', () => {
  it('vouches for boxes mDNS hears that are connected, not for a box only connected (DHT, bootstrap)', async () => {
    const view = { mdns: [ids[0]!, ids[1]!], connected: [ids[0]!, ids[2]!] }
    const { vouching, published, claims } = await setup(view)
    expect(await vouching.tick()).toBe(1)
    expect(published).toEqual([{ type: 'vouch', box: neighbours[0]!.publicKey, seenAt: T0 }])
    expect(claims.seenBy(neighbours[0]!.publicKey)).toBe(1)
    expect(claims.seenBy(neighbours[2]!.publicKey)).toBe(0)
    // heard but not (yet) connected: the key is not proven, no vouch until it is
    view.connected.push(ids[1]!)
    expect(await vouching.tick()).toBe(1)
  })

  it('vouches once a day per box, again the next day while still seen, never for itself', async () => {
    const self = authorName(box.publicKey)
    const view = { mdns: [ids[0]!, self], connected: [ids[0]!, self] }
    const { vouching, published, clock } = await setup(view)
    expect(await vouching.tick()).toBe(1)
    clock.now += DAY - 1
    expect(await vouching.tick()).toBe(0)
    clock.now += 1
    expect(await vouching.tick()).toBe(1)
    expect(published.map((b) => b.type === 'vouch' && b.seenAt)).toEqual([T0, T0 + DAY])
  })

  it('publishes at most maxPerDay vouches in any 24 hours', async () => {
    const view = { mdns: [...ids], connected: [...ids] }
    const { vouching, clock } = await setup(view, { maxPerDay: 2 })
    expect(await vouching.tick()).toBe(2)
    clock.now += 60_000
    expect(await vouching.tick()).toBe(0)
    clock.now += DAY
    expect(await vouching.tick()).toBe(2)
  })

  it('does not vouch again after a restart for a box it vouched for today', async () => {
    const view = { mdns: [ids[0]!], connected: [ids[0]!] }
    const first = await setup(view)
    expect(await first.vouching.tick()).toBe(1)
    // a second index over the same store, as after a restart
    const again = new ClaimsIndex(first.store, { now: () => first.clock.now })
    again.start()
    onTestFinished(() => again.stop())
    await again.ready()
    expect(again.vouchOf(box.publicKey, neighbours[0]!.publicKey)?.seenAt).toBe(T0)
    const restarted = new Vouching({
      owner: box.publicKey,
      mdnsPeers: () => view.mdns,
      connectedPeers: async () => view.connected,
      vouches: again,
      publish: async (body) => await first.store.append(box, body),
      logger: createLogger({ level: 'silent' }),
      now: () => first.clock.now
    })
    expect(await restarted.tick()).toBe(0)
  })
})
