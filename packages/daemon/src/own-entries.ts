import { equalBytes, parseEntryId, type KnownBody } from '@kiez/feed'
import type { StoredEntry } from '@kiez/store'
import { ApiError } from './errors.js'

/** What a local delete or edit asks for: the target by id, and an edit's new text. */
export type Amend = { type: 'delete', id: string } | { type: 'edit', id: string, text: string }

/** Kinds a delete or edit may name (the store's rule, PROTOCOL.md §7; tombstones.ts says why). */
const NOT_DELETABLE = new Set(['profile', 'delete', 'edit'])
const EDITABLE = new Set(['post', 'reply'])

/**
 * The body of a delete or edit of one of this box's own entries, or the
 * refusal a person can act on: not an id, not here, someone else's, a kind
 * that cannot be changed, deleted already. The store checks the same again
 * when it appends (not_author, bad_input), so a race still ends in a refusal.
 */
export async function amendBody (
  req: Amend,
  me: Uint8Array,
  get: (hash: Uint8Array) => Promise<StoredEntry | undefined>
): Promise<KnownBody> {
  const verb = req.type
  const hash = parseEntryId(req.id)
  if (hash === undefined) throw new ApiError(400, 'bad_entry_id', 'that is not an entry id (bafyrei…)')
  const target = await get(hash)
  if (target === undefined) throw new ApiError(404, 'entry_not_found', 'this box holds no entry with that id')
  if (!equalBytes(target.author, me)) {
    throw new ApiError(403, 'not_author', `that entry was written by someone else; only its author can ${verb} it`)
  }
  if (verb === 'delete' && NOT_DELETABLE.has(target.kind)) {
    throw new ApiError(
      400,
      'not_deletable',
      target.kind === 'profile'
        ? 'a profile cannot be deleted: set a new name instead'
        : `that is a ${target.kind} entry, which cannot be deleted`
    )
  }
  if (verb === 'edit' && !EDITABLE.has(target.kind)) {
    throw new ApiError(400, 'not_editable', `that is a ${target.kind} entry: only posts and replies can be edited`)
  }
  if (target.fate?.reason === 'deleted') {
    throw new ApiError(
      410,
      'deleted',
      verb === 'delete' ? 'that entry is deleted already' : 'that entry was deleted; it cannot be edited'
    )
  }
  return req.type === 'delete' ? { type: 'delete', target: hash } : { type: 'edit', target: hash, text: req.text }
}
