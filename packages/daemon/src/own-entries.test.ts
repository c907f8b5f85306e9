import { createEntry, entryId, signerFromSeed, type Entry } from '@kiez/feed'
import type { StoredEntry } from '@kiez/store'
import { describe, expect, it } from 'vitest'
import { amendBody } from './own-entries.js'

const me = signerFromSeed(new Uint8Array(32).fill(1))
const other = signerFromSeed(new Uint8Array(32).fill(2))
const at = 1_764_160_000_000

function entry (signer = me, body: Parameters<typeof createEntry>[1]['body'] = { type: 'post', text: 'hi' }): Entry {
  return createEntry(signer, { seq: 1, previous: null, timestamp: at, body })
}

/** A store that holds exactly `held`. */
function holding (...held: StoredEntry[]) {
  return async (hash: Uint8Array) => held.find((e) => Buffer.from(e.hash).equals(hash))
}

describe('amendBody: deleting and editing this box\'s own entries', () => {
  it('builds the delete or edit of an own post or reply', async () => {
    const post = entry()
    const reply = entry(me, { type: 'reply', text: 'yes', replyTo: post.hash })
    const get = holding(post, reply)
    expect(await amendBody({ type: 'delete', id: entryId(post.hash) }, me.publicKey, get)).toEqual({
      type: 'delete',
      target: post.hash
    })
    expect(await amendBody({ type: 'edit', id: entryId(reply.hash), text: 'no' }, me.publicKey, get)).toEqual({
      type: 'edit',
      target: reply.hash,
      text: 'no'
    })
  })

  it('refuses what a person can act on: bad id, unknown, someone else\'s, a kind that cannot change, deleted', async () => {
    const post = entry()
    const theirs = entry(other)
    const profile = entry(me, { type: 'profile', name: 'Hof 3' })
    const deleted: StoredEntry = { ...post, fate: { reason: 'deleted', by: new Uint8Array(32) } }
    const get = holding(theirs, profile)
    const refusal = async (req: Parameters<typeof amendBody>[0], g = get) =>
      await amendBody(req, me.publicKey, g).then(() => undefined, (err: { status: number, code: string }) => [
        err.status,
        err.code
      ])
    expect(await refusal({ type: 'delete', id: 'nope' })).toEqual([400, 'bad_entry_id'])
    expect(await refusal({ type: 'delete', id: entryId(post.hash) })).toEqual([404, 'entry_not_found'])
    expect(await refusal({ type: 'delete', id: entryId(theirs.hash) })).toEqual([403, 'not_author'])
    expect(await refusal({ type: 'edit', id: entryId(theirs.hash), text: 'x' })).toEqual([403, 'not_author'])
    expect(await refusal({ type: 'delete', id: entryId(profile.hash) })).toEqual([400, 'not_deletable'])
    expect(await refusal({ type: 'edit', id: entryId(profile.hash), text: 'x' })).toEqual([400, 'not_editable'])
    expect(await refusal({ type: 'delete', id: entryId(post.hash) }, holding(deleted))).toEqual([410, 'deleted'])
    expect(await refusal({ type: 'edit', id: entryId(post.hash), text: 'x' }, holding(deleted))).toEqual([
      410,
      'deleted'
    ])
  })
})
