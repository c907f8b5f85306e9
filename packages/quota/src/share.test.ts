import { describe, expect, it, onTestFinished } from 'vitest'
import { Quota } from './index.js'
import { entriesOf, full, hex, openStore, signer, tempDir } from '../test/helpers.js'

describe('the per-author share', () => {
  it('refuses payloads once an author holds its share, defers once its headers alone do; the exempt are not subject', async () => {
    const path = tempDir()
    // a 1 MiB budget of which 1/32 (32 KiB) per author
    const quota = new Quota({
      path,
      maxBytes: 1024 * 1024,
      ingestPerHour: 0,
      exempt: (a) => hex(a) === hex(signer(9).publicKey)
    })
    const store = await openStore(path, { gate: quota.gate })
    await quota.attach(store)
    onTestFinished(async () => await quota.stop())
    const bob = entriesOf(2, 200, 1000)
    const r = await store.ingestRange(bob.map(full))
    // ~1.3 KiB an entry with payload: the share is reached near entry 25, then headers only (~350 B each)
    expect(r.deferred).toBeDefined()
    expect(r.payloads.stored).toBeGreaterThan(20)
    expect(r.payloads.stored).toBeLessThan(30)
    expect(r.payloads.refused).toBeGreaterThan(0)
    expect(r.stored).toBeGreaterThan(r.payloads.stored + 10)
    expect(r.stored).toBeLessThan(200)
    expect(quota.gate.takesPayload(signer(2).publicKey)).toBe(false)
    expect(await store.missingPayloads()).toEqual([]) // refused payloads are not fetched
    // the counts survive a restart: one scan at start
    await quota.stop()
    await store.close()
    const again = new Quota({ path, maxBytes: 1024 * 1024, ingestPerHour: 0 })
    const reopened = await openStore(path, { gate: again.gate })
    await again.attach(reopened)
    onTestFinished(async () => await again.stop())
    expect(await reopened.ingestRange(bob.slice(r.stored).map(full))).toMatchObject({
      stored: 0,
      deferred: { index: 0 }
    })
    // an exempt author is never held back by it
    const mine = entriesOf(9, 200, 1000)
    const q3 = new Quota({
      path: tempDir(),
      maxBytes: 1024 * 1024,
      ingestPerHour: 0,
      exempt: (a) => hex(a) === hex(signer(9).publicKey)
    })
    const s3 = await openStore(tempDir(), { gate: q3.gate })
    await q3.attach(s3)
    onTestFinished(async () => await q3.stop())
    expect(await s3.ingestRange(mine.map(full))).toMatchObject({ stored: 200, payloads: { stored: 200 } })
  })
})
