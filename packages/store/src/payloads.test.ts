import { encodeEnvelope, encodeHeader, entryId, readEntry, sha256, signedBytes, type Entry } from '@kiez/feed'
import { encode } from 'cborg'
import { Level } from 'level'
import { describe, expect, it } from 'vitest'
import { FeedStore } from './index.js'
import { full, hex, Log, NOW, openStore, post, signer, tempDir } from '../test/helpers.js'

/** A header whose payloadHash commits to `payload` as given, however bad it is. */
function signedOver (log: Log, kind: string, payload: Uint8Array): Entry {
  const prev = log.entries.at(-1)
  const header = encodeHeader({
    author: log.signer.publicKey,
    seq: log.entries.length + 1,
    previous: prev?.hash ?? null,
    timestamp: NOW - 1,
    kind,
    payloadHash: sha256(payload),
    payloadSize: payload.byteLength
  })
  const r = readEntry(encodeEnvelope(header, log.signer.sign(signedBytes(header))), { now: NOW })
  if (!r.ok) throw new Error(r.message)
  log.entries.push(r.value)
  return r.value
}

describe('payloads', () => {
  it('stores a header alone, lists it as missing, and takes its payload later with a duplicate', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const e = bob.add(post('later'))
    const late: Uint8Array[] = []
    store.onPayload((x) => late.push(x.hash))

    expect(await store.ingest(e.bytes)).toMatchObject({ status: 'stored', payload: 'absent' })
    const bare = await store.get(e.hash)
    expect(bare?.payload).toBeUndefined()
    expect(bare?.body).toBeUndefined()
    expect(await store.hasPayload(e.hash)).toBe(false)
    expect((await store.missingPayloads()).map((m) => hex(m.hash))).toEqual([hex(e.hash)])

    const r = await store.ingest(e.bytes, e.payload)
    expect(r).toMatchObject({ status: 'duplicate', payload: 'stored' })
    expect(r.status === 'duplicate' ? r.entry.body : undefined).toEqual(post('later'))
    expect((await store.get(entryId(e.hash)))?.body).toEqual(post('later'))
    expect(hex(await store.getPayload(e.hash))).toBe(hex(e.payload))
    expect(await store.missingPayloads()).toEqual([])
    expect(late.map(hex)).toEqual([hex(e.hash)])

    expect(await store.ingest(e.bytes, e.payload)).toMatchObject({ status: 'duplicate', payload: 'had' })
    expect(await store.ingest(e.bytes)).toMatchObject({ status: 'duplicate', payload: 'had' })
    expect(late).toHaveLength(1)
  })

  it('keeps a payload that does not match its header out, and keeps the header', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const a = bob.add(post('first'))
    const b = bob.add(post('second'))
    const bent = Uint8Array.from(a.payload as Uint8Array)
    bent[bent.length - 1] = (bent[bent.length - 1] as number) ^ 1

    expect(await store.ingest(a.bytes, bent)).toMatchObject({ status: 'stored', payload: 'mismatch' })
    expect(await store.ingest(b.bytes, a.payload)).toMatchObject({ status: 'stored', payload: 'mismatch' })
    expect(await store.ingest(a.bytes, Uint8Array.of(...(a.payload as Uint8Array), 0))).toMatchObject({
      status: 'duplicate',
      payload: 'mismatch'
    })
    expect(store.stats().rejected).toEqual({ payload_mismatch: 3 })
    expect(store.head(bob.signer.publicKey)?.seq).toBe(2)
    expect(await store.hasPayload(a.hash)).toBe(false)
    expect((await store.missingPayloads()).map((m) => m.seq)).toEqual([1, 2])
    // the right bytes from someone else are still taken
    expect(await store.ingest(a.bytes, a.payload)).toMatchObject({ status: 'duplicate', payload: 'stored' })
    expect((await store.missingPayloads()).map((m) => m.seq)).toEqual([2])
  })

  it('never asks again for a payload its author signed badly', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const bad = signedOver(bob, 'post', encode([''])) // empty text: malformed_content
    expect(await store.ingest(bad.bytes)).toMatchObject({ status: 'stored', payload: 'absent' })
    expect(await store.missingPayloads()).toHaveLength(1)
    expect(await store.ingest(bad.bytes, encode(['']))).toMatchObject({ status: 'duplicate', payload: 'invalid' })
    expect(store.stats().rejected).toEqual({ malformed_content: 1 })
    expect(await store.missingPayloads()).toEqual([])
    expect(await store.ingest(bad.bytes, encode(['']))).toMatchObject({ payload: 'refused' })
    expect((await store.get(bad.hash))?.fate).toEqual({ reason: 'invalid' })
  })

  it('ingests a range with payloads, without, and wrong, and fills the gaps from a later range', async () => {
    const store = await openStore()
    const bob = new Log(signer(3))
    const es = Array.from({ length: 6 }, (_, i) => bob.add(post(`p${i}`)))
    const r = await store.ingestRange([
      full(es[0]!),
      es[1]!.bytes,
      { entry: es[2]!.bytes },
      { entry: es[3]!.bytes, payload: es[4]!.payload! },
      full(es[4]!)
    ])
    expect(r).toEqual({
      stored: 5,
      duplicates: 0,
      payloads: { stored: 2, had: 0, absent: 2, mismatch: 1, invalid: 0, refused: 0 }
    })
    expect((await store.missingPayloads()).map((m) => m.seq)).toEqual([2, 3, 4])
    const again = await store.ingestRange(es.map(full))
    expect(again).toEqual({
      stored: 1,
      duplicates: 5,
      payloads: { stored: 4, had: 2, absent: 0, mismatch: 0, invalid: 0, refused: 0 }
    })
    expect(await store.missingPayloads()).toEqual([])
    const items = await store.rangeItems(bob.signer.publicKey, 1)
    expect(items.map((i) => hex(i.payload))).toEqual(es.map((e) => hex(e.payload)))
    const bodies = (await store.range(bob.signer.publicKey, 1)).map((e) => e.body)
    expect(bodies).toEqual(es.map((_, i) => post(`p${i}`)))
  })

  it('pages missing payloads oldest first', async () => {
    const store = await openStore()
    const bob = new Log(signer(3))
    const es = Array.from({ length: 7 }, (_, i) => bob.add(post(`p${i}`)))
    await store.ingestRange(es.map((e) => e.bytes))
    const first = await store.missingPayloads({ limit: 4 })
    expect(first.map((m) => m.seq)).toEqual([1, 2, 3, 4])
    const rest = await store.missingPayloads({ limit: 4, after: first.at(-1)! })
    expect(rest.map((m) => m.seq)).toEqual([5, 6, 7])
  })

  it('drops a payload for eviction, lists it as missing, and takes it again', async () => {
    const store = await openStore()
    const me = signer(1)
    const mine = await store.append(me, post('kept header'))
    expect((await store.get(mine.hash))?.body).toEqual(post('kept header'))
    expect(await store.dropPayload(mine.hash)).toBe(true)
    expect(await store.dropPayload(mine.hash)).toBe(false)
    expect((await store.get(mine.hash))?.body).toBeUndefined()
    expect((await store.missingPayloads()).map((m) => hex(m.hash))).toEqual([hex(mine.hash)])
    expect(await store.ingest(mine.bytes, mine.payload)).toMatchObject({ status: 'duplicate', payload: 'stored' })
  })

  it('keeps headers, payloads and what is missing across a reopen', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const bob = new Log(signer(4))
    const es = [bob.add(post('a')), bob.add(post('b')), bob.add({ type: 'profile', name: 'Bob' })]
    await store.ingestRange([full(es[0]!), es[1]!.bytes, full(es[2]!)])
    await store.close()
    const again = await openStore(path)
    expect((await again.range(bob.signer.publicKey, 1)).map((e) => e.body)).toEqual([
      post('a'),
      undefined,
      { type: 'profile', name: 'Bob' }
    ])
    expect((await again.missingPayloads()).map((m) => m.seq)).toEqual([2])
    expect((await again.timeline()).entries.map((e) => e.body?.type)).toEqual(['profile', undefined, 'post'])
  })

  it('refuses a store of layout 1 with a clear error', async () => {
    const path = tempDir()
    const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.put(Uint8Array.of(0x56), Uint8Array.of(1))
    await db.close()
    await expect(FeedStore.open({ path })).rejects.toMatchObject({
      code: 'corrupt',
      message: expect.stringMatching(/layout 1 \(entry format 1\)/)
    })
  })
})
