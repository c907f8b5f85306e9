/**
 * Stable validation codes. They appear on the wire (sync rejections), in
 * metrics labels and in `kiez why`, so never rename one: add new ones.
 */
export const ValidationCodes = [
  'bad_encoding',
  'non_canonical',
  'bad_signature',
  'wrong_seq',
  'wrong_previous',
  'content_too_large',
  'unknown_type',
  'malformed_content',
  'future_timestamp',
  'duplicate',
  'forked',
  'payload_mismatch'
] as const

export type ValidationCode = typeof ValidationCodes[number]

/** Thrown only by APIs that take trusted input (local authoring); never by validation. */
export class FeedError extends Error {
  readonly code: ValidationCode
  constructor (code: ValidationCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FeedError'
    this.code = code
  }
}
