import { describe, expect, it } from 'vitest'
import { ingestBudget } from './index.js'
import { entriesOf, full, hex, openStore, signer, tempDir } from '../test/helpers.js'

describe('the ingest budget', () => {
  const bob = entriesOf(2, 40, 10)

  it('takes a burst of 30, defers the rest, and takes more as the budget refills (120 an hour)', async () => {
    let now = 0
    const gate = ingestBudget({ now: () => now })
    const store = await openStore(tempDir(), { gate })
    const r = await store.ingestRange(bob.map(full))
    expect(r).toMatchObject({ stored: 30, deferred: { index: 30 } })
    expect(store.head(signer(2).publicKey)?.seq).toBe(30)
    // what sync asks a peer for: nothing more now
    expect(store.room(signer(2).publicKey)).toBe(0)
    expect(store.room(signer(9).publicKey)).toBe(30) // an author not seen yet: its burst
    expect(await store.ingest(bob[30]?.bytes as Uint8Array)).toMatchObject({ status: 'deferred' })
    now += 30_000 // one entry per 30 s
    expect(store.room(signer(2).publicKey)).toBe(1)
    expect(await store.ingestRange(bob.slice(30).map(full))).toMatchObject({ stored: 1, deferred: { index: 1 } })
    now += 3_600_000 // refilled to the burst, not beyond
    expect(await store.ingestRange(bob.slice(31).map(full))).toMatchObject({ stored: 9 })
    expect(store.head(signer(2).publicKey)?.seq).toBe(40)
  })

  it('never defers an exempt author, and each author has a bucket of its own', async () => {
    const carol = entriesOf(3, 40, 10)
    const gate = ingestBudget({ now: () => 0, exempt: (a) => hex(a) === hex(signer(3).publicKey) })
    const store = await openStore(tempDir(), { gate })
    expect(await store.ingestRange(carol.map(full))).toMatchObject({ stored: 40 })
    expect(store.room(signer(3).publicKey)).toBe(Infinity)
    expect(await store.ingestRange(bob.map(full))).toMatchObject({ stored: 30 })
  })

  it('is off at 0 an hour; a bounded table forgets the least recently seen author (a full bucket again)', () => {
    expect(ingestBudget({ perHour: 0 })).toBeUndefined()
    const gate = ingestBudget({ now: () => 0, burst: 1, maxAuthors: 2 })
    const [a, b, c] = [entriesOf(4, 1, 1)[0], entriesOf(5, 1, 1)[0], entriesOf(6, 1, 1)[0]]
    if (gate === undefined || a === undefined || b === undefined || c === undefined) throw new Error('setup')
    expect([gate.admit(a), gate.admit(a), gate.admit(b), gate.admit(c)]).toEqual(['store', 'defer', 'store', 'store'])
    expect(gate.admit(a)).toBe('store') // forgotten, so full again: the table stays bounded
    expect(gate.takesPayload(a.author)).toBe(true)
  })
})
