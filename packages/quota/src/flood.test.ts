import { describe, expect, it, onTestFinished } from 'vitest'
import type { Entry } from '@kiez/feed'
import { directoryBytes, levelOptionsFor, Quota } from './index.js'
import { entriesOf, full, hex, NOW, openStore, signer, tempDir } from '../test/helpers.js'

const MiB = 1024 * 1024
const KEYS = 100
const PER_KEY = 2000
const RANGE = 500 // entries per sync batch (ENTRIES carries at most 500)

/**
 * Issue 13's flood, without the network: 200 000 entries of 100 far keys
 * arrive in sync-sized ranges, key after key in turn, at a box of 64 MiB, beside
 * its own posts and a neighbour's feed. The disk is measured after every range.
 */
async function flood (ingestPerHour: number | undefined): Promise<{ peak: number, status: object, stored: number }> {
  const path = tempDir()
  const maxBytes = 64 * MiB
  const exempt = new Set([hex(signer(1).publicKey), hex(signer(2).publicKey)])
  const quota = new Quota({
    path,
    maxBytes,
    exempt: (a) => exempt.has(hex(a)),
    ...(ingestPerHour !== undefined ? { ingestPerHour } : {})
  })
  const store = await openStore(path, { gate: quota.gate, leveldb: levelOptionsFor(maxBytes) })
  await quota.attach(store)
  onTestFinished(async () => await quota.stop())
  const neighbour = entriesOf(2, 400, 300, NOW - 5_000_000)
  const own: Entry[] = []
  const logs = Array.from({ length: KEYS }, () => [] as Entry[])
  let peak = 0
  let stored = 0
  for (let round = 0; round < PER_KEY / RANGE; round++) {
    for (let k = 0; k < KEYS; k++) {
      const prev = logs[k]?.at(-1)
      const range = entriesOf(100 + k, RANGE, 300, NOW - 4_000_000 + round * RANGE, round * RANGE + 1, prev)
      logs[k] = range
      // a deferred range is pulled again later (here: never; the flood is what is measured)
      stored += (await store.ingestRange(range.map(full))).stored
      if (k % 10 === 0) {
        await store.ingestRange(neighbour.slice(own.length * 10, own.length * 10 + 10).map(full))
        own.push(await store.append(signer(1), { type: 'post', text: `own ${own.length}` }))
      }
      peak = Math.max(peak, await directoryBytes(path))
    }
  }
  await quota.check()
  peak = Math.max(peak, await directoryBytes(path))
  // every entry of its own and its neighbour's, with payloads
  expect(store.head(signer(1).publicKey)?.seq).toBe(own.length)
  expect(store.head(signer(2).publicKey)?.seq).toBe(neighbour.length)
  for (const log of [own, neighbour]) {
    const author = log[0]?.author as Uint8Array
    const held = await store.range(author, 1, undefined, { maxEntries: 100_000, maxBytes: 1e9 })
    expect(held.map((e) => hex(e.hash))).toEqual(log.map((e) => hex(e.hash)))
    expect(held.every((e) => e.payload !== undefined)).toBe(true)
  }
  expect(peak).toBeLessThan(maxBytes)
  return { peak, status: quota.status(), stored }
}

describe('issue 13: a 64 MiB box under a flood of 200 000 entries from 100 keys', () => {
  it('with the ingest budget: each far key stops at its burst', async () => {
    const r = await flood(undefined)
    console.log(`flood, ingest budget on: ${JSON.stringify(r)}`)
    expect(r.stored).toBe(KEYS * 30)
  }, 120_000)

  it(
    'without it (the storage budget alone): stays under 64 MiB on disk, evicting far payloads and authors',
    async () => {
      const r = await flood(0)
      console.log(`flood, ingest budget off: ${JSON.stringify(r)}`)
      expect(r.stored).toBeGreaterThan(50_000)
    },
    600_000
  )
})
