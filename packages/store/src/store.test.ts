import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEntry, entryId, signerFromSeed, type Entry, type KnownBody, type Signer } from '@kiez/feed'
import fc from 'fast-check'
import { Level } from 'level'
import { describe, expect, it, onTestFinished } from 'vitest'
import { FeedStore } from './index.js'
import { hex, logKey, headKey } from './keys.js'

/** A fresh directory, removed when the test finishes, after the stores in it closed (teardown runs newest first). */
function tempDir (): string {
  const d = mkdtempSync(join(tmpdir(), 'kiez-store-'))
  onTestFinished(() => rmSync(d, { recursive: true, force: true }))
  return d
}

const NOW = 1_800_000_000_000
const post = (text: string): KnownBody => ({ type: 'post', text })
const signer = (n: number): Signer => signerFromSeed(new Uint8Array(32).fill(n))

function chain (s: Signer, n: number, t0 = NOW - 10_000, tag = ''): Entry[] {
  const out: Entry[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      createEntry(s, { seq: i + 1, previous: out[i - 1]?.hash ?? null, timestamp: t0 + i, body: post(`${tag}${i}`) })
    )
  }
  return out
}

async function open (path: string): Promise<FeedStore> {
  return await FeedStore.open({ path, now: () => NOW })
}

/** A store that is closed when the test finishes, failed or not; a test may close it earlier (close is idempotent). */
async function openStore (path = tempDir()): Promise<FeedStore> {
  const store = await open(path)
  onTestFinished(async () => await store.close())
  return store
}

/** A raw LevelDB handle on a store's directory, closed when the test finishes. */
async function openLevel (path: string): Promise<Level<Uint8Array, Uint8Array>> {
  const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
  onTestFinished(async () => await db.close())
  await db.open()
  return db
}

