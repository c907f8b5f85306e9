import { withPayload, type Entry, type ValidationCode } from '@kiez/feed'
import { decode } from 'cborg'
import { decodeFate, encodeFate, type Fate } from './fate.js'
import type { Level } from 'level'
import { authorSeq, fateKey, needKey, P_NEED, payloadKey, readU64 } from './keys.js'
import { learnDelete, learnEdit, settleTarget } from './tombstones.js'
import type { PayloadTx } from './tx.js'

/**
 * What became of a payload offered with (or missing from) an entry:
 * - stored: checked and stored now (also for a header we held without it);
 * - had: we already hold it (or, with no payload offered, we hold one);
 * - absent: none offered and none held;
 * - mismatch: the bytes are not the ones the header commits to (the sender's fault; fetch elsewhere);
 * - invalid: the bytes match the header but break a payload rule: the author signed a bad
 *   payload, none valid exists, and it is never asked for again;
 * - refused: the payload is gone for good here (deleted, edited, superseded, invalid) and stays so.
 */
export type PayloadOutcome = 'stored' | 'had' | 'absent' | 'mismatch' | 'invalid' | 'refused'

/** An entry as the store reads it back: the payload and body attached when held. */
export interface StoredEntry extends Entry {
  /** set when the payload is gone for good and refused from now on, and why */
  readonly fate?: Fate
  /** an edited post or reply: the newest edit's text, when that edit's payload is held */
  readonly editedText?: string
}

export interface PayloadResult {
  outcome: PayloadOutcome
  /** why the payload was not taken (mismatch, invalid) */
  code?: ValidationCode
  /** the entry with payload and body attached, when stored */
  entry?: Entry
}

/**
 * Takes what came with a header the store has just staged (`fresh`) or
 * already held (a duplicate): checks the payload against the header and
 * stores it unless its fate is sealed, or notes the header as missing one.
 * A fresh header has no fate or payload record yet (both are keyed by its
 * hash), so it costs no read here.
 */
export async function takePayload (
  entry: Entry,
  payload: Uint8Array | undefined,
  fresh: boolean,
  tx: PayloadTx
): Promise<PayloadResult> {
  if (payload === undefined) {
    if (fresh) {
      tx.put(needKey(entry.timestamp, entry.hash), authorSeq(entry.author, entry.seq))
      return { outcome: 'absent' }
    }
    return { outcome: await tx.get(payloadKey(entry.hash)) !== undefined ? 'had' : 'absent' }
  }
  if (!fresh) {
    if (await tx.get(payloadKey(entry.hash)) !== undefined) return { outcome: 'had' }
    if (await tx.get(fateKey(entry.hash)) !== undefined) return { outcome: 'refused' }
  }
  const full = withPayload(entry, payload)
  if (!full.ok) {
    if (full.code === 'payload_mismatch') {
      if (fresh) tx.put(needKey(entry.timestamp, entry.hash), authorSeq(entry.author, entry.seq))
      return { outcome: 'mismatch', code: full.code }
    }
    tx.put(fateKey(entry.hash), encodeFate({ reason: 'invalid' }))
    if (!fresh) tx.del(needKey(entry.timestamp, entry.hash))
    return { outcome: 'invalid', code: full.code }
  }
  const body = full.value.body
  if (body?.type === 'edit' && !await learnEdit(full.value, body.target, tx)) return { outcome: 'refused' }
  tx.put(payloadKey(entry.hash), payload)
  if (!fresh) tx.del(needKey(entry.timestamp, entry.hash))
  if (body?.type === 'delete') await learnDelete(full.value, body.target, tx)
  if (body?.type === 'edit') await settleTarget(body.target, tx)
  return { outcome: 'stored', entry: full.value }
}

/**
 * Attaches to headers read back what the store holds about their payloads:
 * the payload and body, the fate record, and for an edited entry the newest
 * edit's text. Two multi-gets for any number of entries, one more for edits.
 */
export async function attach (
  entries: Entry[],
  getMany: (keys: Uint8Array[]) => Promise<Array<Uint8Array | undefined>>
): Promise<StoredEntry[]> {
  if (entries.length === 0) return []
  const [payloads, fates] = await Promise.all([
    getMany(entries.map((e) => payloadKey(e.hash))),
    getMany(entries.map((e) => fateKey(e.hash)))
  ])
  const out: StoredEntry[] = entries.map((e, i) => {
    const p = payloads[i]
    const f = fates[i]
    const full = p !== undefined ? withPayload(e, p) : undefined
    const base: Entry = full?.ok === true ? full.value : e
    const fate = f !== undefined ? decodeFate(f) : undefined
    return fate !== undefined ? { ...base, fate } : base
  })
  const edited = out.filter((e) => e.fate?.reason === 'edited' && e.fate.by !== undefined)
  if (edited.length === 0) return out
  const editPayloads = await getMany(edited.map((e) => payloadKey(e.fate?.by as Uint8Array)))
  const texts = new Map<StoredEntry, string>()
  edited.forEach((e, i) => {
    const bytes = editPayloads[i]
    const text = bytes !== undefined ? editText(bytes) : undefined
    if (text !== undefined) texts.set(e, text)
  })
  return out.map((e) => {
    const text = texts.get(e)
    return text === undefined ? e : { ...e, editedText: text }
  })
}

/** The text of a stored edit payload (checked on the way in, so only its shape is read here). */
function editText (bytes: Uint8Array): string | undefined {
  try {
    const v = decode(bytes) as unknown
    return Array.isArray(v) && typeof v[1] === 'string' ? v[1] : undefined
  } catch {
    return undefined
  }
}

/** A held entry whose payload is missing and may be fetched (an `N` record). */
export interface MissingPayload {
  hash: Uint8Array
  author: Uint8Array
  seq: number
  /** the entry's timestamp: the order of the list, and with `hash` its paging cursor */
  timestamp: number
}

/** The `N` records, oldest timestamp first, after `after`, at most `limit` (1 … 1000, default 100). */
export async function listMissing (
  db: Level<Uint8Array, Uint8Array>,
  opts: { limit?: number, after?: Pick<MissingPayload, 'hash' | 'timestamp'> }
): Promise<MissingPayload[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? 100, 1000))
  const gt = opts.after !== undefined ? needKey(opts.after.timestamp, opts.after.hash) : Uint8Array.of(P_NEED)
  const out: MissingPayload[] = []
  for await (const [k, v] of db.iterator({ gt, lt: Uint8Array.of(P_NEED + 1), limit })) {
    out.push({ hash: k.slice(9), author: v.slice(0, 32), seq: readU64(v, 32), timestamp: readU64(k, 1) })
  }
  return out
}
