import { equalBytes, type Entry } from '@kiez/feed'
import { StoreError } from './errors.js'
import { decodeFate, dropForGood, replyToOf, type Fate } from './fate.js'
import { editKey, editPrefix, fateKey, hashSeq, hex, readU64, tombKey, waitKey } from './keys.js'
import type { PayloadTx } from './tx.js'

/**
 * Deletes and edits (PROTOCOL.md §2 and §7). Both name their target by hash
 * and count only when the target is the same author's and earlier in the log.
 *
 * What a delete forgets: posts, replies and kinds this version does not know
 * (forgetting an opaque payload is the safe side: a later version that knows
 * the kind must not find boxes still serving what its author deleted). A
 * delete naming a profile, a household, a delete or an edit does nothing: a
 * profile or a household is replaced by a newer one (deleting the newest would
 * bring the one before it back, with members the box has since removed); dropping a delete's payload would hide the target
 * from the boxes that fetch it from us, which would then serve the deleted
 * text again; an edit's text is forgotten by deleting the entry it edits (a
 * delete wins over every edit) or by editing again (the newer edit drops it).
 *
 * What an edit replaces: the text of a post or reply. The newest edit (highest
 * seq) wins; the original's payload and the older edits' are dropped for good.
 */
const EDITABLE = new Set(['post', 'reply'])
const NOT_DELETABLE = new Set(['profile', 'household', 'delete', 'edit'])

export function isEditable (kind: string): boolean {
  return EDITABLE.has(kind)
}

export function isDeletable (kind: string): boolean {
  return !NOT_DELETABLE.has(kind)
}
const EMPTY = new Uint8Array(0)
/** the edit key's seq: prefix(1) target(32) author(32) seq(8) */
const EDIT_SEQ_AT = 65

function wait (target: Uint8Array, tx: PayloadTx): void {
  tx.put(waitKey(target), EMPTY)
  tx.awaiting.add(hex(target))
}

/**
 * A delete's payload became known: record the tombstone, under the delete's
 * author, and apply it if the target is held. A target held and written by
 * someone else is left alone, and no tombstone is kept for it.
 */
export async function learnDelete (del: Entry, target: Uint8Array, tx: PayloadTx): Promise<void> {
  const t = await tx.entry(target)
  if (t !== undefined && !equalBytes(t.author, del.author)) return
  tx.put(tombKey(target, del.author), hashSeq(del.hash, del.seq))
  if (t === undefined) wait(target, tx)
  else await settleTarget(target, tx)
}

/**
 * An edit's payload checked out: refuse it (false) if its author deleted the
 * target or a newer edit of theirs is known, else record it among the target's
 * edits (the caller stores the payload and settles the target).
 */
export async function learnEdit (edit: Entry, target: Uint8Array, tx: PayloadTx): Promise<boolean> {
  const tomb = await tx.get(tombKey(target, edit.author))
  if (tomb !== undefined) {
    await dropForGood(edit, { reason: 'deleted', by: tomb.slice(0, 32) }, tx)
    return false
  }
  const edits = await tx.scan(editPrefix(target, edit.author))
  const newer = edits.find((e) => readU64(e.key, EDIT_SEQ_AT) > edit.seq)
  if (newer !== undefined) {
    await dropForGood(edit, { reason: 'superseded', by: edits[edits.length - 1]?.value ?? newer.value }, tx)
    return false
  }
  tx.put(editKey(target, edit.author, edit.seq), edit.hash)
  return true
}

/**
 * Applies what is known about a target to it and its edits: a delete by its
 * author drops all their payloads; else the newest edit by its author drops
 * the original's and the older edits'. Idempotent; a target not held yet waits.
 */
export async function settleTarget (target: Uint8Array, tx: PayloadTx): Promise<void> {
  const t = await tx.entry(target)
  if (t === undefined) {
    wait(target, tx)
    return
  }
  if (tx.awaiting.delete(hex(target))) tx.del(waitKey(target))
  const tomb = await tx.get(tombKey(t.hash, t.author))
  const edits = (await tx.scan(editPrefix(t.hash, t.author))).filter((e) => readU64(e.key, EDIT_SEQ_AT) > t.seq)
  if (tomb !== undefined && !NOT_DELETABLE.has(t.kind) && readU64(tomb, 32) > t.seq) {
    const fate: Fate = { reason: 'deleted', by: tomb.slice(0, 32) }
    await dropForGood(t, fate, tx)
    await dropEdits(edits, fate, tx)
    return
  }
  const latest = edits[edits.length - 1]
  if (!EDITABLE.has(t.kind) || latest === undefined) return
  const replyTo = await replyToOf(t, tx)
  await dropForGood(t, { reason: 'edited', by: latest.value, ...(replyTo !== undefined ? { replyTo } : {}) }, tx)
  await dropEdits(edits.slice(0, -1), { reason: 'superseded', by: latest.value }, tx)
}

async function dropEdits (edits: Array<{ value: Uint8Array }>, fate: Fate, tx: PayloadTx): Promise<void> {
  for (const e of edits) {
    const edit = await tx.entry(e.value)
    if (edit !== undefined) await dropForGood(edit, fate, tx)
  }
}

/** A local delete or edit must name a held, live entry of the same author that it can apply to. */
export async function checkLocalTarget (
  author: Uint8Array,
  body: { type: 'delete' | 'edit', target: Uint8Array },
  tx: PayloadTx
): Promise<void> {
  const target = await tx.entry(body.target)
  if (target === undefined) throw new StoreError('bad_input', `the ${body.type}'s target is not in this store`)
  if (!equalBytes(target.author, author)) {
    throw new StoreError('not_author', `only the author of an entry can ${body.type} it`)
  }
  if (body.type === 'delete' ? !isDeletable(target.kind) : !isEditable(target.kind)) {
    throw new StoreError('bad_input', `an entry of kind ${target.kind} cannot be ${body.type}d`)
  }
  const fate = await tx.get(fateKey(body.target))
  if (fate !== undefined && decodeFate(fate)?.reason === 'deleted') {
    throw new StoreError('bad_input', 'the target is deleted')
  }
}
