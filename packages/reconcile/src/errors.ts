/** Stable codes (they reach sync ERROR messages and counters). Add, never rename. */
export type ReconcileErrorCode =
  | 'bad_message' // a negentropy message that does not parse, or breaks a rule of the spec
  | 'unsupported_version' // the peer speaks another negentropy protocol version
  | 'bad_items' // our own item list is unsorted, has duplicates or bad ids (a caller's bug)
  | 'bad_state' // the engine was driven out of order (initiate twice, reconcile before initiate)

export class ReconcileError extends Error {
  readonly code: ReconcileErrorCode
  constructor (code: ReconcileErrorCode, message: string) {
    super(message)
    this.name = 'ReconcileError'
    this.code = code
  }
}
