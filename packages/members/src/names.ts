import { MAX_PROFILE_NAME_BYTES } from '@kiez/feed'
import { MemberError } from './errors.js'

/** A member's name is 1 … 64 characters (as a reader counts them: grapheme clusters) … */
export const MAX_MEMBER_NAME_CHARS = 64
/** … and fits a profile's display name (PROTOCOL.md §2), whatever the script. */
export const MAX_MEMBER_NAME_BYTES = MAX_PROFILE_NAME_BYTES

// control characters, line and paragraph separators, and the bidi overrides that make a name read as another
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]/u
const GRAPHEMES = new Intl.Segmenter('und', { granularity: 'grapheme' })
const EDGE_SPACE = /^[\s\p{Z}]|[\s\p{Z}]$/u

/**
 * Checks a member's name and returns it in NFC (so that the same name typed
 * on two keyboards is stored the same). Throws `bad_name` with the reason.
 */
export function checkName (name: unknown): string {
  if (typeof name !== 'string') throw new MemberError('bad_name', 'a member\'s name must be text')
  const nfc = name.normalize('NFC')
  let chars = 0
  for (const _ of GRAPHEMES.segment(nfc)) chars++
  if (chars === 0) throw new MemberError('bad_name', 'a member\'s name must not be empty')
  if (chars > MAX_MEMBER_NAME_CHARS) {
    throw new MemberError('bad_name', `a member's name has at most ${MAX_MEMBER_NAME_CHARS} characters, not ${chars}`)
  }
  if (Buffer.byteLength(nfc, 'utf8') > MAX_MEMBER_NAME_BYTES) {
    throw new MemberError('bad_name', `a member's name is at most ${MAX_MEMBER_NAME_BYTES} bytes in UTF-8`)
  }
  if (FORBIDDEN.test(nfc)) {
    throw new MemberError(
      'bad_name',
      'a member\'s name must not hold control characters, line breaks or bidi overrides'
    )
  }
  if (EDGE_SPACE.test(nfc)) throw new MemberError('bad_name', 'a member\'s name must not start or end with a space')
  return nfc
}

/**
 * What two names are compared by: without case, and with compatibility forms
 * folded (NFKC), so "Anna", "ANNA" and "Ａｎｎａ" are one name on a box.
 */
export function nameKey (name: string): string {
  return name.normalize('NFKC').toLowerCase()
}
