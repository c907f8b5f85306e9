import { base58btc } from 'multiformats/bases/base58'

/** The identity-multihash prefix of a libp2p ed25519 peer id: identity, length 36, protobuf KeyType=Ed25519, Data(32). */
const PEER_ID_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20)

/**
 * An author key as the feed JSON names it: its libp2p peer id (base58btc,
 * "12D3KooW…"), the same name `kiez peers` shows for a box.
 */
export function authorId (key: Uint8Array): string {
  const mh = new Uint8Array(PEER_ID_PREFIX.byteLength + key.byteLength)
  mh.set(PEER_ID_PREFIX)
  mh.set(key, PEER_ID_PREFIX.byteLength)
  return base58btc.baseEncode(mh)
}

/**
 * Reads an author as a user gives it: a peer id ("12D3KooW…", as the feed
 * JSON's `author`) or 64 hex digits (as its `authorKey`). Undefined for
 * anything else, including peer ids of other key types.
 */
export function parseAuthorId (text: string): Uint8Array | undefined {
  const s = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Uint8Array.from(Buffer.from(s, 'hex'))
  if (!/^[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(s)) return undefined
  let mh: Uint8Array
  try {
    mh = base58btc.baseDecode(s)
  } catch {
    return undefined
  }
  if (mh.byteLength !== PEER_ID_PREFIX.byteLength + 32) return undefined
  for (let i = 0; i < PEER_ID_PREFIX.byteLength; i++) if (mh[i] !== PEER_ID_PREFIX[i]) return undefined
  return mh.slice(PEER_ID_PREFIX.byteLength)
}
