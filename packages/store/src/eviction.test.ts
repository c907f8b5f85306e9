import { describe, expect, it } from 'vitest'
import { INDEX_BYTES } from './index.js'
import { full, hex, Log, openStore, post, signer, tempDir } from '../test/helpers.js'

function logOf (n: number, count: number, text = 'x'): Log {
  const log = new Log(signer(n))
  for (let i = 1; i <= count; i++) log.add(post(`${text} ${n}.${i}`))
  return log
}

describe('space eviction', () => {
  const bob = logOf(2, 6)
  const carol = logOf(3, 4)

  it('counts bytes per author: headers with their indexes, and payloads', async () => {
    const store = await openStore()
    await store.ingestRange(bob.entries.map(full))
    await store.ingestRange(carol.entries.slice(0, 2).map((e) => e.bytes)) // headers only
    const bytes = await store.authorBytes()
    const b = bytes.get(hex(signer(2).publicKey) as string)
    expect(b?.entries).toBe(6)
    expect(b?.headerBytes).toBe(bob.entries.reduce((n, e) => n + e.bytes.byteLength + INDEX_BYTES, 0))
    expect(b?.payloadBytes).toBe(bob.entries.reduce((n, e) => n + (e.payload?.byteLength ?? 0), 0))
    expect(bytes.get(hex(signer(3).publicKey) as string)).toMatchObject({ entries: 2, payloadBytes: 0 })
  })

  it('evicts payloads in one batch: headers, heads and ranges stay, nothing is listed as missing', async () => {
    const store = await openStore()
    await store.ingestRange(bob.entries.map(full))
    await store.ingestRange(carol.entries.map(full))
    const held = await store.heldPayloads({ limit: 100, skip: (a) => hex(a) === hex(signer(3).publicKey) })
    expect(held.payloads.map((p) => hex(p.author))).toEqual(Array(6).fill(hex(signer(2).publicKey)))
    expect(held.next).toBeUndefined()
    const victims = held.payloads.slice(0, 4).map((p) => p.hash)
    const evicted = await store.evictPayloads([...victims, new Uint8Array(32)])
    expect(evicted.map((e) => hex(e.hash))).toEqual(victims.map(hex))
    expect(evicted[0]?.bytes).toBe(bob.entries[0]?.payload?.byteLength)
    expect(await store.evictPayloads(victims)).toEqual([]) // gone already
    for (const [i, e] of bob.entries.entries()) {
      const got = await store.get(e.hash)
      expect(got?.seq).toBe(e.seq)
      expect(got?.payload === undefined).toBe(i < 4)
    }
    expect(store.head(signer(2).publicKey)?.seq).toBe(6)
    expect((await store.range(signer(2).publicKey, 1)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(await store.missingPayloads()).toEqual([])
    // one that comes again with its header is taken
    const [e1] = bob.entries
    if (e1 === undefined) throw new Error('no entry')
    expect(await store.ingest(e1.bytes, e1.payload)).toMatchObject({ status: 'duplicate', payload: 'stored' })
  })

  it('pages held payloads oldest first', async () => {
    const store = await openStore()
    await store.ingestRange(bob.entries.map(full))
    const first = await store.heldPayloads({ limit: 4 })
    expect(first.payloads).toHaveLength(4)
    const rest = await store.heldPayloads({ limit: 4, ...(first.next !== undefined ? { after: first.next } : {}) })
    expect([...first.payloads, ...rest.payloads].map((p) => p.timestamp)).toEqual(bob.entries.map((e) => e.timestamp))
    expect(rest.next).toBeUndefined()
  })

  it('forgets an author whole and atomically; it can be fetched again from seq 1; the survivors are untouched', async () => {
    const path = tempDir()
    let store = await openStore(path)
    await store.ingestRange(bob.entries.map(full))
    await store.ingestRange(carol.entries.map(full))
    const r = await store.forgetAuthor(signer(2).publicKey)
    expect(r.entries).toBe(6)
    expect(r.payloadBytes).toBeGreaterThan(0)
    expect(store.head(signer(2).publicKey)).toBeUndefined()
    expect(await store.get(bob.entries[0]?.hash as Uint8Array)).toBeUndefined()
    expect(await store.range(signer(2).publicKey, 1)).toEqual([])
    expect((await store.timeline()).entries.map((e) => hex(e.author))).toEqual(
      Array(4).fill(hex(signer(3).publicKey))
    )
    expect(store.stats()).toMatchObject({ authors: 1, entries: 4 })
    expect((await store.authorBytes()).has(hex(signer(2).publicKey) as string)).toBe(false)
    await store.close()
    store = await openStore(path)
    expect(store.head(signer(2).publicKey)).toBeUndefined()
    expect(store.recovery?.repaired).toEqual([])
    expect(store.head(signer(3).publicKey)?.seq).toBe(4)
    expect(await store.ingestRange(bob.entries.map(full))).toMatchObject({ stored: 6 })
    expect(await store.missingPayloads()).toEqual([])
  })

  it('an ingest queued behind a forget is judged against no head', async () => {
    const store = await openStore()
    await store.ingestRange(bob.entries.map(full))
    const forget = store.forgetAuthor(signer(2).publicKey)
    const again = store.ingestRange(bob.entries.slice(0, 3).map(full))
    expect((await forget).entries).toBe(6)
    expect(await again).toMatchObject({ stored: 3 })
    expect(store.head(signer(2).publicKey)?.seq).toBe(3)
  })

  it('a forked author keeps its fork mark when forgotten', async () => {
    const store = await openStore()
    await store.ingestRange(bob.entries.map(full))
    const other = new Log(signer(2))
    other.add(post('another first'))
    const e = other.entries[0]
    if (e === undefined) throw new Error('no entry')
    expect((await store.ingest(e.bytes, e.payload)).status).toBe('fork')
    await store.forgetAuthor(signer(2).publicKey)
    expect(store.head(signer(2).publicKey)).toMatchObject({ seq: 0, forkedAt: 1 })
    expect(await store.forkProofs(signer(2).publicKey)).toHaveLength(1)
  })
})
