/**
 * LevelDB key layout (all keys binary, one-byte prefix; docs/PROTOCOL.md §7):
 *   S author(32) seq(u64be)        → entry bytes           (the log, by author and seq: headers only)
 *   I hash(32)                     → author(32) seq(u64be) (by entry id)
 *   T timestamp(u64be) hash(32)    → author(32) seq(u64be) (timeline: newest first by reverse scan, hash breaks ties)
 *   H author(32)                   → CBOR [seq, hash, forkedAt | null]   (per-author head)
 *   F author(32) seq(u64be)        → fork proof bytes
 *   V                              → CBOR layout version
 *   M name(utf-8)                  → small records about the store itself (own-feed.ts: owner, guard)
 *   P hash(32)                     → payload bytes         (one key per payload: dropping it is one del)
 *   N timestamp(u64be) hash(32)    → author(32) seq(u64be) (held headers whose payload is missing, oldest first)
 *   X hash(32)                     → CBOR fate record      (why a payload is gone for good: payloads.ts)
 *   D target(32) author(32)        → delete hash(32) seq(u64be) (tombstone: author's delete naming target)
 *   E target(32) author(32) seq(u64be) → edit hash(32)     (author's edits of target, by the edit's seq)
 *   W target(32)                   → empty                 (a delete or edit names a target not held yet)
 *   C key                          → empty                 (a dropped payload key still to be compacted away)
 */
export const P_LOG = 0x53 // 'S'
export const P_ID = 0x49 // 'I'
export const P_TIME = 0x54 // 'T'
export const P_HEAD = 0x48 // 'H'
export const P_FORK = 0x46 // 'F'
export const P_VERSION = 0x56 // 'V'
export const P_META = 0x4d // 'M'
export const P_PAYLOAD = 0x50 // 'P'
export const P_NEED = 0x4e // 'N'
export const P_FATE = 0x58 // 'X'
export const P_TOMB = 0x44 // 'D'
export const P_EDIT = 0x45 // 'E'
export const P_WAIT = 0x57 // 'W'
export const P_COMPACT = 0x43 // 'C'

/** 2: entry format 2 (headers in S, payloads in P). Layout 1 held format 1 entries and is refused. */
export const LAYOUT_VERSION = 2

/** Writes n (0 … 2^53-1) big-endian into 8 bytes; no DataView or BigInt per key on the hot path. */
function u64 (k: Uint8Array, offset: number, n: number): void {
  const hi = Math.floor(n / 0x100000000)
  const lo = n >>> 0
  k[offset] = hi >>> 24
  k[offset + 1] = (hi >>> 16) & 0xff
  k[offset + 2] = (hi >>> 8) & 0xff
  k[offset + 3] = hi & 0xff
  k[offset + 4] = lo >>> 24
  k[offset + 5] = (lo >>> 16) & 0xff
  k[offset + 6] = (lo >>> 8) & 0xff
  k[offset + 7] = lo & 0xff
}

export function readU64 (bytes: Uint8Array, offset: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset))
}

/** prefix ‖ author(32) ‖ seq(u64be): the log and fork-proof keys. */
function authorSeqKey (prefix: number, author: Uint8Array, seq: number): Uint8Array {
  const k = new Uint8Array(41)
  k[0] = prefix
  k.set(author, 1)
  u64(k, 33, seq)
  return k
}

export function logKey (author: Uint8Array, seq: number): Uint8Array {
  return authorSeqKey(P_LOG, author, seq)
}

/** author(32) ‖ seq(u64be): the value of the id and timeline indexes. */
export function authorSeq (author: Uint8Array, seq: number): Uint8Array {
  const v = new Uint8Array(40)
  v.set(author, 0)
  u64(v, 32, seq)
  return v
}

/** prefix ‖ 32 bytes: the id-index and head keys. */
function key32 (prefix: number, bytes: Uint8Array): Uint8Array {
  const k = new Uint8Array(33)
  k[0] = prefix
  k.set(bytes, 1)
  return k
}

export function idKey (hash: Uint8Array): Uint8Array {
  return key32(P_ID, hash)
}

export function timeKey (timestamp: number, hash: Uint8Array): Uint8Array {
  const k = new Uint8Array(41)
  k[0] = P_TIME
  u64(k, 1, timestamp)
  k.set(hash, 9)
  return k
}

export function payloadKey (hash: Uint8Array): Uint8Array {
  return key32(P_PAYLOAD, hash)
}

export function fateKey (hash: Uint8Array): Uint8Array {
  return key32(P_FATE, hash)
}

export function waitKey (target: Uint8Array): Uint8Array {
  return key32(P_WAIT, target)
}

export function needKey (timestamp: number, hash: Uint8Array): Uint8Array {
  const k = timeKey(timestamp, hash)
  k[0] = P_NEED
  return k
}

/** prefix ‖ target(32) ‖ author(32): the tombstone key, and the prefix of an author's edits of target. */
function targetAuthorKey (prefix: number, target: Uint8Array, author: Uint8Array, extra = 0): Uint8Array {
  const k = new Uint8Array(65 + extra)
  k[0] = prefix
  k.set(target, 1)
  k.set(author, 33)
  return k
}

export function tombKey (target: Uint8Array, author: Uint8Array): Uint8Array {
  return targetAuthorKey(P_TOMB, target, author)
}

export function editKey (target: Uint8Array, author: Uint8Array, seq: number): Uint8Array {
  const k = targetAuthorKey(P_EDIT, target, author, 8)
  u64(k, 65, seq)
  return k
}

export function editPrefix (target: Uint8Array, author: Uint8Array): Uint8Array {
  return targetAuthorKey(P_EDIT, target, author)
}

export function compactKey (key: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + key.byteLength)
  k[0] = P_COMPACT
  k.set(key, 1)
  return k
}

/** hash(32) ‖ seq(u64be): the tombstone value. */
export function hashSeq (hash: Uint8Array, seq: number): Uint8Array {
  const v = new Uint8Array(40)
  v.set(hash, 0)
  u64(v, 32, seq)
  return v
}

export function headKey (author: Uint8Array): Uint8Array {
  return key32(P_HEAD, author)
}

export function forkKey (author: Uint8Array, seq: number): Uint8Array {
  return authorSeqKey(P_FORK, author, seq)
}

export function metaKey (name: string): Uint8Array {
  const n = Buffer.from(name, 'utf8')
  const k = new Uint8Array(1 + n.byteLength)
  k[0] = P_META
  k.set(n, 1)
  return k
}

/** The smallest key after every key that starts with `prefix`. */
export function prefixEnd (prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1
      return end.subarray(0, i + 1)
    }
  }
  return new Uint8Array([0xff, 0xff])
}

export function hex (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}
