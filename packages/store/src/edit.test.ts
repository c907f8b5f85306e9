import { describe, expect, it } from 'vitest'
import { filesHolding, full, hex, Log, openStore, pair, post, signer, tempDir } from '../test/helpers.js'

describe('edit', () => {
  it('shows the newest edit\'s text and drops the original\'s and older edits\' payloads', async () => {
    const store = await openStore()
    const me = signer(1)
    const original = await store.append(me, post('v1'))
    const e1 = await store.append(me, { type: 'edit', target: original.hash, text: 'v2' })
    expect((await store.get(original.hash))?.editedText).toBe('v2')
    const e2 = await store.append(me, { type: 'edit', target: original.hash, text: 'v3' })
    const got = await store.get(original.hash)
    expect(got?.payload).toBeUndefined()
    expect(got?.fate).toEqual({ reason: 'edited', by: e2.hash })
    expect(got?.editedText).toBe('v3')
    expect((await store.get(e1.hash))?.fate).toEqual({ reason: 'superseded', by: e2.hash })
    expect((await store.editsOf(original.hash)).map((e) => [e.seq, e.body])).toEqual([
      [2, undefined],
      [3, { type: 'edit', target: original.hash, text: 'v3' }]
    ])
    expect(hex((await store.latestEdit(original.hash))?.hash)).toBe(hex(e2.hash))
    for (const e of [original, e1]) {
      expect(await store.ingest(e.bytes, e.payload)).toMatchObject({ status: 'duplicate', payload: 'refused' })
    }
    expect(await store.missingPayloads()).toEqual([])
    const timeline = (await store.timeline()).entries
    expect(timeline.find((e) => e.seq === 1)?.editedText).toBe('v3')
  })

  it('settles edits whose payloads arrive out of order', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const original = bob.add(post('v1'))
    const e1 = bob.add({ type: 'edit', target: original.hash, text: 'v2' })
    const e2 = bob.add({ type: 'edit', target: original.hash, text: 'v3' })
    await store.ingestRange(bob.entries.map((e) => e.bytes))
    expect(await store.missingPayloads()).toHaveLength(3)
    expect(await store.ingest(e2.bytes, e2.payload)).toMatchObject({ payload: 'stored' })
    expect((await store.get(original.hash))?.fate).toEqual({ reason: 'edited', by: e2.hash })
    expect(await store.ingest(e1.bytes, e1.payload)).toMatchObject({ payload: 'refused' })
    expect(await store.ingest(original.bytes, original.payload)).toMatchObject({ payload: 'refused' })
    expect(await store.missingPayloads()).toEqual([])
    expect((await store.get(original.hash))?.editedText).toBe('v3')
  })

  it('keeps what an edited reply replied to', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const carol = new Log(signer(3))
    const root = carol.add(post('root'))
    const reply = bob.add({ type: 'reply', text: 'first thought', replyTo: root.hash })
    const edit = bob.add({ type: 'edit', target: reply.hash, text: 'second thought' })
    await store.ingest(...pair(root))
    await store.ingestRange([full(reply), full(edit)])
    const got = await store.get(reply.hash)
    expect(got?.fate).toEqual({ reason: 'edited', by: edit.hash, replyTo: root.hash })
    expect(got?.editedText).toBe('second thought')
  })

  it('does nothing to another author\'s entry or to a profile', async () => {
    const store = await openStore()
    const bob = new Log(signer(2))
    const carol = new Log(signer(3))
    const theirs = carol.add(post('carol\'s'))
    await store.ingest(...pair(theirs))
    const profile = bob.add({ type: 'profile', name: 'Bob' })
    bob.add({ type: 'edit', target: theirs.hash, text: 'hijack' })
    bob.add({ type: 'edit', target: profile.hash, text: 'Robert' })
    expect(await store.ingestRange(bob.entries.map(full))).toMatchObject({ stored: 3, payloads: { stored: 3 } })
    expect((await store.get(theirs.hash))?.body).toEqual(post('carol\'s'))
    expect((await store.get(theirs.hash))?.fate).toBeUndefined()
    expect((await store.get(profile.hash))?.body).toEqual({ type: 'profile', name: 'Bob' })
    await expect(store.append(bob.signer, { type: 'edit', target: theirs.hash, text: 'x' })).rejects.toMatchObject({
      code: 'not_author'
    })
    await expect(store.append(bob.signer, { type: 'edit', target: profile.hash, text: 'x' })).rejects.toMatchObject({
      code: 'bad_input'
    })
  })

  it('refuses a local edit of a deleted entry, and keeps edits across a reopen', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const me = signer(1)
    const a = await store.append(me, post('a'))
    const b = await store.append(me, post('b'))
    const edit = await store.append(me, { type: 'edit', target: b.hash, text: 'b, better' })
    await store.append(me, { type: 'delete', target: a.hash })
    await expect(store.append(me, { type: 'edit', target: a.hash, text: 'too late' })).rejects.toMatchObject({
      code: 'bad_input'
    })
    await store.close()
    const again = await openStore(path)
    expect((await again.get(b.hash))?.editedText).toBe('b, better')
    expect((await again.get(b.hash))?.fate).toEqual({ reason: 'edited', by: edit.hash })
    expect(await again.ingest(b.bytes, b.payload)).toMatchObject({ payload: 'refused' })
  })

  it('leaves the replaced text in no file', async () => {
    const path = tempDir()
    const store = await openStore(path)
    const me = signer(1)
    const marker = `kiez-edit-marker-${Math.random()}`
    const original = await store.append(me, post(marker))
    await store.append(me, { type: 'edit', target: original.hash, text: 'nothing to see' })
    await store.close()
    expect(filesHolding(path, marker)).toEqual([])
  })
})
