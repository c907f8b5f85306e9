import { sha256 } from '@kiez/feed'
import type { Level } from 'level'
import { logKey, payloadKey } from './keys.js'

/** Entries read per step while looking for an author's held payloads. */
const STEP = 256

/**
 * The hashes of the entries of `author` whose payload this store holds, in
 * seq order: what a block drops (FeedStore.dropPayloadsOf). Read outside the
 * write queue: the caller's gate already refuses the author's payloads, so
 * none arrives after this list is made, and a drop of one that left meanwhile
 * is a no-op.
 */
export async function heldPayloadsOf (db: Level<Uint8Array, Uint8Array>, author: Uint8Array): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  let hashes: Uint8Array[] = []
  const flush = async (): Promise<void> => {
    const held = await db.getMany(hashes.map((h) => payloadKey(h)))
    for (let i = 0; i < hashes.length; i++) if (held[i] !== undefined) out.push(hashes[i] as Uint8Array)
    hashes = []
  }
  for await (const bytes of db.values({ gte: logKey(author, 1), lte: logKey(author, Number.MAX_SAFE_INTEGER) })) {
    hashes.push(sha256(bytes))
    if (hashes.length >= STEP) await flush()
  }
  await flush()
  return out
}
