import { readPayload, type Entry } from '@kiez/feed'
import { decode, encode } from 'cborg'
import { fateKey, needKey, payloadKey } from './keys.js'
import type { PayloadTx } from './tx.js'

/** Why an entry's payload is gone for good (PROTOCOL.md §7, the `X` record). */
export interface Fate {
  /**
   * deleted: its author deleted it (or the entry it edits); edited: its author edited it and the
   * newest edit's text replaces it; superseded: an edit replaced by a newer edit of the same target;
   * invalid: the payload its header commits to breaks a payload rule.
   */
  reason: 'deleted' | 'edited' | 'superseded' | 'invalid'
  /** the hash of the delete, or of the newest edit, that decided it */
  by?: Uint8Array
  /** an edited reply keeps what it replied to: an edit's payload does not carry it */
  replyTo?: Uint8Array
}

const REASONS = ['deleted', 'edited', 'superseded', 'invalid'] as const

export function encodeFate (f: Fate): Uint8Array {
  return encode([f.reason, f.by ?? null, f.replyTo ?? null])
}

export function decodeFate (bytes: Uint8Array): Fate | undefined {
  try {
    const v = decode(bytes) as unknown
    if (!Array.isArray(v) || v.length !== 3) return undefined
    const [reason, by, replyTo] = v as [unknown, unknown, unknown]
    if (!(REASONS as readonly unknown[]).includes(reason)) return undefined
    const f: Fate = { reason: reason as Fate['reason'] }
    if (by instanceof Uint8Array) f.by = by
    if (replyTo instanceof Uint8Array) f.replyTo = replyTo
    return f
  } catch {
    return undefined
  }
}

/**
 * Drops an entry's payload for good: deletes it, records why (so it is
 * refused from now on and never listed as missing), and has its key
 * compacted after the commit so the old bytes leave the files.
 */
export async function dropForGood (entry: Entry, fate: Fate, tx: PayloadTx): Promise<void> {
  const key = payloadKey(entry.hash)
  if (await tx.get(key) !== undefined) {
    tx.del(key)
    tx.compact(key)
  }
  tx.put(fateKey(entry.hash), encodeFate(fate))
  tx.del(needKey(entry.timestamp, entry.hash))
}

/** What the reply an edit replaced replied to, from its payload or from an earlier fate record. */
export async function replyToOf (target: Entry, tx: PayloadTx): Promise<Uint8Array | undefined> {
  if (target.kind !== 'reply') return undefined
  const bytes = await tx.get(payloadKey(target.hash))
  if (bytes !== undefined) {
    const body = readPayload(target, bytes)
    if (body.ok && body.value.type === 'reply') return body.value.replyTo
  }
  const fate = await tx.get(fateKey(target.hash))
  return fate === undefined ? undefined : decodeFate(fate)?.replyTo
}
