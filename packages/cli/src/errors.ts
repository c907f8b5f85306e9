/** Exit statuses of every `kiez` command (sysexits' EX_UNAVAILABLE for "no daemon"). */
export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 69 } as const

import type { DaemonErrorCode } from '@kiez/daemon'
import type { ControlClientErrorCode } from '@kiez/daemon/control'

/** `code` of a failed command, shown in `--json` (docs/CLI.md): never rename one. */
export type CliErrorCode =
  | 'bad_shell' // `kiez completion` for a shell we have none for
  | 'checks_failed' // `kiez doctor` found a failing check
  | 'daemon_stopped' // the daemon went away while we followed its feed
  | 'internal' // anything unexpected
  | 'confirmation_required' // `kiez member remove|export` off a terminal without --yes
  | 'not_confirmed' // the person at the terminal said no
  | 'image_unreadable' // `kiez post --image FILE`: no such file, or not readable
  | 'image_too_large' // an image file over 1 MiB
  | 'unsupported_image' // an image file that is no JPEG, PNG, WebP or AVIF by its bytes (or a thumbnail over 320 px)
  | 'too_many_images' // more than 4 --image, or an --alt/--thumb without its --image
  | DaemonErrorCode // a daemon config or psk file that does not work
  | ControlClientErrorCode // a control call that failed, `daemon_unreachable` among them

/** A failure to report as one line (never a stack trace) with a chosen exit status. */
export class CliError extends Error {
  readonly code: CliErrorCode
  readonly exitCode: number
  /** the result document was printed already: with --json, print no error document after it */
  readonly reported: boolean
  constructor (code: CliErrorCode, message: string, exitCode: number, reported = false, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CliError'
    this.code = code
    this.exitCode = exitCode
    this.reported = reported
  }
}
