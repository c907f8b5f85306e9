import { concatBytes } from '@kiez/feed'
import { Level } from 'level'
import { SearchError } from './errors.js'

/**
 * The term index on its own LevelDB: postings `t | term(8) | newest-first time(8) | entry hash(32)`
 * (empty values) and a forward record per entry `f | hash(32)` → time(8) + its terms(8 each), so an
 * entry's postings can be dropped without its text. Terms are stored as the first 8 bytes of their
 * SHA-256, never as text: a deleted post's words do not live on in the index (the query is checked
 * against the entry's current text anyway, so a rare hash collision only costs a look).
 */

const P_POST = 0x74
const P_FWD = 0x66
const P_META = 0x6d
/** `a | time(8, oldest first) | hash(32)`: the oldest entries first, for trimming to maxDocs */
const P_AGE = 0x61
const TERM = 8
const TIME_MAX = 2 ** 53 - 1
/** bump when the key layout or the tokeniser changes: an index of another version is rebuilt */
export const INDEX_VERSION = 3

export interface IndexState {
  version: number
  /** false while open: an index found unclean was not closed, and is caught up from the store */
  clean: boolean
  /** the store's entry count when the index was last closed clean */
  entries: number
}

export interface IndexDoc {
  hash: Uint8Array
  timestamp: number
  /** the terms as `termKey` gives them */
  terms: Uint8Array[]
}

/**
 * A term's name in the index: a word (`w`), a prefix of a word (`p`), a kind (`k`), hashed to 64 bits
 * (two 32-bit FNV-1a variants: a cryptographic hash cost 15 µs a term, and a collision only costs a look,
 * since every hit is checked against the entry's text).
 */
export function termKey (kind: 'w' | 'p' | 'k', s: string): Uint8Array {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ kind.charCodeAt(0)
  a = Math.imul(a ^ kind.charCodeAt(0), 0x01000193)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  b = Math.imul(b ^ s.length, 0x27d4eb2d)
  b ^= b >>> 13
  const out = new Uint8Array(TERM)
  const v = new DataView(out.buffer)
  v.setUint32(0, a >>> 0)
  v.setUint32(4, b >>> 0)
  return out
}

function u64 (n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

function readU64 (b: Uint8Array, at: number): number {
  return Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at))
}