describe('FeedStore', () => {
  it('authors locally with contiguous seqs, also under concurrency, and keeps them across reopen', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const me = signer(1)
    const made = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => await store.append(me, post(`hello ${i}`)))
    )
    expect(made.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(store.head(me.publicKey)?.seq).toBe(50)
    await store.close()
    const again = await openStore(path)
    expect(again.head(me.publicKey)?.seq).toBe(50)
    const all = await again.range(me.publicKey, 1)
    for (let i = 1; i < all.length; i++) expect(Buffer.from(all[i]!.previous!)).toEqual(Buffer.from(all[i - 1]!.hash))
    expect(again.recovery?.repaired).toEqual([])
  })

  it('ingests peers\' entries one by one with the right outcomes and counts rejections', async () => {
    const store = await openStore()
    const bob = chain(signer(2), 3)
    expect((await store.ingest(bob[0]!.bytes)).status).toBe('stored')
    expect(await store.ingest(bob[2]!.bytes)).toMatchObject({ status: 'rejected', code: 'wrong_seq' })
    expect((await store.ingest(bob[1]!.bytes)).status).toBe('stored')
    expect((await store.ingest(bob[1]!.bytes)).status).toBe('duplicate')
    expect(await store.ingest(Uint8Array.of(1, 2, 3))).toMatchObject({ status: 'rejected', code: 'bad_encoding' })
    const stats = store.stats()
    expect(stats).toMatchObject({ authors: 1, entries: 2, duplicates: 1, rejected: { wrong_seq: 1, bad_encoding: 1 } })
    expect((await store.get(entryId(bob[1]!.hash)))?.seq).toBe(2)
    expect(await store.get('bafyreinotanid')).toBeUndefined()
  })

  it('ingests a range with duplicates at its start and a gap inside', async () => {
    const store = await openStore()
    const bob = chain(signer(2), 100)
    const withPayloads = bob.slice(0, 40).map((e) => ({ entry: e.bytes, payload: e.payload }))
    expect(await store.ingestRange(withPayloads)).toEqual({
      stored: 40,
      duplicates: 0,
      payloads: { stored: 40, had: 0, absent: 0, mismatch: 0, invalid: 0, refused: 0 }
    })
    const r = await store.ingestRange([...bob.slice(30, 60), ...bob.slice(61, 70)].map((e) => e.bytes))
    expect(r).toMatchObject({ stored: 20, duplicates: 10, rejection: { code: 'wrong_seq', index: 30 } })
    expect(store.head(signer(2).publicKey)?.seq).toBe(60)
  })

  it('detects, stores and enforces a fork, and takes proofs from others', async () => {
    const store = await openStore()
    const s = signer(3)
    const base = chain(s, 3)
    for (const e of base) await store.ingest(e.bytes)
    const evil = createEntry(s, { seq: 2, previous: base[0]!.hash, timestamp: NOW, body: post('other branch') })
    const r = await store.ingest(evil.bytes)
    expect(r.status).toBe('fork')
    expect(store.head(s.publicKey)?.forkedAt).toBe(2)
    const next = createEntry(s, { seq: 4, previous: base[2]!.hash, timestamp: NOW, body: post('after') })
    expect(await store.ingest(next.bytes)).toMatchObject({ status: 'rejected', code: 'forked' })
    await expect(store.append(s, post('mine'))).rejects.toMatchObject({ code: 'author_forked' })
    const proofs = await store.forkProofs()
    expect(proofs).toHaveLength(1)
    expect(await store.forkProofs(s.publicKey)).toHaveLength(1)
    expect(await store.forkProofs(signer(4).publicKey)).toHaveLength(0)
    // a second box learns of the fork from the proof alone
    const other = await openStore()
    if (r.status !== 'fork') throw new Error('unreachable')
    expect((await other.ingestForkProof(r.proof)).status).toBe('fork')
    expect(await other.ingest(base[0]!.bytes)).toMatchObject({ status: 'stored' })
    expect(await other.ingest(base[1]!.bytes)).toMatchObject({ status: 'rejected', code: 'forked' })
    expect(await other.ingestForkProof(Uint8Array.of(0x82, 0x40, 0x40))).toMatchObject({ status: 'rejected' })
  })

  it('pages the timeline newest first with a stable cursor', async () => {
    const store = await openStore()
    const a = chain(signer(4), 30, NOW - 1000, 'a')
    const b = chain(signer(5), 30, NOW - 1000, 'b') // same timestamps: ties broken by hash
    await store.ingestRange(a.map((e) => e.bytes))
    await store.ingestRange(b.map((e) => e.bytes))
    const seen: Entry[] = []
    let before: string | undefined
    for (;;) {
      const page = await store.timeline({ limit: 7, ...(before !== undefined ? { before } : {}) })
      seen.push(...page.entries)
      if (page.next === undefined) break
      before = page.next
    }
    expect(seen).toHaveLength(60)
    expect(new Set(seen.map((e) => entryId(e.hash))).size).toBe(60)
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1]!.timestamp).toBeGreaterThanOrEqual(seen[i]!.timestamp)
    await expect(store.timeline({ before: 'bogus' })).rejects.toMatchObject({ code: 'bad_input' })
  })

  it('moves a head back to the newest entry that chains when the log was damaged', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const bob = chain(signer(6), 20)
    await store.ingestRange(bob.map((e) => e.bytes))
    await store.close()
    // Damage the log behind the store's back: drop seq 15..20.
    const db = await openLevel(path)
    for (let s = 15; s <= 20; s++) await db.del(logKey(signer(6).publicKey, s))
    await db.close()
    const again = await openStore(path)
    expect(again.head(signer(6).publicKey)?.seq).toBe(14)
    expect(again.recovery?.repaired).toHaveLength(1)
    // and it catches up again from there
    expect(await again.ingestRange(bob.slice(14).map((e) => e.bytes))).toEqual({
      stored: 6,
      duplicates: 0,
      payloads: { stored: 0, had: 0, absent: 6, mismatch: 0, invalid: 0, refused: 0 }
    })
    await again.close()
    const db2 = await openLevel(path)
    expect(await db2.get(headKey(signer(6).publicKey))).toBeDefined()
  })

  it('leaves no trace of rejected input but a counter', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const bob = chain(signer(11), 5)
    await store.ingestRange(bob.slice(0, 3).map((e) => e.bytes))
    await store.close()
    const dump = async (): Promise<string[]> => {
      const db = await openLevel(path)
      const out: string[] = []
      for await (const [k, v] of db.iterator()) {
        out.push(Buffer.from(k).toString('hex') + '=' + Buffer.from(v).toString('hex'))
      }
      await db.close()
      return out
    }
    const before = await dump()
    const again = await openStore(path)
    const hostile = [
      Uint8Array.of(0x82, 0x41, 0x00, 0x40),
      bob[4]!.bytes, // garbage, a gap
      createEntry(signer(12), { seq: 2, previous: new Uint8Array(32), timestamp: NOW, body: post('no seq 1') }).bytes,
      Uint8Array.from(bob[3]!.bytes).fill(0, 10, 20) // damaged
    ]
    for (const b of hostile) expect((await again.ingest(b)).status).toBe('rejected')
    expect((await again.ingestRange([bob[4]!.bytes, bob[3]!.bytes])).stored).toBe(0)
    expect(Object.values(again.stats().rejected).reduce((a, b) => a + (b ?? 0), 0)).toBe(5)
    await again.close()
    expect(await dump()).toEqual(before)
  })

  it('fails every op of a group loudly when the database is closed under it', async () => {
    const store = await openStore()
    await store.close()
    await expect(store.append(signer(1), post('late'))).rejects.toMatchObject({ code: 'not_open' })
  })
})

/**
 * Store invariants over random operation sequences: every head names a stored
 * entry, every stored log is one hash-linked chain from seq 1, the timeline
 * holds exactly the stored entries, and reopening changes nothing.
 */
function headsSnapshot (store: FeedStore): string {
  return JSON.stringify(
    store.heads().map((h) => [Buffer.from(h.author).toString('hex'), h.seq, h.forkedAt]).sort((a, b) =>
      String(a[0]).localeCompare(String(b[0]))
    )
  )
}

