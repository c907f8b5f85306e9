import { describe, expect, it } from 'vitest'
import { createEntry, entryId, sha256, signerFromSeed } from '@kiez/feed'
import { RejectionLog } from './rejections.js'

describe('RejectionLog', () => {
  const signer = signerFromSeed(new Uint8Array(32).fill(7))
  const e = createEntry(signer, {
    seq: 1,
    previous: null,
    timestamp: 1_700_000_000_000,
    body: { type: 'post', text: 'hi' }
  })

  it('names the refused bytes by their entry id, with author and seq when they parsed', () => {
    const log = new RejectionLog({ now: () => 5 })
    log.note('peerA', e.bytes, 'bad_signature', 'gossip', e)
    log.note('peerA', new Uint8Array([1, 2, 3]), 'bad_encoding', 'sync')
    expect(log.find(entryId(e.hash))).toEqual([{
      id: entryId(e.hash),
      author: e.author,
      seq: 1,
      code: 'bad_signature',
      peerId: 'peerA',
      via: 'gossip',
      atMs: 5
    }])
    expect(log.find(entryId(sha256(new Uint8Array([1, 2, 3]))))[0]?.code).toBe('bad_encoding')
    expect(log.list()[0]?.code).toBe('bad_encoding') // newest first
  })

  it('is bounded overall and per peer: a flood from one peer does not push out the others', () => {
    const log = new RejectionLog({ max: 8, maxPerPeer: 4 })
    log.note('honest', new Uint8Array([0]), 'bad_signature', 'gossip')
    for (let i = 1; i <= 50; i++) log.note('rogue', new Uint8Array([i]), 'bad_signature', 'gossip')
    expect(log.list().filter((r) => r.peerId === 'rogue')).toHaveLength(4)
    expect(log.list().some((r) => r.peerId === 'honest')).toBe(true)
    for (let i = 0; i < 20; i++) log.note(`p${i}`, new Uint8Array([i, 1]), 'bad_signature', 'gossip')
    expect(log.list()).toHaveLength(8)
  })
})
