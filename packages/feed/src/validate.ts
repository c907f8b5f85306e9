import { decode, encode } from 'cborg'
import { type PublicKeyCache, verifySignature } from './crypto.js'
import { readEntry, signedBytes, type Entry, type ReadOptions } from './entry.js'
import type { ValidationCode } from './errors.js'

/** What a receiver knows of one author's log. */
export interface AuthorState {
  /** highest stored seq; 0 when we hold no entry (only a fork mark) */
  seq: number
  /** hash of the entry at `seq` */
  hash: Uint8Array
  /** set once a fork proof is stored: no entry with seq >= forkedAt is accepted any more */
  forkedAt?: number
}

export interface CheckContext {
  keys: PublicKeyCache
  /** the author's state, undefined when we hold nothing of this author */
  state?: AuthorState
  /** hash of our stored entry at a seq <= state.seq (the caller looks these up) */
  storedHashAt?: (seq: number) => Uint8Array | undefined
}

export type ValidationContext = CheckContext & ReadOptions

export type Rejection = {
  ok: false
  code: ValidationCode
  message: string
  /** the decoded entry, when decoding got that far */
  entry?: Entry
  /** for a newly detected fork: the hash of the stored entry it conflicts with */
  forkWith?: Uint8Array
}

export type ValidationResult = { ok: true, entry: Entry } | Rejection

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

export function verifyEntrySignature (keys: PublicKeyCache, entry: Entry): boolean {
  return verifySignature(keys, entry.author, signedBytes(entry.header), entry.signature)
}

/**
 * The one-entry path (gossip, local authoring): every rule, one signature
 * check. Total: never throws; returns a stable code.
 */
export function validateEntry (bytes: Uint8Array, ctx: ValidationContext): ValidationResult {
  const read = readEntry(bytes, ctx)
  if (!read.ok) return read
  return checkEntry(read.value, ctx)
}

/**
 * Rules that need the author's state. Order matters: a replay is recognised
 * by hash before any signature work, and the signature is checked before
 * seq/previous so that `wrong_seq` and `forked` are only ever claims the
 * author really signed (a forged gap must not make us pull).
 */
export function checkEntry (entry: Entry, ctx: CheckContext): ValidationResult {
  const state = ctx.state
  const stored = state !== undefined && entry.seq <= state.seq ? ctx.storedHashAt?.(entry.seq) : undefined
  if (stored !== undefined && equalBytes(stored, entry.hash)) {
    return { ok: false, code: 'duplicate', message: `already stored (seq ${entry.seq})`, entry }
  }
  if (state?.forkedAt !== undefined && entry.seq >= state.forkedAt) {
    return { ok: false, code: 'forked', message: `author's feed is frozen at a fork at seq ${state.forkedAt}`, entry }
  }
  if (!verifyEntrySignature(ctx.keys, entry)) {
    return { ok: false, code: 'bad_signature', message: 'signature does not verify', entry }
  }
  if (stored !== undefined) {
    return {
      ok: false,
      code: 'forked',
      message: `a different entry with seq ${entry.seq} is stored: fork`,
      entry,
      forkWith: stored
    }
  }
  return checkLink(entry, state)
}

function checkLink (entry: Entry, state: AuthorState | undefined): ValidationResult {
  const expected = (state?.seq ?? 0) + 1
  if (entry.seq !== expected) {
    return { ok: false, code: 'wrong_seq', message: `seq ${entry.seq}, expected ${expected}`, entry }
  }
  if (state !== undefined && state.seq > 0 && (entry.previous === null || !equalBytes(entry.previous, state.hash))) {
    return {
      ok: false,
      code: 'wrong_previous',
      message: `previous does not match our entry at seq ${state.seq}`,
      entry
    }
  }
  return { ok: true, entry }
}

export interface RangeResult {
  /** entries to store, in seq order, authenticated together */
  accepted: Entry[]
  /** entries we already had */
  duplicates: number
  /** why the rest of the range was not accepted */
  rejection?: Rejection & { index: number }
}

/**
 * The range path (catch-up sync). Entries must be one author's, in ascending
 * seq. Every rule of checkEntry holds, but signatures are checked once per
 * run: each header commits to the hash of its predecessor, so one valid
 * signature on the newest entry of a hash-linked run authenticates the whole
 * run (docs/PROTOCOL.md §4 gives the argument).
 */
