import { entryId, type Entry } from '@kiez/feed'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import type { EntryJson } from './control/types.js'

/**
 * An author key shown as a libp2p peer id, so a box's posts and the box in
 * `kiez peers` carry the same name. Falls back to hex if a key is not ed25519.
 */
export function authorName (author: Uint8Array): string {
  try {
    return peerIdFromPublicKey(publicKeyFromRaw(author)).toString()
  } catch {
    return Buffer.from(author).toString('hex')
  }
}

export function entryToJson (e: Entry): EntryJson {
  const out: EntryJson = {
    id: entryId(e.hash),
    author: authorName(e.author),
    seq: e.seq,
    timestamp: e.timestamp,
    type: e.body.type
  }
  if (e.body.type === 'profile') out.name = e.body.name
  else out.text = e.body.text
  if (e.body.type === 'reply') out.replyTo = entryId(e.body.replyTo)
  if (e.previous !== null) out.previous = entryId(e.previous)
  return out
}
