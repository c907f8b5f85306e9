/** Stable codes: they appear on the wire (sync ERROR messages), in counters and in logs. Add, never rename. */
export const SyncErrorCodes = [
  'bad_message', // a frame that is not a valid sync message, or not the one expected
  'too_large', // a frame over the size cap
  'too_many_heads', // a heads vector over the cap
  'busy', // too many concurrent sync streams from this peer
  'timeout', // a stream exceeded its deadline
  'not_connected', // syncNow for a peer we have no connection to
  'internal' // our own failure (e.g. the store is closed)
] as const

export type SyncErrorCode = typeof SyncErrorCodes[number]

export class ReplicationError extends Error {
  readonly code: SyncErrorCode | 'bad_config'
  constructor (code: SyncErrorCode | 'bad_config', message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ReplicationError'
    this.code = code
  }
}
