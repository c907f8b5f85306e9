/** Errors of the store itself (I/O, misuse); validation outcomes are results, not errors. */
export type StoreErrorCode =
  | 'not_open'
  | 'write_failed'
  | 'author_forked'
  | 'bad_input'
  | 'corrupt'
  | 'own_head_unknown'
  /** a local delete or edit naming an entry of another author */
  | 'not_author'

export class StoreError extends Error {
  readonly code: StoreErrorCode
  constructor (code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreError'
    this.code = code
  }
}
