/**
 * Muted authors: one reader's choice, kept in this browser's localStorage and
 * nowhere else (the box never hears of it). Stored by author id, newest first,
 * at most MAX_MUTED; whatever else is in the key (an old format, a hand edit,
 * another page's junk) is ignored rather than trusted.
 */

export const MUTED_KEY = 'kiez.muted'
export const MAX_MUTED = 1000
/** far longer than any peer id (52 characters), short enough that a junk entry costs nothing */
const MAX_ID_LENGTH = 128
const AUTHOR_ID = /^[A-Za-z0-9]+$/

/** The muted author ids in a stored value: a JSON array of ids; anything malformed is left out. */
export function parseMuted (raw: string | null | undefined): string[] {
  if (raw === null || raw === undefined || raw === '') return []
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return []
  }
  if (!Array.isArray(value)) return []
  const out: string[] = []
  const seen = new Set<string>()
  for (const id of value) {
    if (!isAuthorId(id) || seen.has(id)) continue
    seen.add(id)
    out.push(id)
    if (out.length === MAX_MUTED) break
  }
  return out
}

export function isAuthorId (x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID_LENGTH && AUTHOR_ID.test(x)
}

/** The list with `author` muted, newest first; past MAX_MUTED the longest-muted one is let go. */
export function withMuted (list: readonly string[], author: string): string[] {
  if (!isAuthorId(author)) return [...list]
  return [author, ...list.filter((a) => a !== author)].slice(0, MAX_MUTED)
}

export function withoutMuted (list: readonly string[], author: string): string[] {
  return list.filter((a) => a !== author)
}

/** The page's storage, if it has one that works (private modes and blocked storage throw). */
function storage (): Storage | undefined {
  try {
    return globalThis.localStorage
  } catch {
    return undefined
  }
}

export function loadMuted (store: Storage | undefined = storage()): string[] {
  try {
    return parseMuted(store?.getItem(MUTED_KEY))
  } catch {
    return []
  }
}

/** Saves the list; false when the browser would not keep it (the mute then lasts this page view). */
export function saveMuted (list: readonly string[], store: Storage | undefined = storage()): boolean {
  if (store === undefined) return false
  try {
    store.setItem(MUTED_KEY, JSON.stringify(list.slice(0, MAX_MUTED)))
    return true
  } catch {
    return false
  }
}
