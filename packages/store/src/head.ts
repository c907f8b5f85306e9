import { decode, encode } from 'cborg'
import type { AuthorState } from '@kiez/feed'

/** Head record: CBOR [seq, hash, forkedAt | null]. seq 0 with an empty hash = only a fork mark, no entries. */
export function encodeHead (s: AuthorState): Uint8Array {
  return encode([s.seq, s.hash, s.forkedAt ?? null])
}

export function decodeHead (bytes: Uint8Array): AuthorState | undefined {
  try {
    const v = decode(bytes) as unknown
    if (!Array.isArray(v) || v.length !== 3) return undefined
    const [seq, hash, forkedAt] = v as [unknown, unknown, unknown]
    if (typeof seq !== 'number' || !(hash instanceof Uint8Array)) return undefined
    const state: AuthorState = { seq, hash }
    if (typeof forkedAt === 'number') state.forkedAt = forkedAt
    return state
  } catch {
    return undefined
  }
}
