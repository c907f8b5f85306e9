export { main, buildProgram } from './main.js'
export type { Io } from './client-commands.js'
export { EXIT, CliError } from './errors.js'
