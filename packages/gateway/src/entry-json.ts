import { entryId, signedBytes, type Entry } from '@kiez/feed'
import { base58btc } from 'multiformats/bases/base58'
import type { EntryJson, SignedEntryJson } from './types.js'

/**
 * An ed25519 key as its libp2p peer id (identity multihash of the protobuf
 * key, base58btc): the same name `kiez peers` shows for the box.
 */
export function peerIdOf (publicKey: Uint8Array): string {
  const mh = new Uint8Array(6 + publicKey.byteLength)
  mh.set([0x00, 4 + publicKey.byteLength, 0x08, 0x01, 0x12, publicKey.byteLength])
  mh.set(publicKey, 6)
  return base58btc.baseEncode(mh)
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')

export function entryJson (e: Entry, authorName?: string): EntryJson {
  const out: EntryJson = { id: entryId(e.hash), author: peerIdOf(e.author), authorKey: hex(e.author), seq: e.seq, timestamp: e.timestamp, type: e.body.type }
  if (authorName !== undefined) out.authorName = authorName
  if (e.body.type === 'profile') out.name = e.body.name
  else out.text = e.body.text
  if (e.body.type === 'reply') out.replyTo = entryId(e.body.replyTo)
  if (e.previous !== null) out.previous = entryId(e.previous)
  return out
}

/** The entry plus everything a third party needs to verify it without trusting us. */
export function signedEntryJson (e: Entry, authorName?: string): SignedEntryJson {
  return { ...entryJson(e, authorName), bytes: b64(e.bytes), signedBytes: b64(signedBytes(e.payload)), signature: b64(e.signature), publicKey: b64(e.author) }
}
