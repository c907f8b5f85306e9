import { readEntry } from '@kiez/feed'
import type { Level } from 'level'
import {
  fateKey,
  headKey,
  hex,
  idKey,
  logKey,
  needKey,
  P_ID,
  P_LOG,
  P_PAYLOAD,
  P_TIME,
  payloadKey,
  readU64,
  timeKey
} from './keys.js'

/**
 * Space eviction (packages/quota drives it; docs/LIMITS.md "Storage"). Two
 * steps, each one atomic batch through the store's write queue: dropping
 * payloads (the headers stay, so every chain stays checkable and can be
 * served), and forgetting an author outright (its log, indexes, payloads and
 * head). Unlike a delete, nothing is sealed: what was evicted may come again
 * from a neighbour and is then taken like anything new.
 */

/**
 * What one held header costs on disk beside its own bytes: the `S`, `I` and
 * `T` keys and the two index values (41 + 33 + 40 + 41 + 40 bytes).
 */
export const INDEX_BYTES = 195

/** Bytes an author holds in the store: headers (with their index keys) and payloads. */
export interface AuthorBytes {
  author: Uint8Array
  entries: number
  headerBytes: number
  payloadBytes: number
}

/** A payload the store holds, from the timeline: eviction candidates, oldest first. */
export interface HeldPayload {
  hash: Uint8Array
  author: Uint8Array
  timestamp: number
  bytes: number
}

export interface EvictedPayload {
  hash: Uint8Array
  author: Uint8Array
  bytes: number
}

export interface ForgetResult {
  entries: number
  headerBytes: number
  payloadBytes: number
}

type Db = Level<Uint8Array, Uint8Array>

/**
 * One pass over the log (`S`: header bytes per author) and a merge of the id
 * index with the payloads (`I` and `P` are both ordered by hash), so it reads
 * every key once and looks nothing up.
 */
export async function scanAuthorBytes (db: Db): Promise<Map<string, AuthorBytes>> {
  const out = new Map<string, AuthorBytes>()
  const of = (author: Uint8Array): AuthorBytes => {
    const k = hex(author)
    let a = out.get(k)
    if (a === undefined) out.set(k, a = { author: author.slice(), entries: 0, headerBytes: 0, payloadBytes: 0 })
    return a
  }
  for await (const [k, v] of db.iterator({ gte: Uint8Array.of(P_LOG), lt: Uint8Array.of(P_LOG + 1) })) {
    const a = of(k.subarray(1, 33))
    a.entries++
    a.headerBytes += v.byteLength + INDEX_BYTES
  }
  const ids = db.iterator({ gte: Uint8Array.of(P_ID), lt: Uint8Array.of(P_ID + 1) })
  try {
    let id = await ids.next()
    for await (const [k, v] of db.iterator({ gte: Uint8Array.of(P_PAYLOAD), lt: Uint8Array.of(P_PAYLOAD + 1) })) {
      const hash = k.subarray(1)
      while (id !== undefined && Buffer.compare(id[0].subarray(1), hash) < 0) id = await ids.next()
      if (id === undefined) break
      if (Buffer.compare(id[0].subarray(1), hash) === 0) of(id[1].subarray(0, 32)).payloadBytes += v.byteLength
    }
  } finally {
    await ids.close()
  }
  return out
}

/**
 * Held payloads by ascending timestamp (the timeline read forwards), after
 * the cursor, at most `limit` timeline rows looked at; `next` is where to go
 * on (absent at the end). `skip` leaves authors out before any payload is read.
 */
export async function heldPayloads (
  db: Db,
  opts: { after?: { timestamp: number, hash: Uint8Array }, limit: number, skip?: (author: Uint8Array) => boolean }
): Promise<{ payloads: HeldPayload[], next?: { timestamp: number, hash: Uint8Array } }> {
  const gt = opts.after !== undefined ? timeKey(opts.after.timestamp, opts.after.hash) : Uint8Array.of(P_TIME)
  const rows: Array<{ hash: Uint8Array, author: Uint8Array, timestamp: number }> = []
  let last: { timestamp: number, hash: Uint8Array } | undefined
  let seen = 0
  for await (const [k, v] of db.iterator({ gt, lt: Uint8Array.of(P_TIME + 1), limit: opts.limit })) {
    seen++
    last = { timestamp: readU64(k, 1), hash: k.slice(9) }
    const author = v.subarray(0, 32)
    if (opts.skip?.(author) !== true) rows.push({ hash: last.hash, author: author.slice(), timestamp: last.timestamp })
  }
  const values = await db.getMany(rows.map((r) => payloadKey(r.hash)))
  const payloads: HeldPayload[] = []
  rows.forEach((r, i) => {
    const p = values[i]
    if (p !== undefined) payloads.push({ ...r, bytes: p.byteLength })
  })
  return seen < opts.limit || last === undefined ? { payloads } : { payloads, next: last }
}

/**
 * The keys that forgetting `author` deletes, and what it held: every log
 * entry with its id, timeline, payload, missing-payload and fate records,
 * and the head. Fork proofs (`F`) stay: a forked author keeps a head that is
 * only the fork mark (seq 0), so a second branch is never taken as new.
 */
export async function forgetKeys (db: Db, author: Uint8Array): Promise<{ dels: Uint8Array[], result: ForgetResult }> {
  const dels: Uint8Array[] = []
  const payloads: Uint8Array[] = []
  const result: ForgetResult = { entries: 0, headerBytes: 0, payloadBytes: 0 }
  for await (const [k, v] of db.iterator({ gte: logKey(author, 0), lte: logKey(author, Number.MAX_SAFE_INTEGER) })) {
    dels.push(k)
    result.entries++
    result.headerBytes += v.byteLength + INDEX_BYTES
    const r = readEntry(v, { now: Number.MAX_SAFE_INTEGER })
    if (!r.ok) continue // a log entry that no longer decodes: its indexes cannot be named, the log key goes anyway
    const { hash, timestamp } = r.value
    dels.push(idKey(hash), timeKey(timestamp, hash), payloadKey(hash), needKey(timestamp, hash), fateKey(hash))
    payloads.push(payloadKey(hash))
  }
  for (let i = 0; i < payloads.length; i += 1000) {
    for (const p of await db.getMany(payloads.slice(i, i + 1000))) result.payloadBytes += p?.byteLength ?? 0
  }
  // the store puts a forked author's fork-mark head after these deletes, in the same batch
  dels.push(headKey(author))
  return { dels, result }
}

/** The key range [start, end) of everything with one prefix byte, for compaction after an eviction. */
export function prefixRange (prefix: number): [Uint8Array, Uint8Array] {
  return [Uint8Array.of(prefix), Uint8Array.of(prefix + 1)]
}
