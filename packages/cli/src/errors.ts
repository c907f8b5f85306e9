/** Exit statuses of every `kiez` command (sysexits' EX_UNAVAILABLE for "no daemon"). */
export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 69 } as const

/** A failure to report as one line (never a stack trace) with a chosen exit status. */
export class CliError extends Error {
  readonly code: string
  readonly exitCode: number
  /** the result document was printed already: with --json, print no error document after it */
  readonly reported: boolean
  constructor (code: string, message: string, exitCode: number, reported = false, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CliError'
    this.code = code
    this.exitCode = exitCode
    this.reported = reported
  }
}
