export type SearchErrorCode = 'bad_query' | 'closed' | 'open_failed'

export class SearchError extends Error {
  readonly code: SearchErrorCode
  constructor (code: SearchErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SearchError'
    this.code = code
  }
}
