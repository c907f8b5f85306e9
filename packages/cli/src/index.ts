/**
 * @packageDocumentation
 *
 * The `kiez` command (main, buildProgram): `kiez daemon` and the diagnostic
 * commands (status, peers, post, sync, doctor, …), a thin client of the
 * daemon's control API (docs/CLI.md).
 *
 * Imports `@kiez/daemon/control` for the client, and `@kiez/daemon` lazily
 * for `kiez daemon` (and its --check-config) and `kiez psk` only. Must not
 * import libp2p or any other `@kiez/*` package directly: it talks to the daemon.
 */
export type { Io } from './client-commands.js'
export { EXIT, CliError } from './errors.js'
export { main, buildProgram } from './main.js'
