import { describe, expect, it, onTestFinished } from 'vitest'
import type { Entry } from '@kiez/feed'
import type { FeedStore } from '@kiez/store'
import { directoryBytes, levelOptionsFor, Quota } from './index.js'
import { entriesOf, full, hex, openStore, signer, tempDir } from '../test/helpers.js'

const MiB = 1024 * 1024

async function startQuota (
  path: string,
  maxBytes: number,
  exempt: Set<string>
): Promise<{ quota: Quota, store: FeedStore }> {
  const quota = new Quota({ path, maxBytes, ingestPerHour: 0, authorShare: 1, exempt: (a) => exempt.has(hex(a)) })
  const store = await openStore(path, { gate: quota.gate, leveldb: levelOptionsFor(maxBytes) })
  await quota.attach(store)
  onTestFinished(async () => await quota.stop())
  return { quota, store }
}

/** Every entry of `log` is held, with its payload. */
async function expectAllHeld (store: FeedStore, log: Entry[]): Promise<void> {
  const author = log[0]?.author as Uint8Array
  expect(store.head(author)?.seq).toBe(log.length)
  const held = await store.range(author, 1, undefined, { maxEntries: 100_000, maxBytes: 1e9 })
  expect(held.map((e) => hex(e.hash))).toEqual(log.map((e) => hex(e.hash)))
  expect(held.every((e) => e.payload !== undefined)).toBe(true)
}

describe('the storage budget', () => {
  it('keeps a store of many far authors under its budget on disk, evicting their payloads oldest first; the exempt keep everything', async () => {
    const path = tempDir()
    const maxBytes = 4 * MiB
    const mine = entriesOf(1, 150, 1500, 1_000)
    const neighbour = entriesOf(2, 150, 1500, 2_000)
    const { quota, store } = await startQuota(
      path,
      maxBytes,
      new Set([hex(signer(1).publicKey), hex(signer(2).publicKey)])
    )
    await store.ingestRange(mine.map(full))
    let peak = 0
    let deferred = 0
    // 40 far authors × 60 entries × 1.5 KB ≈ 3.6 MB of payloads, more than the whole budget
    for (let n = 10; n < 50; n++) {
      const far = entriesOf(n, 60, 1500, 10_000 * n)
      for (let i = 0; i < far.length; i += 20) {
        const r = await store.ingestRange(far.slice(i, i + 20).map(full))
        if (r.deferred !== undefined) deferred++
        await quota.check()
        peak = Math.max(peak, await directoryBytes(path))
      }
      if (n === 30) await store.ingestRange(neighbour.map(full))
    }
    await quota.check()
    const used = await directoryBytes(path)
    console.log(
      `storage budget: max ${maxBytes}, peak on disk ${peak}, after ${used}, status ${
        JSON.stringify(quota.status())
      }, ranges deferred ${deferred}`
    )
    expect(peak).toBeLessThanOrEqual(maxBytes)
    expect(used).toBeLessThanOrEqual(maxBytes)
    const s = quota.status()
    expect(s.payloadsEvicted).toBeGreaterThan(500)
    expect(s.usedBytes).toBeLessThanOrEqual(maxBytes)
    await expectAllHeld(store, mine)
    await expectAllHeld(store, neighbour)
    // oldest first: the first far author lost its payloads (or its headers too: forgotten whole, being the
    // least recently active), and no far author keeps a payload while a newer one has lost all of its own.
    // How far eviction went depends on when LevelDB's compactions free the files, so not which author it stopped at.
    const first = await store.range(signer(10).publicKey, 1)
    expect(first.every((e) => e.payload === undefined)).toBe(true)
    const keeps: boolean[] = []
    for (let n = 10; n < 50; n++) {
      keeps.push((await store.range(signer(n).publicKey, 1)).some((e) => e.payload !== undefined))
    }
    const firstKept = keeps.indexOf(true)
    if (firstKept >= 0) {
      expect(keeps.slice(firstKept).every(Boolean), `payloads held by far author: ${keeps.join(',')}`).toBe(true)
    }
    // the counters are kept in the store
    await quota.stop()
    await store.close()
    const again = await startQuota(path, maxBytes, new Set([hex(signer(1).publicKey), hex(signer(2).publicKey)]))
    expect(again.quota.status().payloadsEvicted).toBeGreaterThanOrEqual(s.payloadsEvicted)
    await expectAllHeld(again.store, mine)
  })

  it('forgets far authors whole, least recently active first, once payloads are not enough', async () => {
    const path = tempDir()
    const maxBytes = 1 * MiB
    const mine = entriesOf(1, 100, 1000, 1_000)
    const { quota, store } = await startQuota(path, maxBytes, new Set([hex(signer(1).publicKey)]))
    await store.ingestRange(mine.map(full))
    let peak = 0
    // headers only: ~350 B each on disk, 40 authors × 100 = 4 000 of them, more than 1 MiB
    for (let n = 10; n < 50; n++) {
      const far = entriesOf(n, 100, 0, 10_000 * n)
      await store.ingestRange(far.map((e) => e.bytes))
      await quota.check()
      peak = Math.max(peak, await directoryBytes(path))
    }
    const s = quota.status()
    console.log(`forgetting authors: max ${maxBytes}, peak on disk ${peak}, status ${JSON.stringify(s)}`)
    expect(peak).toBeLessThanOrEqual(maxBytes)
    expect(s.headersTruncated).toBeGreaterThan(0)
    expect(s.headersTruncated % 100).toBe(0) // whole authors
    await expectAllHeld(store, mine)
    expect(store.head(signer(10).publicKey)).toBeUndefined() // the least recently active went first
    expect(store.head(signer(49).publicKey)?.seq).toBe(100)
  })

  it('defers every far entry while the exempt data alone is over the budget', async () => {
    const path = tempDir()
    const { quota, store } = await startQuota(path, 512 * 1024, new Set([hex(signer(1).publicKey)]))
    const mine = entriesOf(1, 400, 1500)
    await store.ingestRange(mine.map(full))
    await quota.check()
    expect(quota.full).toBe(true)
    const far = entriesOf(10, 5, 100)
    expect(await store.ingestRange(far.map(full))).toMatchObject({ stored: 0, deferred: { index: 0 } })
    expect(quota.gate.takesPayload(signer(10).publicKey)).toBe(false)
    await expectAllHeld(store, mine)
  })
})
