import { createEntry, entryId, readEntry, signedBytes, signerFromSeed, type Entry } from '@kiez/feed'
import { describe, expect, it } from 'vitest'
import { EntryFormatter, isShown, peerIdOf } from './entry-json.js'
import type { ShownEntry } from './types.js'

const alice = signerFromSeed(new Uint8Array(32).fill(1))
const at = 1_764_160_000_000

function entry (seq: number, previous: Entry | null, body: Parameters<typeof createEntry>[1]['body']): Entry {
  return createEntry(alice, { seq, previous: previous?.hash ?? null, timestamp: at + seq, body })
}

/** The same entry as a box that holds its header only sees it. */
function headerOnly (e: Entry): Entry {
  const read = readEntry(e.bytes, { now: e.timestamp })
  if (!read.ok) throw new Error(read.message)
  return read.value
}

describe('entries as JSON (entry format 2)', () => {
  const post = entry(1, null, { type: 'post', text: 'hello' })
  const reply = entry(2, post, { type: 'reply', text: 'me too', replyTo: post.hash })
  const del = entry(3, reply, { type: 'delete', target: post.hash })
  const edit = entry(4, del, { type: 'edit', target: reply.hash, text: 'me three' })
  const fmt = new EntryFormatter()

  it('leaves out deletes, edits, deleted entries and unknown kinds, and keeps a reply to a deleted entry', () => {
    const deleted: ShownEntry = { ...headerOnly(post), fate: { reason: 'deleted', by: del.hash } }
    expect([post, reply, del, edit, deleted].map(isShown)).toEqual([true, true, false, false, false])
    // a kind to come is shown only when its payload starts with a text (life-json.test.ts)
    expect(isShown({ ...headerOnly(post), kind: 'petition' })).toBe(false)
  })

  it('shows the newest edit\'s text with edited: true, and keeps an edited reply\'s replyTo', () => {
    const edited: ShownEntry = {
      ...headerOnly(reply),
      fate: { reason: 'edited', by: edit.hash, replyTo: post.hash },
      editedText: 'me three'
    }
    const json = fmt.entry(edited)
    expect(json).toMatchObject({ type: 'reply', text: 'me three', edited: true, replyTo: entryId(post.hash) })
    expect(json.payloadMissing).toBeUndefined()
  })

  it('shows an entry whose payload is not held without text and with payloadMissing: true', () => {
    const json = fmt.entry(headerOnly(post))
    expect(json).toMatchObject({ id: entryId(post.hash), type: 'post', payloadMissing: true })
    expect(json.text).toBeUndefined()
    expect(json.edited).toBeUndefined()
    const full = fmt.entry(post)
    expect(full.text).toBe('hello')
    expect(full.payloadMissing).toBeUndefined()
  })

  it('shows a delete or edit (the answer to its own authoring) with its target, not as payloadMissing', () => {
    expect(fmt.entry(del)).toEqual({
      id: entryId(del.hash),
      author: expect.stringMatching(/^12D3KooW/),
      authorKey: Buffer.from(alice.publicKey).toString('hex'),
      seq: 3,
      timestamp: at + 3,
      type: 'delete',
      target: entryId(post.hash),
      previous: entryId(reply.hash)
    })
    expect(fmt.entry(edit)).toMatchObject({ type: 'edit', target: entryId(reply.hash), text: 'me three' })
    expect(fmt.entry(headerOnly(del))).toMatchObject({ type: 'delete', payloadMissing: true })
    expect(fmt.entry(headerOnly(del)).target).toBeUndefined()
  })

  it('the raw view signs over the header', () => {
    const raw = fmt.signed(post)
    expect(raw.signedBytes).toBe(Buffer.from(signedBytes(post.header)).toString('base64'))
    expect(raw.bytes).toBe(Buffer.from(post.bytes).toString('base64'))
  })
})

describe('entries as JSON: who the author is (PROTOCOL.md §2, "Claims")', () => {
  const hof3 = signerFromSeed(new Uint8Array(32).fill(3))
  const post = entry(1, null, { type: 'post', text: 'hello' })

  it('adds household (id as a peer id) or unclaimed from the claims, and the profile name when none is given', () => {
    const member = new EntryFormatter(undefined, {
      claims: {
        claimOf: () => ({
          kind: 'member',
          name: 'Alice',
          household: { box: hof3.publicKey, name: 'Hof 3', seenBy: 2, oneSided: false }
        })
      }
    })
    expect(member.entry(post)).toMatchObject({
      authorName: 'Alice',
      household: { id: peerIdOf(hof3.publicKey), name: 'Hof 3', seenBy: 2 }
    })
    expect(member.entry(post).household?.oneSided).toBeUndefined()
    expect(member.entry(post).unclaimed).toBeUndefined()
    // the gateway's own profile lookup wins over the index's name
    expect(member.entry(post, 'Alice B.').authorName).toBe('Alice B.')
    const oneSided = new EntryFormatter(undefined, {
      claims: {
        claimOf: () => ({
          kind: 'member',
          household: { box: hof3.publicKey, name: 'Hof 3', seenBy: 0, oneSided: true }
        })
      }
    })
    expect(oneSided.entry(post).household).toEqual({
      id: peerIdOf(hof3.publicKey),
      name: 'Hof 3',
      seenBy: 0,
      oneSided: true
    })
    const nobody = new EntryFormatter(undefined, { claims: { claimOf: () => ({ kind: 'unclaimed' }) } })
    expect(nobody.entry(post)).toMatchObject({ unclaimed: true })
    expect(nobody.entry(post).household).toBeUndefined()
    // without claims: neither field
    expect(fmt0.entry(post).household).toBeUndefined()
    expect(fmt0.entry(post).unclaimed).toBeUndefined()
  })

  const fmt0 = new EntryFormatter()
})
