/** Stable codes: logs, counters and the control API show them. Add, never rename. */
export type TopologyErrorCode =
  | 'bad_message' // a frame that is not a valid request/answer
  | 'too_large' // a frame over MAX_FRAME_BYTES
  | 'wrong_peer' // the answer's first report is not the box we asked
  | 'busy' // rate limit or stream cap reached
  | 'timeout' // no answer in time
  | 'unreachable' // could not open a stream to the box
  | 'not_started'

export class TopologyError extends Error {
  readonly code: TopologyErrorCode
  constructor (code: TopologyErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TopologyError'
    this.code = code
  }
}
