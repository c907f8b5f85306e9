import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, signerFromSeed, type Entry } from '@kiez/feed'
import { FeedStore, type IngestGate } from '@kiez/store'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DaemonNode } from './node.js'
import { StorageWiring } from './storage.js'

const entriesOf = (seed: number, count: number): Entry[] => {
  const s = signerFromSeed(new Uint8Array(32).fill(seed))
  const out: Entry[] = []
  for (let seq = 1; seq <= count; seq++) {
    out.push(
      createEntry(s, {
        seq,
        previous: out.at(-1)?.hash ?? null,
        timestamp: Date.now(),
        body: { type: 'post', text: `${seq}` }
      })
    )
  }
  return out
}

/** How many of `log` the gate admits before the first defer. */
const admitted = (gate: IngestGate, log: Entry[]): number => {
  const i = log.findIndex((e) => gate.admit(e) === 'defer')
  return i === -1 ? log.length : i
}

describe('the daemon\'s storage wiring', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiez-storage-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('exempts its own key and every peer it connected to, across a restart; composes the gates given first', async () => {
    const own = signerFromSeed(new Uint8Array(32).fill(1)).publicKey
    const neighbour = entriesOf(2, 50)
    const far = entriesOf(3, 50)
    const path = join(dir, 'feed')
    const peerId = peerIdFromPublicKey(publicKeyFromRaw(neighbour[0]?.author as Uint8Array)).toString()
    let store = await FeedStore.open({ path })
    const listeners: Array<(e: { peerId: string, connected: boolean }) => void> = []
    const node = {
      onPeer: (fn: (e: { peerId: string, connected: boolean }) => void) => (listeners.push(fn), () => {}),
      peers: async () => []
    }
    let wiring = new StorageWiring({ maxMb: 64 })
    expect(wiring.gate.admit(far[0] as Entry)).toBe('store') // not started: lets everything through
    await wiring.start(store, { path, dataDir: dir, owner: own })
    wiring.watch(node as unknown as DaemonNode)
    expect(admitted(wiring.gate, neighbour)).toBe(30) // not a neighbour yet
    for (const fn of listeners) fn({ peerId, connected: true })
    expect(admitted(wiring.gate, neighbour)).toBe(50)
    expect(admitted(wiring.gate, far)).toBe(30)
    expect(wiring.status(0)).toMatchObject({ maxBytes: 64 * 1024 * 1024, payloadsEvicted: 0, full: false })
    await wiring.stop()
    await store.close()

    store = await FeedStore.open({ path })
    const blocked: string[] = []
    const first: IngestGate = {
      admit: (e) => (blocked.push(Buffer.from(e.author).toString('hex')), 'header'),
      takesPayload: () => false
    }
    wiring = new StorageWiring({ maxMb: 64 }, [first])
    await wiring.start(store, { path, dataDir: dir, owner: own })
    expect(admitted(wiring.gate, neighbour)).toBe(50) // remembered
    expect(wiring.gate.admit(neighbour[0] as Entry)).toBe('header') // the first gate's verdict counts
    expect(blocked.length).toBeGreaterThan(0)
    await wiring.stop()
    await store.close()
  })

  it('counts a peer that connected before the watch began as a neighbour (the node dials as it starts)', async () => {
    const own = signerFromSeed(new Uint8Array(32).fill(1)).publicKey
    const neighbour = entriesOf(4, 50)
    const path = join(dir, 'feed')
    const peerId = peerIdFromPublicKey(publicKeyFromRaw(neighbour[0]?.author as Uint8Array)).toString()
    const store = await FeedStore.open({ path })
    const wiring = new StorageWiring({ maxMb: 64 })
    await wiring.start(store, { path, dataDir: dir, owner: own })
    const node = {
      onPeer: () => () => {},
      peers: async () => [{ peerId, connected: true }, { peerId: 'not a peer id', connected: true }]
    }
    expect(admitted(wiring.gate, neighbour)).toBe(30)
    wiring.watch(node as unknown as DaemonNode)
    await new Promise((resolve) => setImmediate(resolve))
    expect(admitted(wiring.gate, entriesOf(4, 50))).toBe(50)
    await wiring.stop()
    await store.close()
  })
})
