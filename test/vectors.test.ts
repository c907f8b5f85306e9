import { readFileSync } from 'node:fs'
import { buildVectors, PublicKeyCache, sha256, entryId, validateEntry, verifySignature, type AuthorState, type FeedVector } from '@kiez/feed'
import { describe, expect, it } from 'vitest'

const file = new URL('./vectors/feed-entries.json', import.meta.url)
const vectors = JSON.parse(readFileSync(file, 'utf8')) as FeedVector[]
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

describe('test/vectors/feed-entries.json', () => {
  it('is exactly what the generator produces (run `npm run vectors` after a format change)', () => {
    expect(vectors).toEqual(buildVectors())
  })

  it('covers a valid chain of 3 and every rejection kind', () => {
    expect(vectors.filter((v) => v.valid)).toHaveLength(3)
    expect(new Set(vectors.map((v) => v.error).filter(Boolean))).toEqual(new Set([
      'bad_encoding', 'non_canonical', 'bad_signature', 'wrong_seq', 'wrong_previous', 'content_too_large',
      'unknown_type', 'malformed_content', 'future_timestamp', 'duplicate', 'forked'
    ]))
  })

  it('ids are the CID of sha2-256(entryBytes) and signatures verify exactly where they should', () => {
    const keys = new PublicKeyCache()
    for (const v of vectors) {
      expect(v.id, v.description).toBe(entryId(sha256(bytes(v.entryBytes))))
      expect(bytes(v.signedBytes).subarray(0, 13)).toEqual(new TextEncoder().encode('kiez/entry/1\0'))
      expect(verifySignature(keys, bytes(v.publicKey), bytes(v.signedBytes), bytes(v.signature)), v.description).toBe(v.error !== 'bad_signature')
    }
  })

  it('validate in order to their stated outcome', () => {
    const keys = new PublicKeyCache()
    let state: AuthorState | undefined
    const log: Uint8Array[] = []
    for (const v of vectors) {
      const r = validateEntry(bytes(v.entryBytes), { keys, now: v.now, state, storedHashAt: (s) => log[s - 1] })
      if (v.valid) {
        expect(r.ok, v.description).toBe(true)
        if (r.ok) { state = { seq: r.entry.seq, hash: r.entry.hash }; log.push(r.entry.hash) }
      } else {
        expect(r.ok ? 'accepted' : r.code, v.description).toBe(v.error)
      }
    }
  })
})