function compare (a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

/** The first key after every key that starts with `p` (p starts with P_POST, so it is never all 0xff). */
function prefixEnd (p: Uint8Array): Uint8Array {
  const end = p.slice()
  let i = end.length - 1
  while (i > 0 && end[i] === 0xff) i--
  end[i] = (end[i] ?? 0) + 1
  return end.subarray(0, i + 1)
}

const fwdKey = (hash: Uint8Array): Uint8Array => concatBytes(Uint8Array.of(P_FWD), hash)
const postKey = (term: Uint8Array, suffix: Uint8Array): Uint8Array => concatBytes(Uint8Array.of(P_POST), term, suffix)
/** newest first: the time is stored as its distance from the largest safe integer */
const suffixOf = (timestamp: number, hash: Uint8Array): Uint8Array =>
  concatBytes(u64(TIME_MAX - Math.max(0, Math.min(timestamp, TIME_MAX))), hash)
const STATE = Uint8Array.of(P_META, 0x73)
const ageKey = (timestamp: number, hash: Uint8Array): Uint8Array =>
  concatBytes(Uint8Array.of(P_AGE), u64(Math.max(0, Math.min(timestamp, TIME_MAX))), hash)
const AGE_START = Uint8Array.of(P_AGE)
const AGE_END = Uint8Array.of(P_AGE + 1)

export class TermIndex {
  private writing: Promise<unknown> = Promise.resolve()
  private closed = false
  /** entries indexed (counted at open, kept by apply) */
  docs = 0

  private constructor (private readonly db: Level<Uint8Array, Uint8Array>) {}

  static async open (path: string): Promise<TermIndex> {
    const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
    try {
      // a larger write buffer than LevelDB's 4 MiB: a catch-up writes ~30 postings per entry
      await db.open({ writeBufferSize: 16 * 1024 * 1024 })
    } catch (err) {
      throw new SearchError('open_failed', `cannot open the search index at ${path}: ${(err as Error).message}`, {
        cause: err
      })
    }
    const index = new TermIndex(db)
    for await (const _ of db.keys({ gte: AGE_START, lt: AGE_END })) index.docs++
    return index
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.writing.catch(() => {})
    await this.db.close()
  }

  async state (): Promise<IndexState | undefined> {
    const v = await this.db.get(STATE)
    if (v === undefined) return undefined
    try {
      return JSON.parse(Buffer.from(v).toString('utf8')) as IndexState
    } catch {
      return undefined
    }
  }

  async setState (s: IndexState): Promise<void> {
    await this.db.put(STATE, Buffer.from(JSON.stringify(s)), { sync: true })
  }

  /** Drops everything (an index of another version). */
  async clear (): Promise<void> {
    await this.db.clear()
    this.docs = 0
  }

  /** The hashes of the `n` oldest entries indexed. */
  async oldest (n: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for await (const k of this.db.keys({ gte: AGE_START, lt: AGE_END, limit: n })) out.push(k.slice(9))
    return out
  }

  async has (hashes: Uint8Array[]): Promise<boolean[]> {
    if (hashes.length === 0) return []
    return (await this.db.getMany(hashes.map(fwdKey))).map((v) => v !== undefined)
  }

  /**
   * Replaces each entry's postings with `doc`'s terms, or drops them (`doc` undefined), in one batch.
   * Writes run one after another: each reads the forward records the one before wrote.
   */
  async apply (updates: Array<{ hash: Uint8Array, doc?: IndexDoc }>): Promise<void> {
    const run = this.writing.then(async () => {
      if (this.closed) throw new SearchError('closed', 'the search index is closed')
      const olds = await this.db.getMany(updates.map((u) => fwdKey(u.hash)))
      const ops: Array<{ type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }> = []
      const empty = new Uint8Array(0)
      let docs = this.docs
      updates.forEach((u, i) => {
        const old = olds[i]
        if (old !== undefined && old.byteLength >= 8) {
          docs--
          ops.push({ type: 'del', key: ageKey(readU64(old, 0), u.hash) })
          const suffix = suffixOf(readU64(old, 0), u.hash)
          for (let at = 8; at + TERM <= old.byteLength; at += TERM) {
            ops.push({ type: 'del', key: postKey(old.subarray(at, at + TERM), suffix) })
          }
          ops.push({ type: 'del', key: fwdKey(u.hash) })
        }
        if (u.doc === undefined) return
        const seen = new Set<string>()
        const hashes = u.doc.terms.filter((t) => {
          const k = Buffer.from(t).toString('latin1')
          return seen.has(k) ? false : (seen.add(k), true)
        })
        const suffix = suffixOf(u.doc.timestamp, u.hash)
        for (const t of hashes) ops.push({ type: 'put', key: postKey(t, suffix), value: empty })
        ops.push({ type: 'put', key: fwdKey(u.hash), value: concatBytes(u64(u.doc.timestamp), ...hashes) })
        ops.push({ type: 'put', key: ageKey(u.doc.timestamp, u.hash), value: empty })
        docs++
      })
      // later ops win in a batch: a del of an old posting the new doc also has comes first, then its put
      if (ops.length > 0) await this.db.batch(ops)
      this.docs = docs
    })
    this.writing = run.catch(() => {})
    await run
  }

  /**
   * The entries holding every one of `terms`, newest first: a leapfrog join over the postings (each
   * list seeks to the largest key the others stand on), at most `maxSteps` seeks in all.
   */
  async *match (terms: Uint8Array[], maxSteps: number): AsyncGenerator<{ hash: Uint8Array, timestamp: number }> {
    if (terms.length === 0) return
    const prefixes = terms.map((t) => concatBytes(Uint8Array.of(P_POST), t))
    const its = prefixes.map((p) => this.db.keys({ gte: p, lt: prefixEnd(p) }))
    try {
      const at: Array<Uint8Array | undefined> = await Promise.all(its.map(async (it) => await it.next()))
      let steps = 0
      while (steps < maxSteps) {
        if (at.some((k) => k === undefined)) return
        const suffixes = (at as Uint8Array[]).map((k) => k.subarray(1 + TERM))
        let max = suffixes[0] as Uint8Array
        for (const s of suffixes) if (compare(s, max) > 0) max = s
        if (suffixes.every((s) => compare(s, max) === 0)) {
          yield { hash: max.slice(8), timestamp: TIME_MAX - readU64(max, 0) }
          for (let i = 0; i < its.length; i++) at[i] = await (its[i] as (typeof its)[number]).next()
          steps += its.length
          continue
        }
        const target = max.slice()
        for (let i = 0; i < its.length; i++) {
          if (compare(suffixes[i] as Uint8Array, target) < 0) {
            const it = its[i] as (typeof its)[number]
            it.seek(concatBytes(prefixes[i] as Uint8Array, target))
            at[i] = await it.next()
            steps++
          }
        }
      }
    } finally {
      await Promise.all(its.map(async (it) => await it.close()))
    }
  }
}
