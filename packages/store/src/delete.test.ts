import { Level } from 'level'
import { describe, expect, it } from 'vitest'
import { compactKey, payloadKey } from './keys.js'
import { filesHolding, full, hex, Log, openStore, pair, post, signer, tempDir } from '../test/helpers.js'

describe('delete', () => {
  it('drops the target\'s payload, refuses it from then on, and keeps its header', async () => {
    const store = await openStore()
    const me = signer(1)
    const target = await store.append(me, post('regret'))
    const del = await store.append(me, { type: 'delete', target: target.hash })
    const got = await store.get(target.hash)
    expect(got?.payload).toBeUndefined()
    expect(got?.fate).toEqual({ reason: 'deleted', by: del.hash })
    expect(await store.getPayload(target.hash)).toBeUndefined()
    expect((await store.get(del.hash))?.body).toEqual({ type: 'delete', target: target.hash })
    expect(await store.ingest(target.bytes, target.payload)).toMatchObject({ status: 'duplicate', payload: 'refused' })
    expect(await store.missingPayloads()).toEqual([])
    expect(store.head(me.publicKey)?.seq).toBe(2)
  })

  it('refuses a payload that arrives after the delete of its entry', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const target = bob.add(post('never shown'))
    const del = bob.add({ type: 'delete', target: target.hash })
    // the target's header alone, then the delete with its payload
    expect(await store.ingestRange([target.bytes, full(del)])).toMatchObject({
      stored: 2,
      payloads: { stored: 1, absent: 1 }
    })
    expect(await store.missingPayloads()).toEqual([])
    expect(await store.ingest(target.bytes, target.payload)).toMatchObject({ payload: 'refused' })
    expect(await store.hasPayload(target.hash)).toBe(false)
  })

  it('applies a delete whose own payload arrives after its header', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const target = bob.add(post('shown for a while'))
    const del = bob.add({ type: 'delete', target: target.hash })
    await store.ingestRange([full(target), del.bytes])
    expect((await store.get(target.hash))?.body).toEqual(post('shown for a while'))
    expect((await store.missingPayloads()).map((m) => hex(m.hash))).toEqual([hex(del.hash)])
    expect(await store.ingest(del.bytes, del.payload)).toMatchObject({ status: 'duplicate', payload: 'stored' })
    expect((await store.get(target.hash))?.fate).toEqual({ reason: 'deleted', by: del.hash })
    expect(await store.hasPayload(target.hash)).toBe(false)
  })

  it('does nothing to another author\'s entry, held before or arriving after', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const carol = new Log(signer(3))
    const held = carol.add(post('carol one'))
    const later = carol.add(post('carol two'))
    await store.ingest(held.bytes, held.payload)
    const d1 = bob.add({ type: 'delete', target: held.hash })
    const d2 = bob.add({ type: 'delete', target: later.hash }) // names an entry this store has not seen yet
    expect(await store.ingestRange([full(d1), full(d2)])).toMatchObject({ stored: 2, payloads: { stored: 2 } })
    expect((await store.get(held.hash))?.body).toEqual(post('carol one'))
    expect(await store.ingest(later.bytes, later.payload)).toMatchObject({ status: 'stored', payload: 'stored' })
    expect((await store.get(later.hash))?.body).toEqual(post('carol two'))
    expect((await store.get(later.hash))?.fate).toBeUndefined()
    // and locally, the store refuses to author such a delete
    await expect(store.append(signer(1), { type: 'delete', target: held.hash })).rejects.toMatchObject({
      code: 'not_author'
    })
    await expect(store.append(signer(1), { type: 'delete', target: new Uint8Array(32) })).rejects.toMatchObject({
      code: 'bad_input'
    })
  })

  it('drops the payloads of the target\'s edits too, and refuses edits after it', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const target = bob.add(post('v1'))
    const edit = bob.add({ type: 'edit', target: target.hash, text: 'v2' })
    const del = bob.add({ type: 'delete', target: target.hash })
    const late = bob.add({ type: 'edit', target: target.hash, text: 'v3 after the delete' })
    await store.ingestRange([full(target), full(edit)])
    expect((await store.get(target.hash))?.editedText).toBe('v2')
    await store.ingestRange([full(del), full(late)])
    expect((await store.get(edit.hash))?.fate).toEqual({ reason: 'deleted', by: del.hash })
    expect((await store.get(late.hash))?.fate).toEqual({ reason: 'deleted', by: del.hash })
    const t = await store.get(target.hash)
    expect(t?.fate).toEqual({ reason: 'deleted', by: del.hash })
    expect(t?.editedText).toBeUndefined()
    for (const e of [target, edit, late]) {
      expect(await store.ingest(e.bytes, e.payload)).toMatchObject({ payload: 'refused' })
    }
  })

  it('ignores a delete of a profile, a delete or an edit', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const profile = bob.add({ type: 'profile', name: 'Bob' })
    const p = bob.add(post('p'))
    const edit = bob.add({ type: 'edit', target: p.hash, text: 'p2' })
    const d1 = bob.add({ type: 'delete', target: profile.hash })
    const d2 = bob.add({ type: 'delete', target: d1.hash })
    const d3 = bob.add({ type: 'delete', target: edit.hash })
    await store.ingestRange(bob.entries.map(full))
    for (const e of [profile, edit, d1]) expect(await store.hasPayload(e.hash)).toBe(true)
    expect((await store.get(p.hash))?.editedText).toBe('p2')
    expect(d2.seq + d3.seq).toBeGreaterThan(0)
    await expect(store.append(bob.signer, { type: 'delete', target: profile.hash })).rejects.toMatchObject({
      code: 'bad_input'
    })
  })

  it('ignores a delete of a household, and lets a vouch be withdrawn (PROTOCOL.md §2, households)', async () => {
    const store = await openStore()
    const box = new Log(signer(3))
    const household = box.add({ type: 'household', name: 'Hof 3', members: [signer(4).publicKey] })
    const vouch = box.add({ type: 'vouch', box: signer(5).publicKey, seenAt: 1 })
    box.add({ type: 'delete', target: household.hash })
    const withdrawn = box.add({ type: 'delete', target: vouch.hash })
    await store.ingestRange(box.entries.map(full))
    expect(await store.hasPayload(household.hash)).toBe(true)
    expect(await store.hasPayload(vouch.hash)).toBe(false)
    expect((await store.get(vouch.hash))?.fate).toEqual({ reason: 'deleted', by: withdrawn.hash })
    await expect(store.append(box.signer, { type: 'delete', target: household.hash })).rejects.toMatchObject({
      code: 'bad_input'
    })
  })

  it('keeps deletes across a reopen', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const me = signer(1)
    const target = await store.append(me, post('gone for good'))
    await store.append(me, { type: 'delete', target: target.hash })
    await store.close()
    const again = await openStore(path)
    expect((await again.get(target.hash))?.fate?.reason).toBe('deleted')
    expect(await again.ingest(target.bytes, target.payload)).toMatchObject({ payload: 'refused' })
  })

  it('leaves the deleted text in no file under the store\'s directory', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const me = signer(1)
    const marker = `kiez-delete-marker-${Date.now()}-${Math.random()}`
    // some neighbours around it, so the text is not alone in its log and table
    for (let i = 0; i < 20; i++) await store.append(me, post(`before ${i}`))
    const target = await store.append(me, post(marker))
    const edit = await store.append(me, { type: 'edit', target: target.hash, text: `${marker} edited` })
    for (let i = 0; i < 20; i++) await store.append(me, post(`after ${i}`))
    expect(filesHolding(path, marker)).not.toEqual([])
    await store.append(me, { type: 'delete', target: target.hash })
    await store.append(me, post('one more'))
    await store.close()
    expect(filesHolding(path, marker)).toEqual([])
    // and the store still reads back whole
    const again = await openStore(path)
    expect(again.head(me.publicKey)?.seq).toBe(44)
    expect((await again.get(edit.hash))?.fate?.reason).toBe('deleted')
  })

  it('leaves no text from a peer\'s delete either (unsynced writes)', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const bob = new Log(signer(2))
    const marker = `kiez-peer-marker-${Math.random()}`
    const target = bob.add(post(marker))
    await store.ingest(target.bytes, target.payload)
    await store.ingest(...pair(bob.add({ type: 'delete', target: target.hash })))
    await store.close()
    expect(filesHolding(path, marker)).toEqual([])
  })

  it('finishes at open a compaction that a crash cut short', async () => {
    const path = tempDir()
    const marker = `kiez-crash-marker-${Math.random()}`
    const key = payloadKey(new Uint8Array(32).fill(9))
    const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.put(Uint8Array.of(0x56), Uint8Array.of(2))
    await db.put(key, Buffer.from(marker))
    await db.close()
    await db.open()
    // the drop and its mark committed, the compaction never ran
    await db.batch([{ type: 'del', key }, { type: 'put', key: compactKey(key), value: new Uint8Array(0) }])
    await db.close()
    expect(filesHolding(path, marker)).not.toEqual([])
    const store = await openStore(path)
    await store.close()
    expect(filesHolding(path, marker)).toEqual([])
  })
})
