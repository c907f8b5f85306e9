/**
 * Stable codes of the member store. The CLI and the HTTP API will show them,
 * so never rename one: add new ones.
 */
export const MemberErrorCodes = [
  /** a name outside the rules of names.ts */
  'bad_name',
  /** a profile's about over 280 bytes */
  'bad_about',
  /** another member already has this name (compared without case) */
  'member_exists',
  /** the key being imported is already a member of this box (under any name), or is the box's own key */
  'author_exists',
  'no_such_member',
  /** the box already has 64 members, as many as a household entry can name */
  'too_many_members',
  /** a recovery phrase that is not 24 words of the English BIP39 list */
  'bad_phrase',
  /** 24 known words whose checksum does not match: a word is wrong or in the wrong place */
  'bad_checksum',
  /** a key file or the index holds something else than this store writes */
  'corrupt',
  /** a member's key file that others than the box's user may read: refused until chmod 600 */
  'key_permissions',
  /** a file could not be read or written */
  'io_failed'
] as const

export type MemberErrorCode = typeof MemberErrorCodes[number]

export class MemberError extends Error {
  readonly code: MemberErrorCode
  constructor (code: MemberErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MemberError'
    this.code = code
  }
}