export function checkRange (entries: readonly Entry[], ctx: CheckContext): RangeResult {
  const state = ctx.state
  let duplicates = 0
  const run: Entry[] = []
  let rejection: RangeResult['rejection']
  const author = entries[0]?.author
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Entry
    if (author !== undefined && !equalBytes(e.author, author)) {
      rejection = { ok: false, code: 'malformed_content', message: 'a range must hold one author', entry: e, index: i }
      break
    }
    if (run.length === 0) {
      // Until the first new entry: duplicates, forks and the frozen feed are judged one by one.
      const r = checkEntryUnsigned(e, { ...ctx, state })
      if (r === 'duplicate') {
        duplicates++
        continue
      }
      if (r !== undefined) {
        rejection = { ...r, index: i }
        break
      }
      run.push(e)
      continue
    }
    const prev = run[run.length - 1] as Entry
    const linked = checkLink(e, { seq: prev.seq, hash: prev.hash })
    if (!linked.ok) {
      rejection = { ...linked, index: i }
      break
    }
    run.push(e)
  }
  if (run.length > 0) {
    const last = run[run.length - 1] as Entry
    if (!verifyEntrySignature(ctx.keys, last)) {
      const index = entries.indexOf(last)
      return {
        accepted: [],
        duplicates,
        rejection: {
          ok: false,
          code: 'bad_signature',
          message: `signature of seq ${last.seq} does not verify`,
          entry: last,
          index
        }
      }
    }
  }
  return { accepted: run, duplicates, rejection }
}

/** checkEntry without the signature check for the entry that may start a run. */
function checkEntryUnsigned (entry: Entry, ctx: CheckContext): Rejection | 'duplicate' | undefined {
  const state = ctx.state
  const stored = state !== undefined && entry.seq <= state.seq ? ctx.storedHashAt?.(entry.seq) : undefined
  if (stored !== undefined) {
    if (equalBytes(stored, entry.hash)) return 'duplicate'
    // A conflicting entry is evidence of a fork only if the author really signed it.
    const r = checkEntry(entry, ctx)
    return r.ok ? undefined : r
  }
  if (state?.forkedAt !== undefined && entry.seq >= state.forkedAt) {
    return { ok: false, code: 'forked', message: `author's feed is frozen at a fork at seq ${state.forkedAt}`, entry }
  }
  const linked = checkLink(entry, state)
  return linked.ok ? undefined : linked
}

/** Two validly signed entries of one author with one seq: the canonical proof is [lower bytes, higher bytes]. */
export function encodeForkProof (a: Entry, b: Entry): Uint8Array {
  const [x, y] = Buffer.compare(a.bytes, b.bytes) <= 0 ? [a, b] : [b, a]
  return encode([x.bytes, y.bytes])
}

export type ForkProofResult = { ok: true, author: Uint8Array, seq: number, entries: [Entry, Entry] } | {
  ok: false
  code: ValidationCode
  message: string
}

/** Checks a fork proof from anyone: both entries decode, share author and seq, differ, and both signatures verify. */
export function verifyForkProof (bytes: Uint8Array, keys: PublicKeyCache): ForkProofResult {
  let v: unknown
  try {
    v = decode(bytes, { tags: [], allowUndefined: false, allowIndefinite: false, strict: true })
  } catch {
    return { ok: false, code: 'bad_encoding', message: 'fork proof is not well-formed CBOR' }
  }
  if (!Array.isArray(v) || v.length !== 2 || !(v[0] instanceof Uint8Array) || !(v[1] instanceof Uint8Array)) {
    return { ok: false, code: 'bad_encoding', message: 'fork proof must be an array of two byte strings' }
  }
  if (Buffer.compare(v[0], v[1]) >= 0) {
    return { ok: false, code: 'non_canonical', message: 'fork proof entries must be distinct and in byte order' }
  }
  // The proof stays valid however old it is: no clock check.
  const a = readEntry(v[0], { now: Number.MAX_SAFE_INTEGER, maxFutureMs: 0 })
  const b = readEntry(v[1], { now: Number.MAX_SAFE_INTEGER, maxFutureMs: 0 })
  if (!a.ok) return a
  if (!b.ok) return b
  if (!equalBytes(a.value.author, b.value.author) || a.value.seq !== b.value.seq) {
    return { ok: false, code: 'malformed_content', message: 'fork proof entries differ in author or seq' }
  }
  if (!verifyEntrySignature(keys, a.value) || !verifyEntrySignature(keys, b.value)) {
    return { ok: false, code: 'bad_signature', message: 'a fork proof entry is not validly signed' }
  }
  return { ok: true, author: a.value.author, seq: a.value.seq, entries: [a.value, b.value] }
}
