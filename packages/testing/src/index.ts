/**
 * @packageDocumentation
 *
 * The test toolbox: `eventually`, the one loop that waits for a state a test
 * cannot be told about (a count reached, a peer connected, a line served).
 * Used by the package tests and the suites under test/, never by shipped code.
 *
 * Must not import any other `@kiez/*` package, a test runner or anything with
 * I/O: it has no dependencies, so it costs the production install nothing.
 */
export { eventually, type EventuallyOptions } from './eventually.js'
