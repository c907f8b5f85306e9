import { describe, expect, it } from 'vitest'
import type { IngestGate } from './index.js'
import { filesHolding, full, hex, Log, openStore, post, signer, tempDir } from '../test/helpers.js'

describe('dropPayloadsOf (a block)', () => {
  it('drops every held payload of one author, leaves others, and the text leaves every file', async () => {
    const path = tempDir()
    const blocked: string[] = []
    const gate: IngestGate = {
      admit: (e) => (blocked.includes(hex(e.author) as string) ? 'header' : 'store'),
      takesPayload: (author) => !blocked.includes(hex(author) as string)
    }
    const store = await openStore(path, { gate })
    const marker = `kiez-block-marker-${Math.random()}`
    const bob = new Log(signer(2))
    const carol = new Log(signer(3))
    for (let i = 0; i < 30; i++) {
      bob.add(post(`${marker} ${i}`))
      carol.add(post(`carol ${i}`))
    }
    const [first] = bob.entries
    if (first === undefined) throw new Error('no entry')
    const del = bob.add({ type: 'delete', target: first.hash })
    await store.ingestRange(bob.entries.map(full))
    await store.ingestRange(carol.entries.map(full))
    expect(filesHolding(path, marker)).not.toEqual([])

    blocked.push(hex(signer(2).publicKey) as string)
    // 29 posts and the delete; the deleted post's payload was gone already
    expect(await store.dropPayloadsOf(signer(2).publicKey)).toBe(30)
    expect(await store.dropPayloadsOf(signer(2).publicKey)).toBe(0)
    for (const e of bob.entries) expect(await store.hasPayload(e.hash)).toBe(false)
    for (const e of carol.entries) expect(await store.hasPayload(e.hash)).toBe(true)
    expect(store.head(signer(2).publicKey)?.seq).toBe(31) // the chain stays
    expect(await store.missingPayloads()).toEqual([]) // refused while blocked
    expect((await store.get(del.hash))?.fate).toBeUndefined() // nothing sealed
    await store.close()
    expect(filesHolding(path, marker)).toEqual([])

    // unblocked: listed as missing again (not the deleted one), and taken when they come
    blocked.length = 0
    const again = await openStore(path, { gate })
    expect((await again.missingPayloads({ limit: 1000 })).length).toBe(30)
    const [, e2] = bob.entries
    if (e2 === undefined) throw new Error('no entry')
    expect(await again.ingest(e2.bytes, e2.payload)).toMatchObject({ status: 'duplicate', payload: 'stored' })
    expect((await again.get(first.hash))?.fate?.reason).toBe('deleted')
  })
})
