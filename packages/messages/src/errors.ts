/** Stable codes of private messages, shown by the CLI and the HTTP API: never rename one, add new ones. */
export const MessageErrorCodes = [
  /** a key of the wrong size, or not one per recipient */
  'bad_key',
  /** an empty text, or a recipient the box cannot name */
  'bad_message',
  /** a text over 4096 UTF-8 bytes */
  'message_too_large',
  /** no recipient, or more than 8 */
  'too_many_recipients',
  /** a recipient (a name or an author id) the box knows nothing of */
  'unknown_recipient',
  /** a name that several authors carry: say the author id */
  'ambiguous_recipient',
  /** a recipient whose profile publishes no message key (an older box's member) */
  'no_message_key'
] as const

export type MessageErrorCode = typeof MessageErrorCodes[number]

export class MessageError extends Error {
  readonly code: MessageErrorCode
  constructor (code: MessageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MessageError'
    this.code = code
  }
}