describe('store invariants', () => {
  const authors = [signer(7), signer(8), signer(9)]
  const chains = authors.map((s, i) => chain(s, 15, NOW - 5000, `a${i}-`))
  const forks = authors.map((s, i) =>
    createEntry(s, { seq: 5, previous: chains[i]![3]!.hash, timestamp: NOW, body: post('fork') })
  )

  const op = fc.oneof(
    fc.record({ k: fc.constant('one' as const), a: fc.nat(2), s: fc.nat(14), p: fc.boolean() }),
    fc.record({
      k: fc.constant('range' as const),
      a: fc.nat(2),
      s: fc.nat(14),
      n: fc.integer({ min: 1, max: 8 }),
      p: fc.boolean()
    }),
    fc.record({ k: fc.constant('fork' as const), a: fc.nat(2) }),
    fc.record({ k: fc.constant('local' as const) }),
    fc.record({ k: fc.constant('reopen' as const) })
  )

  it('hold over random appends, duplicates, forks and reopens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), fc.boolean(), async (ops, concurrent) => {
        const path = tempDir()
        let store = await open(path)
        const me = signer(10)
        // concurrent: ops are queued without waiting, so groups are validated while earlier ones are written
        const inFlight: Array<Promise<unknown>> = []
        const run = async (p: Promise<unknown>): Promise<void> => {
          if (concurrent) inFlight.push(p)
          else await p
        }
        try {
          for (const o of ops) {
            // p: with payloads (a duplicate with one fills a missing payload), else headers only
            if (o.k === 'one') {
              const e = chains[o.a]![o.s]!
              await run(o.p ? store.ingest(e.bytes, e.payload) : store.ingest(e.bytes))
            } else if (o.k === 'range') {
              const run1 = chains[o.a]!.slice(o.s, o.s + o.n)
              await run(store.ingestRange(run1.map((e) => o.p ? { entry: e.bytes, payload: e.payload! } : e.bytes)))
            } else if (o.k === 'fork') await run(store.ingest(forks[o.a]!.bytes))
            else if (o.k === 'local') await run(store.append(me, post('local')))
            else {
              await Promise.all(inFlight.splice(0))
              await store.close()
              store = await open(path)
            }
          }
          await Promise.all(inFlight.splice(0))
          let total = 0
          for (const h of store.heads()) {
            const log = await store.range(h.author, 1, undefined, { maxEntries: 100 })
            expect(log).toHaveLength(h.seq)
            total += log.length
            for (let i = 0; i < log.length; i++) {
              expect(log[i]!.seq).toBe(i + 1)
              if (i > 0) expect(Buffer.from(log[i]!.previous!)).toEqual(Buffer.from(log[i - 1]!.hash))
            }
            if (h.seq > 0) expect(Buffer.from(log[h.seq - 1]!.hash)).toEqual(Buffer.from(h.hash))
            if (h.forkedAt !== undefined) expect(h.seq).toBeLessThanOrEqual(Math.max(h.forkedAt, 15))
          }
          const timeline = await store.timeline({ limit: 500 })
          expect(timeline.entries).toHaveLength(total)
          expect(store.stats().entries).toBe(total)
          // every stored entry has its payload, or is listed as missing one: never both, never neither
          const missing = new Set((await store.missingPayloads({ limit: 1000 })).map((m) => hex(m.hash)))
          for (const e of timeline.entries) expect(e.payload !== undefined).toBe(!missing.has(hex(e.hash)))
          const before = headsSnapshot(store)
          await store.close()
          store = await open(path)
          expect(headsSnapshot(store)).toBe(before)
        } finally {
          await store.close()
        }
      }),
      { numRuns: 40 }
    )
  })
})

describe('ingest: the verdict before the write', () => {
  it('reports the verdict while the entry is staged, then resolves with the same once it is on disk', async () => {
    const store = await openStore()
    const [e1, e2] = chain(signer(7), 2)
    const seen: Array<{ status: string, headAtVerdict: number | undefined }> = []
    const judged = (r: { status: string }): void => {
      seen.push({ status: r.status, headAtVerdict: store.head(signer(7).publicKey)?.seq })
    }
    const r1 = await store.ingest(e1!.bytes, e1!.payload, { judged })
    const r2 = await store.ingest(e2!.bytes, e2!.payload, { judged })
    // at each verdict the head had not moved yet: the group was not written
    expect(seen).toEqual([{ status: 'stored', headAtVerdict: undefined }, { status: 'stored', headAtVerdict: 1 }])
    expect([r1.status, r2.status]).toEqual(['stored', 'stored'])
    expect(store.head(signer(7).publicKey)?.seq).toBe(2)
    // a rejected one is judged the same way
    const bad = await new Promise((resolve) =>
      void store.ingest(e2!.bytes.slice(0, 10), undefined, { judged: resolve })
    )
    expect(bad).toMatchObject({ status: 'rejected' })
  })
})
