/** Stable codes so tests and the demo CLI can tell lab failures apart. */
export type LabErrorCode =
  | 'bad_spec' // topology or option out of range
  | 'unavailable' // not root, no `ip`, netns not permitted
  | 'in_use' // a namespace with the lab's name already exists
  | 'ip_failed' // an `ip` command failed while building or changing the lab
  | 'closed' // the lab was used after close()
  | 'bad_box' // box index out of range
  | 'bad_link' // link index out of range
  | 'not_running' // no process in that box
  | 'already_running' // start() on a box whose process still runs
  | 'exited' // the process exited before the awaited log line
  | 'timeout' // waitForLog / exec ran out of time

export class LabError extends Error {
  readonly code: LabErrorCode
  constructor (code: LabErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'LabError'
    this.code = code
  }
}
